from django.urls import path

from webhooks.models import WebhookEvent
from webhooks.views import cloud_api_webhook, fonnte_webhook

app_name = "webhooks"

urlpatterns = [
    path("fonnte/<str:secret>/incoming/", fonnte_webhook, {"kind": WebhookEvent.Kind.INCOMING}, name="incoming"),
    path("fonnte/<str:secret>/status/", fonnte_webhook, {"kind": WebhookEvent.Kind.STATUS}, name="status"),
    path("fonnte/<str:secret>/device/", fonnte_webhook, {"kind": WebhookEvent.Kind.DEVICE}, name="device"),
    path("cloud-api/", cloud_api_webhook, name="cloud_api"),
]
