"""Activation codes: how a person without an e-mail address gets into their account.

HR prints an activation letter (开通通知书, ``directory.letters``) with a one-time
code; the person types their 工号 and the code on the activation page
(``accounts.views.activation``), chooses a password and is signed in through
allauth. Most officials of the prefecture have no e-mail address, so this, not
the e-mail reset, is their way in, and the way back in after HR resets their access.

* Only a keyed hash of a code is stored (HMAC-SHA256 under ``SECRET_KEY``, bound
  to the person): the plain code exists on the printed letter alone. The codes
  are random (12 characters of 31, about 59 bits), so a slow password hash would
  add nothing but minutes to a unit's letters; a stolen table without the key
  reveals no code, and the page's rate limits stop guessing.
* A person has at most one live code (a partial unique constraint): issuing a
  new code revokes the old one in the same transaction; using it ends it; so does
  the end of the day ``ACTIVATION_CODE_DAYS`` days after it was issued.
* Who may issue codes for whom is decided here (``manageable``): administrators
  for anyone but themselves; HR for the people of their scope who hold no
  privileged role — a code is a way into the account, and HR printing one for
  another HR officer, a trainer or an administrator would let them take it over;
  a command on the server (``actor=None``) for anyone.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import audit, scope
from ..models import ActivationCode, Role, User, privileged_q

#: Letters and digits nobody confuses on paper or types wrongly from it (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
GROUP = 4
_KEY_SALT = "accounts.activation.code"

ISSUE_ACTION = "activation.issue"
RESET_ACTION = "activation.reset"
USED_ACTION = "activation.used"


class ActivationError(Exception):
    """A code that does not open an account: the message never says which part was wrong."""


class AccessDenied(Exception):
    """The actor may not issue a code for this person; the message says why."""


@dataclass(frozen=True)
class IssuedCode:
    """A code as it goes onto a letter: the only moment its plain text exists."""

    user: User
    code: str
    expires_at: dt.datetime

    @property
    def display_code(self) -> str:
        return format_code(self.code)


def generic_error() -> str:
    """The one answer to every failed attempt: unknown 工号, wrong, used, revoked or expired code alike."""
    return _("工号或激活码不正确，或激活码已失效。请核对开通通知书；仍不能激活的，请联系本单位人事部门重新打印。")


# --- codes --------------------------------------------------------------------------


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCDEFGHJKMN`` → ``ABCD-EFGH-JKMN`` (as printed)."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, without the dashes and spaces of the printed groups."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -_\u3000－—")


def _digest(user_pk: int, code: str) -> str:
    return salted_hmac(_KEY_SALT, f"{user_pk}:{code}", algorithm="sha256").hexdigest()


def code_expiry(now: dt.datetime | None = None) -> dt.datetime:
    """The end of the local day ``ACTIVATION_CODE_DAYS`` days from now (the letter prints that date)."""
    now = timezone.localtime(now or timezone.now())
    last_day = now.date() + dt.timedelta(days=settings.ACTIVATION_CODE_DAYS)
    end = dt.datetime.combine(last_day, dt.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


# --- who may issue for whom ------------------------------------------------------------


def can_issue_letters(actor: User) -> bool:
    return actor.is_authenticated and (actor.has_role(Role.HR) or actor.has_role(Role.ADMIN))


def manageable(actor: User | None, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """The people ``actor`` may issue codes for (``None``: a command on the server, everyone)."""
    queryset = User.objects.all() if queryset is None else queryset
    if actor is None:
        return queryset
    if not can_issue_letters(actor):
        return queryset.none()
    queryset = scope.filter_people(actor, queryset).exclude(pk=actor.pk)
    if not actor.has_role(Role.ADMIN):
        queryset = queryset.exclude(pk__in=User.objects.filter(privileged_q()).values("pk"))
    return queryset


def ensure_can_manage(actor: User | None, person: User) -> None:
    """Raise ``AccessDenied`` saying why ``actor`` may not issue a code for ``person``."""
    if actor is None:
        return
    if person.pk == actor.pk:
        raise AccessDenied(_("不能为自己打印开通通知书或重置账号访问。"))
    if not can_issue_letters(actor) or not scope.can_view_person(actor, person):
        raise AccessDenied(_("此人员不在您的管辖范围内。"))
    if not actor.has_role(Role.ADMIN) and person.is_privileged:
        raise AccessDenied(
            _("%(name)s 拥有管理或审核权限，其账号访问只能由系统管理员重置。") % {"name": person.full_name}
        )


def access_refusal(actor: User | None, person: User) -> str | None:
    """Why ``actor`` may not print a letter for or reset ``person`` (``None``: they may)."""
    try:
        ensure_can_manage(actor, person)
    except AccessDenied as exc:
        return str(exc)
    return None


# --- issuing --------------------------------------------------------------------------


def _issue(people: list[User], *, actor: User | None, now: dt.datetime) -> list[IssuedCode]:
    ids = [person.pk for person in people]
    ActivationCode.objects.filter(user_id__in=ids, used_at=None, revoked_at=None).update(revoked_at=now)
    expires_at = code_expiry(now)
    issued = [IssuedCode(user=person, code=generate_code(), expires_at=expires_at) for person in people]
    ActivationCode.objects.bulk_create(
        [
            ActivationCode(
                user_id=item.user.pk,
                code_hash=_digest(item.user.pk, item.code),
                issued_at=now,
                issued_by=actor if getattr(actor, "pk", None) else None,
                expires_at=expires_at,
            )
            for item in issued
        ],
        batch_size=1000,
    )
    return issued


def _locked(user_ids: Iterable[int]) -> list[User]:
    """The people, locked in the order of their ids (two runs for overlapping people wait, never deadlock)."""
    return list(
        User.objects.select_for_update(of=("self",))
        .select_related("org_unit")
        .filter(pk__in=list(user_ids))
        .order_by("pk")
    )


@transaction.atomic
def issue_codes(*, user_ids: Iterable[int], actor: User | None, via: str) -> list[IssuedCode]:
    """New codes for these people (their old ones stop working), audited once; in the order of ``user_ids``.

    The people are checked again here (``manageable``): whoever is no longer
    ``actor``'s to manage, or no longer active, gets no code and is left out of
    the result. ``via`` says where the letters were asked for (``letters``,
    ``job``, ``command``). Runs in the caller's transaction when there is one, so
    a letter file written in the same block holds only codes that were committed.
    """
    wanted = list(dict.fromkeys(user_ids))
    allowed = set(manageable(actor, User.objects.filter(pk__in=wanted, is_active=True)).values_list("pk", flat=True))
    people = {person.pk: person for person in _locked(pk for pk in wanted if pk in allowed)}
    ordered = [people[pk] for pk in wanted if pk in people]
    if not ordered:
        return []
    issued = _issue(ordered, actor=actor, now=timezone.now())
    if len(ordered) == 1:
        summary = _("签发开通通知书：%(person)s（旧激活码已作废）") % {"person": ordered[0]}
    else:
        summary = ngettext(
            "签发开通通知书 %(n)s 人（旧激活码已作废）", "签发开通通知书 %(n)s 人（旧激活码已作废）", len(ordered)
        ) % {"n": len(ordered)}
    if actor is None:
        summary += _("（服务器命令）")
    audit.record(
        actor=actor,
        action=ISSUE_ACTION,
        summary=summary,
        details={
            "via": via,
            "count": len(ordered),
            "employee_nos": [person.employee_no for person in ordered],
            "expires_at": issued[0].expires_at.isoformat(),
        },
    )
    return issued


@transaction.atomic
def reset_access(*, person: User, actor: User | None) -> IssuedCode:
    """Close every way into ``person``'s account and issue the one that opens it again: a new letter.

    The password becomes unusable, which also ends every session of the
    account (Django checks each session against the password hash); the old
    code is revoked and a new one issued. TOTP, if set up, stays: the person
    proves it again when the new password first signs in.
    """
    ensure_can_manage(actor, person)
    person = _locked([person.pk])[0]
    if not person.is_active:
        raise AccessDenied(_("此账号已停用，不能重置访问。请先由系统管理员启用账号。"))
    person.set_unusable_password()
    person.save(update_fields=["password"])
    issued = _issue([person], actor=actor, now=timezone.now())[0]
    summary = _("重置账号访问：%(person)s（密码、旧激活码和所有登录会话已失效，已签发新的开通通知书）") % {
        "person": person
    }
    if actor is None:
        summary += _("（服务器命令）")
    audit.record(
        actor=actor,
        action=RESET_ACTION,
        summary=summary,
        details={"user_id": person.pk, "employee_no": person.employee_no, "expires_at": issued.expires_at.isoformat()},
    )
    return issued


# --- using a code ---------------------------------------------------------------------


def check_code(*, employee_no: str, code: str) -> ActivationCode:
    """The live code these two strings open, or ``ActivationError`` with the one generic message.

    One query whether or not the 工号 exists, and the digest is computed either
    way, so an unknown 工号 answers no faster than a wrong code.
    """
    employee_no = (employee_no or "").strip()
    typed = normalise_code(code)
    live = (
        ActivationCode.objects.select_related("user")
        .filter(user__employee_no=employee_no, used_at=None, revoked_at=None)
        .first()
        if employee_no
        else None
    )
    digest = _digest(live.user_id if live is not None else 0, typed)
    if (
        live is None
        or not live.user.is_active
        or live.expires_at <= timezone.now()
        or len(typed) != CODE_LENGTH
        or not constant_time_compare(live.code_hash, digest)
    ):
        raise ActivationError(generic_error())
    return live


@transaction.atomic
def activate(*, code_id: int, user_id: int, password: str) -> User:
    """Use the code: the person's password becomes ``password`` (already validated) and the code ends.

    The code row is locked and checked again, so of two tabs finishing at once
    only one activates; the other is told the code no longer works.
    """
    code = ActivationCode.objects.select_for_update().filter(pk=code_id, user_id=user_id).first()
    now = timezone.now()
    if code is None or code.used_at or code.revoked_at or code.expires_at <= now:
        raise ActivationError(generic_error())
    person = User.objects.select_for_update(of=("self",)).get(pk=user_id)
    if not person.is_active:
        raise ActivationError(generic_error())
    person.set_password(password)
    person.save(update_fields=["password"])
    code.used_at = now
    code.save(update_fields=["used_at"])
    audit.record(
        actor=person,
        action=USED_ACTION,
        summary=_("%(person)s 使用激活码激活了账号并设置了密码") % {"person": person},
        details={"user_id": person.pk, "code": code.pk},
    )
    return person


__all__ = [
    "AccessDenied",
    "access_refusal",
    "ActivationError",
    "IssuedCode",
    "activate",
    "can_issue_letters",
    "check_code",
    "code_expiry",
    "ensure_can_manage",
    "format_code",
    "generic_error",
    "issue_codes",
    "manageable",
    "normalise_code",
    "reset_access",
]
