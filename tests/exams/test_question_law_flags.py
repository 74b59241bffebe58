"""Questions tagged with an amended article are flagged (the exams' receiver of ``law_articles_amended``)."""

from __future__ import annotations

import pytest

from cms.laws.flags import FlagActionRefused
from cms.laws.importer import import_law_directory
from cms.models import FlagStatus, LawArticle
from exams.models import QuestionLawFlag
from exams.services.law_flags import retarget_question
from tests.cms.law_helpers import REVIEW_2017, REVIEW_2023, copy_laws

from .factories_questions import make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_2017(tmp_path):
    import_law_directory(copy_laws(tmp_path / "2017", REVIEW_2017))
    return {a.number: a for a in LawArticle.objects.filter(version__law__slug="行政复议法")}


def current(number: int) -> LawArticle:
    return LawArticle.objects.get(version__law__slug="行政复议法", version__is_current=True, number=number)


def test_a_question_tagged_with_a_changed_article_is_flagged_with_both_texts(tmp_path, review_2017):
    tagged = make_question(name="申请期限", law_articles=[review_2017[9], review_2017[42]])
    archived = make_question(name="旧题", law_articles=[review_2017[9]], is_archived=True)
    make_question(name="无关")

    summary = import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2023))

    flags = {f.old_number_text: f for f in QuestionLawFlag.objects.all()}
    assert set(flags) == {"第九条", "第四十二条"}
    assert {f.question_id for f in flags.values()} == {tagged.pk}
    assert not QuestionLawFlag.objects.filter(question=archived).exists()
    ninth = flags["第九条"]
    assert (ninth.kind, ninth.status, ninth.new_article) == ("moved", FlagStatus.OPEN, current(20))
    assert ninth.old_text == review_2017[9].text and ninth.new_text == current(20).text
    assert (flags["第四十二条"].kind, flags["第四十二条"].new_article) == ("repealed", None)
    assert summary.flags_raised == 2


def test_a_question_tagged_with_the_current_text_is_not_flagged(tmp_path, review_2017):
    import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2023))
    make_question(law_articles=[current(20)])
    import_law_directory(copy_laws(tmp_path / "again", REVIEW_2017, REVIEW_2023))
    assert not QuestionLawFlag.objects.exists()


def test_retargeting_tags_the_new_article_and_resolves_the_flag(tmp_path, review_2017, trainer):
    question = make_question(law_articles=[review_2017[9], review_2017[5]])
    import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2023))
    flag = QuestionLawFlag.objects.get(old_article=review_2017[9])

    retarget_question(flag=flag, user=trainer)

    assert set(question.law_articles.all()) == {current(20), review_2017[5]}
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution_note) == (
        FlagStatus.RESOLVED,
        trainer,
        "考查法条已改为2023 年版本第二十条。",
    )
    assert QuestionLawFlag.objects.get(old_article=review_2017[5]).status == FlagStatus.OPEN
    with pytest.raises(FlagActionRefused):
        retarget_question(flag=flag, user=trainer)


def test_a_repealed_article_cannot_be_retargeted_and_nothing_changes(tmp_path, review_2017, trainer):
    question = make_question(law_articles=[review_2017[42]])
    import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2023))
    flag = QuestionLawFlag.objects.get()

    with pytest.raises(FlagActionRefused) as refused:
        retarget_question(flag=flag, user=trainer)

    assert "新版本中没有对应的条文" in str(refused.value)
    assert list(question.law_articles.all()) == [review_2017[42]]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
