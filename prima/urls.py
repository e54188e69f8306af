from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from monitoring.views import healthz, metrics
from prima.passwords import password_urls

urlpatterns = [
    *password_urls(settings.ADMIN_URL),  # before the admin's, which answers every path under it
    path(settings.ADMIN_URL, admin.site.urls),
    path("webhooks/", include("webhooks.urls")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
]
