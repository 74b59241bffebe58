"""People and the organisation they belong to.

The user model and the org tree are the two things every other app points at;
they are deliberately plain. Roles are Django groups with fixed names (so that
Wagtail's page permissions can hang off them), and an HR officer's scope is the
set of org units in ``User.scope_units`` plus everything below them — see
``accounts.scope`` for the one rule that turns that into querysets.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class OrgUnit(MP_Node):
    """A unit of the prefecture: prefecture → county/city → department/township/station.

    Materialised paths make "this unit and everything below it" a single
    ``path LIKE 'xxxx%'`` on an indexed column.
    """

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("地区")
        COUNTY = "county", _("县市")
        DEPARTMENT = "department", _("部门")
        TOWNSHIP = "township", _("乡镇")
        STATION = "station", _("站所")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    full_path = models.CharField(_("完整路径"), max_length=500, unique=True, editable=False)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")

    def __str__(self) -> str:
        return self.full_path or self.name

    def compute_full_path(self) -> str:
        parent = self.get_parent()
        return f"{parent.full_path}/{self.name}" if parent else self.name

    def save(self, *args, **kwargs):
        self.full_path = self.compute_full_path()
        super().save(*args, **kwargs)


class StaffCategory(models.TextChoices):
    ENFORCEMENT = "enforcement", _("执法人员")
    LEADER = "leader", _("领导干部")
    OTHER = "other", _("其他")


class Role(models.TextChoices):
    """Roles are groups with these exact names; everyone signed in is a learner."""

    LEARNER = "learner", _("学员")
    TRAINER = "trainer", _("培训管理员")
    REVIEWER = "reviewer", _("法制审核员")
    HR = "hr", _("人事/合规专员")
    ADMIN = "admin", _("系统管理员")


ROLE_GROUP_NAMES = {
    Role.TRAINER: "培训管理员",
    Role.REVIEWER: "法制审核员",
    Role.HR: "人事合规专员",
    Role.ADMIN: "系统管理员",
}
# Roles whose holders must have MFA before they reach any page.
PRIVILEGED_ROLES = frozenset({Role.TRAINER, Role.REVIEWER, Role.HR, Role.ADMIN})
#: The fields a person signs in with; a change to one is audited and announced.
LOGIN_IDENTIFIERS = ("employee_no", "email")


def privileged_q() -> Q:
    """The database form of ``User.is_privileged`` (for bulk checks such as the staff import)."""
    return (
        Q(is_superuser=True)
        | Q(is_staff=True)
        | Q(groups__name__in=[ROLE_GROUP_NAMES[role] for role in PRIVILEGED_ROLES])
    )


def _identifier_diff(old: dict, new: dict) -> dict[str, tuple]:
    """Login identifiers compare without case (the database's uniqueness of e-mail ignores it too)."""
    return {f: (old[f], new[f]) for f in old if (old[f] or "").lower() != (new[f] or "").lower()}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, employee_no, password, **extra):
        if not employee_no:
            raise ValueError("employee_no is required")
        email = extra.pop("email", None)
        extra["email"] = self.normalize_email(email) or None
        user = self.model(employee_no=employee_no, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, employee_no, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(employee_no, password, **extra)

    def create_superuser(self, employee_no, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("full_name", employee_no)
        return self._create(employee_no, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An official of the prefecture. No national ID number is ever stored."""

    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    full_name = models.CharField(_("姓名"), max_length=64)
    email = models.EmailField(_("邮箱"), blank=True, null=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    position = models.CharField(_("职务"), max_length=64, blank=True)
    staff_category = models.CharField(
        _("人员类别"), max_length=16, choices=StaffCategory.choices, default=StaffCategory.ENFORCEMENT
    )
    credential_no = models.CharField(_("执法证号"), max_length=32, blank=True, null=True)
    joined_on = models.DateField(_("入职日期"), null=True, blank=True)
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    scope_units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("管辖单位"),
        blank=True,
        related_name="scoped_officers",
        help_text=_("人事/合规专员可查看这些单位及其下属单位的人员。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入后台"), default=False)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "employee_no"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=Q(email__isnull=False), name="uniq_user_email_ci"),
            models.UniqueConstraint(
                fields=["credential_no"],
                condition=Q(credential_no__isnull=False),
                name="uniq_user_credential_no",
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "staff_category"]),
            # The people picker's prefix search (``full_name LIKE '张%'``, accounts.pickers). On PostgreSQL
            # only a pattern-ops index serves LIKE; a plain one would also tempt the planner to walk
            # every name in order for ``ORDER BY full_name LIMIT 21`` (measured: 40-90 ms at 52,000 people).
            models.Index(fields=["full_name"], name="user_full_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.employee_no}）"

    # Wagtail and Django admin call these.
    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email) or None
        self.credential_no = (self.credential_no or "").strip() or None

    @property
    def roles(self) -> frozenset[str]:
        """The user's roles, cached on the instance for the request."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            names = {v: k for k, v in ROLE_GROUP_NAMES.items()}
            group_names = self.groups.values_list("name", flat=True) if self.pk else []
            cached = {Role.LEARNER} | {names[g] for g in group_names if g in names}
            if self.is_superuser:
                cached.add(Role.ADMIN)
            cached = frozenset(cached)
            self._roles_cache = cached
        return cached

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_privileged(self) -> bool:
        """A role that sees other people's data or publishes content, or any back-office account."""
        return bool(self.roles & PRIVILEGED_ROLES) or self.is_staff

    # --- login identifiers: every change is audited and the old address told,
    # whichever route made it (Django admin, Wagtail, allauth, a command).
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_identifiers()
        return instance

    def _remember_identifiers(self) -> None:
        loaded = self.get_deferred_fields()
        self._loaded_identifiers = {f: getattr(self, f) for f in LOGIN_IDENTIFIERS if f not in loaded}

    def identifier_changes(self) -> dict[str, tuple]:
        """``{field: (old, new)}`` for login identifiers changed since this row was read."""
        loaded = getattr(self, "_loaded_identifiers", None) or {}
        return _identifier_diff(loaded, {f: getattr(self, f) for f in loaded})

    def identifier_changes_to(self, values: dict) -> dict[str, tuple]:
        """``{field: (old, new)}`` that writing ``values`` (e.g. with ``bulk_update``) would make."""
        fields = [f for f in LOGIN_IDENTIFIERS if f in values]
        return _identifier_diff({f: getattr(self, f) for f in fields}, {f: values[f] for f in fields})

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        changes = {} if self._state.adding else self.identifier_changes()
        if update_fields is not None:
            changes = {f: v for f, v in changes.items() if f in update_fields}
        super().save(*args, **kwargs)
        if changes:
            from .services.identity import record_identifier_changes

            record_identifier_changes([(self, changes)], via="save")
        self._remember_identifiers()


class AuditLog(models.Model):
    """Who did what to whose data: HR exports, manual adjustments, imports.

    Rows are only ever added; administrators read them in the Django admin.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    summary = models.CharField(_("摘要"), max_length=500)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("审计日志只能新增，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("审计日志不能删除")


class CredentialStatus(models.TextChoices):
    VALID = "valid", _("有效")
    PENDING_REVIEW = "pending_review", _("待审核")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("吊销")
    EXPIRED = "expired", _("过期")


class Credential(models.Model):
    """An enforcement credential (执法证). Status changes only through
    ``accounts.services.credentials.change_status`` so that each one is in the history."""

    holder = models.ForeignKey(User, verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="credentials")
    number = models.CharField(_("执法证号"), max_length=32, unique=True)
    issuing_authority = models.CharField(_("发证机关"), max_length=100, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    domain = models.CharField(_("执法领域"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=CredentialStatus.choices, default=CredentialStatus.VALID, db_index=True
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)

    class Meta:
        verbose_name = _("执法证")
        verbose_name_plural = _("执法证")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}（{self.holder.full_name}）"


class CredentialEvent(models.Model):
    """One change of a credential's status: who, when, why. Append-only."""

    credential = models.ForeignKey(
        Credential, on_delete=models.PROTECT, related_name="events", verbose_name=_("执法证")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=CredentialStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=CredentialStatus.choices)
    reason = models.CharField(_("原因"), max_length=500)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)

    class Meta:
        verbose_name = _("执法证状态记录")
        verbose_name_plural = _("执法证状态记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.credential.number} {self.from_status}→{self.to_status}"


class ActivationCode(models.Model):
    """A one-time code printed on a person's activation letter (开通通知书).

    Only a keyed hash of the code is kept (``accounts.services.activation``):
    the plain code exists on the printed letter alone. A person has at most one
    live code (not used, not revoked); issuing a new one revokes the old in the
    same transaction, and using it, or an expiry date in the past, ends it.
    Ended rows stay as the history of what was issued, by whom and when.
    """

    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(_("激活码摘要"), max_length=64)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        User, verbose_name=_("签发人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="uniq_live_activation_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.issued_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()
