"""A person's choice of channels for one kind of message (``notifications.kinds``).

No row means the kind's defaults; the in-site message is not a choice (always on).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["NotificationPreference"]


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("消息类型"), max_length=32)
    email = models.BooleanField(_("邮件"))
    sms = models.BooleanField(_("短信"))
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒方式")
        verbose_name_plural = _("提醒方式")
        # Its index serves the send path's read: "user_id IN (…) AND kind = …".
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_preference")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
