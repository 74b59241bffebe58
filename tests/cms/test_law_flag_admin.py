"""The 法规修订提醒 pages of the CMS: who sees which flags, the side-by-side view, resolving, the dashboard panel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.laws.importer import import_law_directory
from cms.models import FlagStatus, HomePage, LawAmendmentFlag, LawArticle, LawVersionComparison
from cms.selectors.law_flags import flag_sources
from cms.setup import ensure_workflow_and_permissions
from exams.models import QuestionLawFlag
from tests.cms import course_factories as cf
from tests.exams.factories_questions import make_question

from .law_helpers import REVIEW_2017, REVIEW_2023, copy_laws

INDEX = "/cms/law-flags/"


@pytest.fixture
def flagged(tmp_path, db):
    """行政复议法 2017 cited by two lessons and a question, then 2023 imported: three open flags."""
    ensure_workflow_and_permissions()
    import_law_directory(copy_laws(tmp_path / "2017", REVIEW_2017))
    old = {a.number: a for a in LawArticle.objects.filter(version__law__slug="行政复议法")}
    course = cf.course(title="行政复议实务")
    lessons = [
        cf.lesson(course, title="申请期限", citations=[old[9]]),
        cf.lesson(course, title="附则", citations=[old[42]]),
    ]
    question = make_question(name="复议申请期限", law_articles=[old[9]])
    import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2023))
    return {"old": old, "lessons": lessons, "question": question, "course": course}


def page_flag(lesson) -> LawAmendmentFlag:
    return LawAmendmentFlag.objects.get(page_id=lesson.pk)


def test_the_trainer_lists_the_flags_of_pages_and_questions(flagged, trainer, client_for):
    client = client_for(trainer)

    html = client.get(INDEX).content.decode()

    assert "法规修订提醒" in html
    assert '课程页面 <span class="lf-count">2 条待处理</span>' in html
    assert '题目 <span class="lf-count">1 条待处理</span>' in html
    assert html.count('data-testid="lf-row"') == 2
    assert "申请期限" in html and "附则" in html
    assert "2017 年版本第九条" in html and "2023 年版本改为第二十条" in html
    assert "2023 年版本已删除" in html

    html = client.get(INDEX, {"source": "questions"}).content.decode()
    assert html.count('data-testid="lf-row"') == 1 and "复议申请期限" in html


def test_the_flag_listing_runs_a_fixed_number_of_queries(
    flagged, trainer, client_for, tmp_path, django_assert_max_num_queries
):
    client = client_for(trainer)
    client.get(INDEX)
    with CaptureQueriesContext(connection) as few:
        client.get(INDEX)
    for n in range(12):
        cf.lesson(flagged["course"], title=f"课时{n}", citations=[flagged["old"][9]])
    LawVersionComparison.objects.all().delete()  # the next import compares again and flags the new lessons
    import_law_directory(copy_laws(tmp_path / "again", REVIEW_2017, REVIEW_2023))
    assert LawAmendmentFlag.objects.count() == 14

    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(INDEX).content.decode()
    assert html.count('data-testid="lf-row"') == 14


def test_one_flag_shows_old_and_new_text_side_by_side_and_the_trainer_resolves_it(flagged, trainer, client_for):
    client = client_for(trainer)
    flag = page_flag(flagged["lessons"][0])
    url = reverse("law_flags:detail", args=["pages", flag.pk])

    html = client.get(url).content.decode()

    assert 'data-testid="lf-compare"' in html
    assert "原条文：《行政复议法》2017 年版本第九条" in html
    assert "新条文：《行政复议法》2023 年版本第二十条" in html
    assert flag.old_paragraphs[0] in html and flag.new_paragraphs[0] in html
    assert 'data-testid="lf-still-cites"' in html
    assert reverse("wagtailadmin_pages:edit", args=[flagged["lessons"][0].pk]) in html

    response = client.post(url, {"action": "resolve", "note": "已改为引用新条文并提交审核"})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution_note) == (
        FlagStatus.RESOLVED,
        trainer,
        "已改为引用新条文并提交审核",
    )
    assert client.get(INDEX).content.decode().count('data-testid="lf-row"') == 1
    resolved = client.get(INDEX, {"status": "resolved"}).content.decode()
    assert resolved.count('data-testid="lf-row"') == 1 and "培训员" in resolved
    # Resolving again is refused with a message, not repeated.
    again = client.post(url, {"action": "resolve", "note": "再次"}, follow=True).content.decode()
    assert "这条提醒已由他人处理。" in again
    flag.refresh_from_db()
    assert flag.resolution_note == "已改为引用新条文并提交审核"


def test_a_repealed_article_says_so_on_the_new_side(flagged, trainer, client_for):
    flag = page_flag(flagged["lessons"][1])
    html = client_for(trainer).get(reverse("law_flags:detail", args=["pages", flag.pk])).content.decode()
    assert "新版本中没有与原条文对应的条文" in html
    assert flag.new_version.get_absolute_url() in html


def test_a_question_flag_is_retargeted_from_the_same_page(flagged, trainer, client_for):
    flag = QuestionLawFlag.objects.get()
    url = reverse("law_flags:detail", args=["questions", flag.pk])
    html = client_for(trainer).get(url).content.decode()
    assert "改为考查新条文（第二十条）并标记已处理" in html
    assert reverse("exams_questions:edit", args=[flagged["question"].pk]) in html

    client_for(trainer).post(url, {"action": "retarget", "note": ""})

    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert list(flagged["question"].law_articles.values_list("version__label", "number")) == [("2023", 20)]


def test_a_reviewer_sees_page_flags_only_and_a_learner_none(flagged, reviewer, learner, client_for):
    assert [source.key for source in flag_sources(reviewer)] == ["pages"]
    assert flag_sources(learner) == []
    question_flag = QuestionLawFlag.objects.get()
    client = client_for(reviewer)
    assert client.get(reverse("law_flags:detail", args=["questions", question_flag.pk])).status_code == 404
    assert client.get(INDEX).content.decode().count('data-testid="lf-row"') == 2

    response = client_for(learner).get(INDEX)
    assert response.status_code in (302, 403)
    assert "lf-row" not in response.content.decode()


def test_a_flag_on_a_page_the_trainer_may_not_edit_is_not_shown(flagged, trainer, client_for):
    home = HomePage.objects.first()
    template = page_flag(flagged["lessons"][0])
    template.pk, template.page_id = None, home.pk
    template.save()

    client = client_for(trainer)

    assert client.get(reverse("law_flags:detail", args=["pages", template.pk])).status_code == 404
    assert client.get(INDEX).content.decode().count('data-testid="lf-row"') == 2


def test_the_dashboard_panel_lists_open_flags_for_the_trainer(flagged, trainer, client_for):
    html = client_for(trainer).get(reverse("wagtailadmin_home")).content.decode()
    assert html.count('data-testid="lf-panel-row"') == 3
    assert "您可编辑的内容中有 3 处引用了已修订的法条" in html
    assert "页面：申请期限" in html and "题目：复议申请期限" in html
