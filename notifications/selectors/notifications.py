"""Reads of a person's in-site messages."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def unread_count(user) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
