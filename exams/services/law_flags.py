"""Questions tagged with an amended article are flagged for the trainers (``cms.signals.law_articles_amended``).

The rule of which flags exist is the cms's (``cms.laws.flags.raise_flags``); this
module only says which questions cite which articles, and how a trainer points a
question at the new article in one step.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms.laws.flags import FlagActionRefused, FlagAlreadyResolved, raise_flags, resolve_flag
from exams.models import Question, QuestionLawFlag


def flag_questions(*, law, version, changes) -> int:
    """Flag every question in the bank (not archived) tagged with an article of ``changes``."""
    old_ids = {change.old_article_id for change in changes}
    through = Question.law_articles.through
    citations: dict[int, set[int]] = defaultdict(set)
    for question_id, article_id in through.objects.filter(
        lawarticle_id__in=old_ids, question__is_archived=False
    ).values_list("question_id", "lawarticle_id"):
        citations[question_id].add(article_id)
    return raise_flags(
        QuestionLawFlag, subject="question", law=law, version=version, changes=changes, citations=citations
    )


def on_law_articles_amended(sender, *, law, version, changes, **kwargs) -> tuple[str, int]:
    return ("questions", flag_questions(law=law, version=version, changes=changes))


def retarget_question(*, flag: QuestionLawFlag, user, note: str = "") -> None:
    """The question tests the new article instead of the old one, and the flag is resolved.

    The 考查法条 belong to the question, not to its versions, so attempts already
    taken are untouched (statistics by article follow the question's tags).
    """
    if not flag.is_open:
        raise FlagAlreadyResolved(_("这条提醒已由他人处理。"))
    if flag.new_article_id is None:
        raise FlagActionRefused(_("新版本中没有对应的条文，请编辑题目，自行选择考查法条。"))
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=flag.question_id)
        if flag.old_article_id is not None:
            question.law_articles.remove(flag.old_article_id)
        question.law_articles.add(flag.new_article_id)
        default = _("考查法条已改为%(version)s 年版本%(article)s。") % {
            "version": flag.new_version_label,
            "article": flag.new_number_text,
        }
        resolve_flag(flag=flag, user=user, note=note or default)
        log(instance=question, action="wagtail.edit", user=user)
