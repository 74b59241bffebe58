"""A background job: one long piece of work (a bulk issue, a roster file) split into idempotent chunks.

The job row is the only truth about progress. Each chunk is counted once
(``finished_chunks``), so a task redelivered after a worker died changes
nothing; the plan (``chunks``) is stored, so a resumed job re-runs exactly the
chunks that were not counted. ``heartbeat_at`` moves whenever a task touches
the job; a running job whose heartbeat is older than ``STALE_AFTER`` is resumed
(or, after ``MAX_RESUMES``, failed with a retry button) by
``jobs.services.mark_stale``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .storage import private_storage

__all__ = ["Job"]


def job_result_upload_to(instance: Job, filename: str) -> str:
    return f"jobs/{instance.created_at:%Y}/{instance.pk}/{filename}"


class Job(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    class Incident(models.TextChoices):
        NONE = "", _("无")
        RESUMED = "resumed", _("已自动恢复")
        STALLED = "stalled", _("长时间无进展")
        REFUSED = "refused", _("文件有问题，未导入")

    ACTIVE = (Status.PENDING, Status.RUNNING)

    kind = models.CharField(_("类型"), max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    # Whose data the job reads: a unit's subtree, or (null) everything the requester may see.
    scope_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("范围"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scope_label = models.CharField(_("范围说明"), max_length=300, blank=True)
    # The same kind, parameters and scope while one is unfinished: a double click reuses it.
    dedupe_key = models.CharField(_("去重键"), max_length=500, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    chunks = models.JSONField(_("分块"), default=list, blank=True)
    context = models.JSONField(_("计划数据"), default=dict, blank=True)
    planned = models.BooleanField(_("已分块"), default=False)
    # Chunk numbers already counted, so a redelivered chunk task does not count twice.
    finished_chunks = models.JSONField(_("已完成分块"), default=list, blank=True)
    resumes = models.PositiveSmallIntegerField(_("自动恢复次数"), default=0)
    incident = models.CharField(_("异常"), max_length=16, choices=Incident.choices, default=Incident.NONE, blank=True)
    result_file = models.FileField(
        _("结果文件"), storage=private_storage, upload_to=job_result_upload_to, blank=True, max_length=300
    )
    result_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("最近进展"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
            models.Index(fields=["requested_by", "-created_at"], name="job_requester_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")), name="job_done_lte_total"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def unfinished_chunks(self) -> list[int]:
        finished = set(self.finished_chunks)
        return [index for index in range(len(self.chunks)) if index not in finished]
