"""Which people the directory sync brought or matched, and under which LDAP entry.

A person is linked to a directory entry the first time a sync sees them. Only
linked people are ever switched off for being gone from the directory: people
entered by hand or by a staff workbook, and never in the directory, are the
sync's business only when the directory names them. The entry's own stable id
(OpenLDAP's ``entryUUID``, Active Directory's ``objectGUID``) lets the sync
recognise a person whose 工号 changed in the directory, instead of taking them
for someone new.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DirectoryEntry(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="directory_entry"
    )
    entry_uuid = models.CharField(_("目录条目标识"), max_length=64, null=True, blank=True, unique=True)
    dn = models.CharField(_("目录条目 DN"), max_length=1000)
    first_seen_at = models.DateTimeField(_("首次同步时间"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("最近同步时间"), default=timezone.now)
    #: When a sync found the entry gone; cleared when it comes back.
    removed_at = models.DateTimeField(_("从目录消失时间"), null=True, blank=True)
    #: The sync itself switched the account off (so only the sync switches it back on).
    deactivated_by_sync = models.BooleanField(_("由同步停用"), default=False)

    class Meta:
        verbose_name = _("目录同步人员")
        verbose_name_plural = _("目录同步人员")
        indexes = [models.Index(fields=["removed_at"])]

    def __str__(self) -> str:
        return self.dn
