"""In-site messages (the bell in the navigation).

The table keeps the name it had when the model lived in ``learning`` (``db_table``);
``notifications/migrations/0001_initial.py`` took it over as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Notification"]


class Notification(models.Model):
    """A message to one person, shown under "消息" until read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    kind = models.CharField(_("类型"), max_length=32, blank=True, db_index=True)
    # Makes scheduled reminders idempotent: one message per (user, dedupe_key).
    dedupe_key = models.CharField(_("去重键"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Set once the reminder e-mail for this message was handed to the mail server: a run that
    # failed half-way leaves the rest unset, and the next run mails exactly those.
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        db_table = "learning_notification"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="uniq_notification_dedupe"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(
                fields=["dedupe_key"],
                condition=models.Q(emailed_at__isnull=True) & ~models.Q(dedupe_key=""),
                name="notification_mail_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title
