"""Django admin for certificates: read-only lists; revoking goes through its own page (with a reason)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, CertificateKind


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "kind", "holder", "year", "issued_at", "revoked_at", "revoke_link"]
    list_filter = ["kind", "year", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["serial", "holder__full_name", "holder__employee_no"]
    list_select_related = ["holder"]
    readonly_fields = [
        "kind",
        "holder",
        "year",
        "exam",
        "course",
        "serial",
        "verification_code",
        "details",
        "issued_at",
        "pdf",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    fields = readonly_fields
    show_full_result_count = False

    @admin.display(description=_("撤销"))
    def revoke_link(self, obj: Certificate):
        if obj.revoked_at:
            if obj.kind != CertificateKind.ANNUAL:
                return _("已撤销")
            return format_html(
                '{} · <a href="{}">{}</a>', _("已撤销"), reverse("certificates:revoke", args=[obj.pk]), _("重新颁发…")
            )
        return format_html('<a href="{}">{}</a>', reverse("certificates:revoke", args=[obj.pk]), _("撤销…"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
