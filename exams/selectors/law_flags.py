"""The question bank's 法规修订提醒, listed by the CMS's reminder page and dashboard panel (``cms.selectors.law_flags``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.selectors.law_flags import FlagSource
from exams.models import Question, QuestionLawFlag
from exams.richtext import excerpt


def _available(user) -> bool:
    return user.is_active and user.has_perm("exams.change_question")


def _visible(user) -> QuerySet:
    """Trainers manage the whole bank, so they see every question's flags."""
    if not _available(user):
        return QuestionLawFlag.objects.none()
    return QuestionLawFlag.objects.select_related("question__current_version", "law", "resolved_by")


def _title(flag: QuestionLawFlag) -> str:
    question = flag.question
    if question.name:
        return question.name
    return excerpt(question.current_version.stem if question.current_version else "", 40) or str(question)


def _still_cites(flag: QuestionLawFlag) -> bool:
    through = Question.law_articles.through
    return through.objects.filter(question_id=flag.question_id, lawarticle_id=flag.old_article_id).exists()


def _retarget(*, flag, user, note: str = "") -> None:
    from exams.services.law_flags import retarget_question

    retarget_question(flag=flag, user=user, note=note)


QUESTIONS = FlagSource(
    key="questions",
    label=_("题目"),
    subject_label=_("题目"),
    available=_available,
    visible=_visible,
    subject_title=_title,
    subject_url=lambda flag: reverse("exams_questions:edit", args=[flag.question_id]),
    still_cites=_still_cites,
    retarget=_retarget,
)
