"""Changes to the identifiers people sign in with (工号, login e-mail).

Whoever makes the change — HR's staff import, an administrator in the Django or
Wagtail admin, the person on allauth's e-mail page — it is written to the audit
log with the old and the new value, the old address is told (so a takeover
cannot go unnoticed), and addresses the account no longer uses stop signing in
or receiving password-reset links.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import audit

FIELD_LABELS = {"employee_no": gettext_lazy("工号"), "email": gettext_lazy("登录邮箱")}


def mask_email(address: str | None) -> str:
    """``zhang.san@example.cn`` → ``z***@example.cn`` (enough to recognise, not to harvest)."""
    if not address or "@" not in address:
        return address or "—"
    local, domain = address.split("@", 1)
    return f"{local[:1]}***@{domain}"


def record_identifier_changes(changed: Iterable[tuple], *, via: str, actor=None) -> int:
    """Audit and announce ``[(user, {field: (old, new)})]``; returns how many changes were recorded.

    Runs inside the caller's transaction; the e-mails leave after it commits.
    """
    from ..tasks import send_identifier_change_notice

    actor = actor if actor is not None else audit.current_actor()
    count = 0
    for user, changes in changed:
        for field, (old, new) in changes.items():
            audit.record(
                actor=actor,
                action="identity_change",
                summary=_("%(name)s（%(no)s）的%(field)s由“%(old)s”改为“%(new)s”")
                % {
                    "name": user.full_name,
                    "no": user.employee_no,
                    "field": FIELD_LABELS[field],
                    "old": old or "—",
                    "new": new or "—",
                },
                details={"user_id": user.pk, "field": field, "old": old, "new": new, "via": via},
            )
            count += 1
        old_email = changes["email"][0] if "email" in changes else user.email
        if "email" in changes:
            stale = EmailAddress.objects.filter(user_id=user.pk)
            if user.email:
                stale = stale.exclude(email__iexact=user.email)
            stale.delete()
        if old_email:
            transaction.on_commit(
                lambda uid=user.pk, to=old_email, c=dict(changes): send_identifier_change_notice.delay(uid, to, c)
            )
    return count


def send_identifier_change_notice(*, user_id: int, to: str, changes: dict) -> bool:
    """The e-mail to the old address. Sent once per change set; a failure is raised (Celery retries)."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from ..models import User

    user = User.objects.filter(pk=user_id).only("full_name", "employee_no").first()
    if user is None:
        return False
    lines = [_("%(name)s，您好：") % {"name": user.full_name}, "", _("您在法治学堂的登录信息刚刚发生了变更：")]
    for field, (old, new) in changes.items():
        shown_old, shown_new = (mask_email(old), mask_email(new)) if field == "email" else (old or "—", new or "—")
        lines.append(
            _("· %(field)s：由 %(old)s 改为 %(new)s")
            % {"field": FIELD_LABELS[field], "old": shown_old, "new": shown_new}
        )
    lines += [
        "",
        _("如果这是您本人或本单位人事部门的操作，无需处理。"),
        _("如果您不知情，请立即联系本单位的人事/合规专员或系统管理员，账户可能已被他人控制。"),
        "",
        _("此邮件发送到您原来的登录邮箱，请勿直接回复。"),
        settings.SITE_URL,
    ]
    EmailMessage(subject=_("【法治学堂】您的登录信息已变更"), body="\n".join(lines), to=[to]).send()
    return True
