"""Reads about activation: who still needs a letter, and where a person's access stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import ActivationCode, User


def needs_activation_q(prefix: str = "") -> Q:
    """Active people without a usable password: they can get in only with an activation code.

    ``prefix`` is the lookup to the user (``"user__"`` for rows about people).
    """
    return Q(**{f"{prefix}is_active": True, f"{prefix}password__startswith": UNUSABLE_PASSWORD_PREFIX})


def needs_activation(person: User) -> bool:
    return person.is_active and not person.has_usable_password()


@dataclass(frozen=True)
class ActivationStatus:
    """What the staff detail page says about a person's way in."""

    label: str
    #: ``ok`` (can sign in), ``warn`` (waiting for a letter to be used), ``bad`` (no way in yet).
    tone: str
    live_until: dt.datetime | None = None
    last_issued_at: dt.datetime | None = None


def activation_status(person: User) -> ActivationStatus:
    """One query: the person's newest code."""
    latest = ActivationCode.objects.filter(user=person).order_by("-issued_at", "-pk").first()
    issued_at = latest.issued_at if latest else None
    if not person.is_active:
        return ActivationStatus(_("账号已停用"), "bad", last_issued_at=issued_at)
    if person.has_usable_password():
        return ActivationStatus(_("已激活（可用密码登录）"), "ok", last_issued_at=issued_at)
    if latest is not None and latest.is_live:
        return ActivationStatus(_("待激活（开通通知书已打印）"), "warn", latest.expires_at, issued_at)
    if latest is not None and latest.revoked_at is None and latest.used_at is None:
        return ActivationStatus(_("待激活（激活码已过期，请重新打印）"), "bad", last_issued_at=issued_at)
    return ActivationStatus(_("待激活（尚未打印开通通知书）"), "bad", last_issued_at=issued_at)
