"""A model's admin entry that is a read-only page of its own (usage, health) rather than the
stock list of rows, which only code writes."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse


class ReadOnlyPageAdmin(admin.ModelAdmin):
    """Subclasses name `page_template` and return the page's context from `page_context`."""

    page_template = ""

    def page_context(self, request: HttpRequest) -> dict:
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **self.page_context(request)}
        return TemplateResponse(request, self.page_template, context)
