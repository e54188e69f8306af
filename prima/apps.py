from django.contrib.admin.apps import AdminConfig


class PrimaAdminConfig(AdminConfig):
    """Django's admin, with PRIMA's site as `admin.site` (prima/admin_site.py)."""

    default_site = "prima.admin_site.PrimaAdminSite"
