"""Questions tagged with an article a new version of its law amended (``cms.signals.law_articles_amended``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.models import AmendmentFlag


class QuestionLawFlag(AmendmentFlag):
    """A question's 考查法条 includes an article that was changed, moved or repealed."""

    question = models.ForeignKey(
        "exams.Question", on_delete=models.CASCADE, related_name="law_flags", verbose_name=_("题目")
    )

    class Meta:
        verbose_name = _("题目法条修订提醒")
        verbose_name_plural = _("题目法条修订提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "old_article", "new_version"], name="exams_questionlawflag_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "question"], name="exams_lawflag_status_question")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.old_version_label} {self.old_number_text}"
