from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from monitoring.views import healthz, metrics

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("webhooks/", include("webhooks.urls")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
]
