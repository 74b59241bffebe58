"""In-site messages (the bell in the navigation), with the state of their e-mail and SMS.

The table keeps the name it had when the model lived in ``learning`` (``db_table``);
``notifications/migrations/0001_initial.py`` took it over as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["DeliveryStatus", "Notification"]


class DeliveryStatus(models.TextChoices):
    """Where a message's e-mail (or SMS) stands; only ``PENDING`` is ever picked up by a sending run."""

    NONE = "", _("不发送")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """A message to one person, shown under "消息" until read, and mailed or texted as they chose.

    Whether it goes out by e-mail and SMS is decided when it is created (the person's
    choices then, ``notifications.services.events``); ``digest`` messages wait for the
    daily digest, the others are sent at once. A message counts as sent only once the
    mail server (or the SMS gateway) took it, so a run that failed half-way leaves the
    rest pending and the next run sends exactly those.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    kind = models.CharField(_("类型"), max_length=32, blank=True, db_index=True)
    # Makes events idempotent: one message per (user, dedupe_key).
    dedupe_key = models.CharField(_("去重键"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    digest = models.BooleanField(_("汇总发送"), default=False)
    email_status = models.CharField(
        _("邮件"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    # Set once the e-mail for this message was handed to the mail server.
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    sms_status = models.CharField(
        _("短信"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    sms_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)

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
            # The list page: a person's messages, newest first.
            models.Index(fields=["user", "-created_at"], name="notification_user_created"),
            # What a sending run picks up: one event's pending messages, or every pending one by age.
            # Pending rows are few at any time, so these partial indexes stay small.
            models.Index(
                fields=["dedupe_key"], condition=models.Q(email_status="pending"), name="notification_email_event"
            ),
            models.Index(
                fields=["created_at"], condition=models.Q(email_status="pending"), name="notification_email_due"
            ),
            models.Index(
                fields=["dedupe_key"], condition=models.Q(sms_status="pending"), name="notification_sms_event"
            ),
            models.Index(fields=["created_at"], condition=models.Q(sms_status="pending"), name="notification_sms_due"),
            # HR's reminder to people at risk: who was reminded in the last days.
            models.Index(fields=["kind", "created_at"], name="notification_kind_created"),
        ]

    def __str__(self) -> str:
        return self.title
