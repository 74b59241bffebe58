"""Django admin for administrators. Every listing of people goes through the scope rule."""

from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin

from . import scope
from .drilldown import tree_order
from .forms import AdminUserCreationForm
from .models import AuditLog, Credential, CredentialEvent, OrgUnit, User
from .services.credentials import change_status
from .services.org_tree import UnitChangeRefused, add_unit, change_unit, check_unit_change, subtree_ids


class OrgUnitForm(forms.ModelForm):
    """A unit's name, code, type and parent; where it sits among its siblings follows from its code."""

    parent = forms.ModelChoiceField(
        label=_("上级单位"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("（无：顶级单位）")
    )

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = (units if units is not None else OrgUnit.objects.all()).order_by(tree_order(None))
        if self.instance.pk:
            choices = choices.exclude(pk__in=[self.instance.pk, *subtree_ids(self.instance)])
            self.initial.setdefault("parent", self.instance.get_parent())
        self.fields["parent"].queryset = choices

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_unit_change(
                    unit=self.instance if self.instance.pk else None, name=cleaned["name"], parent=cleaned.get("parent")
                )
            except UnitChangeRefused as refused:
                raise forms.ValidationError(str(refused)) from None
        return cleaned


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    """Every rename and move (the form and the tree's drag-and-drop) goes through ``accounts.services.org_tree``."""

    form = OrgUnitForm
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code", "full_path"]

    def get_queryset(self, request):
        return scope.filter_units(request.user, super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        units = scope.filter_units(request.user, OrgUnit.objects.all())

        class ScopedOrgUnitForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, units=units, **inner)

        return ScopedOrgUnitForm

    def save_model(self, request, obj, form, change):
        parent = form.cleaned_data["parent"]
        if change:
            change_unit(unit=obj, name=obj.name, code=obj.code, kind=obj.kind, parent=parent)
            obj.refresh_from_db()
        else:
            add_unit(unit=obj, parent=parent)

    def get_node(self, node_id):
        """The unit a drag-and-drop names: an id that names none is a 404, never a 500."""
        try:
            return get_object_or_404(OrgUnit, pk=int(node_id))
        except ValueError:
            raise Http404 from None

    def try_to_move_node(self, as_child, node, pos, request, target):
        """Treebeard's drag-and-drop: the unit goes under ``target`` or beside it, in code order."""
        if not (scope.can_view_unit(request.user, node) and scope.can_view_unit(request.user, target)):
            raise PermissionDenied
        parent = target if as_child else target.get_parent()
        try:
            moved = change_unit(unit=node, name=node.name, code=node.code, kind=node.kind, parent=parent)
        except UnitChangeRefused as refused:
            messages.error(request, str(refused))
            return HttpResponseBadRequest(str(refused))
        messages.info(
            request,
            gettext("已把“%(unit)s”移到“%(parent)s”之下。")
            % {"unit": moved.name, "parent": parent.full_path if parent else gettext("顶级")},
        )
        return HttpResponse("OK")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = AdminUserCreationForm
    ordering = ["employee_no"]
    list_display = ["employee_no", "full_name", "org_unit", "staff_category", "position", "is_active"]
    list_filter = ["staff_category", "is_active", "is_staff", "groups"]
    search_fields = ["employee_no", "full_name", "email", "credential_no", "phone"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]
    filter_horizontal = ["groups", "user_permissions", "scope_units"]
    fieldsets = (
        (None, {"fields": ("employee_no", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone")}),
        (_("任职"), {"fields": ("org_unit", "position", "staff_category", "credential_no", "joined_on", "left_on")}),
        (
            _("角色与权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "scope_units", "user_permissions")},
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("employee_no", "full_name", "org_unit", "staff_category", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):
        return scope.filter_people(request.user, super().get_queryset(request))


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__full_name", "actor__employee_no"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CredentialForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("状态变更原因"), required=False, help_text=_("修改状态时必填，记入执法证状态记录。")
    )

    class Meta:
        model = Credential
        fields = ["holder", "number", "issuing_authority", "issued_on", "expires_on", "domain", "status"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "status" in self.changed_data and not cleaned.get("change_reason", "").strip():
            self.add_error("change_reason", _("修改状态时必须填写原因。"))
        return cleaned


class CredentialEventInline(admin.TabularInline):
    model = CredentialEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "reason", "year", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    form = CredentialForm
    list_display = ["number", "holder", "status", "domain", "expires_on"]
    list_filter = ["status", "domain"]
    search_fields = ["number", "holder__full_name", "holder__employee_no"]
    list_select_related = ["holder", "holder__org_unit"]
    autocomplete_fields = ["holder"]
    inlines = [CredentialEventInline]

    def get_queryset(self, request):
        return scope.filter_people(request.user, super().get_queryset(request), user_field="holder")

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            new_status = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            change_status(
                credential=obj, to_status=new_status, reason=form.cleaned_data["change_reason"], actor=request.user
            )
            return
        super().save_model(request, obj, form, change)
        if not change:
            CredentialEvent.objects.create(credential=obj, actor=request.user, to_status=obj.status, reason=_("登记"))

    def has_delete_permission(self, request, obj=None):
        return False


# Single sign-on is configured by the environment alone and links no third-party accounts
# (accounts/sso.py): allauth's pages for social apps, accounts and tokens would only invite a
# second, unchecked configuration.
for _model in (SocialApp, SocialAccount, SocialToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
