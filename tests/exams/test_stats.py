"""Statistics on a small hand-computed example (four people, three 1-point questions).

    person  unit   Q1 Q2 Q3  total
    L1      莎车    1  1  1   3
    L2      莎车    1  1  0   2
    L3      疏附    1  0  0   1   (then a second attempt: 1 1 1 = 3)
    L4      疏附    0  0  1   1

First attempts (item analysis, as Moodle):
    Q1: x = 1,1,1,0; rest X = 2,1,0,1 → facility 75, C(x,X) = 0 → discrimination 0
    Q2: x = 1,1,0,0; rest X = 2,1,1,1 → facility 50, C = 1/6, V(x) = 1/3, V(X) = 1/4
        → D = 100·(1/6)/√(1/12) = 57.735; sorted pairs give the same C → efficiency 100
    Q3: x = 1,0,0,1; rest X = 2,2,1,0 → facility 50, C = −1/6, V(X) = 11/12
        → D = 100·(−1/6)/√(11/36) = −30.151
Counted results (highest): L1 3, L2 2, L3 3, L4 1 → with pass mark 60 %: 3 of 4 pass.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.urls import reverse

from accounts.models import Role, User
from exams.models import QuestionType
from exams.selectors import stats
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from tests.conftest import enable_totp
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db


def _articles():
    from cms.models import Law, LawArticle, LawVersion

    law = Law.objects.create(slug="xzcf", title="中华人民共和国行政处罚法", short_name="行政处罚法")
    version = LawVersion.objects.create(law=law, label="2021", effective_date=dt.date(2021, 7, 15), is_current=True)
    a44 = LawArticle.objects.create(version=version, number=44, number_text="第四十四条", text="告知。")
    a45 = LawArticle.objects.create(version=version, number=45, number_text="第四十五条", text="陈述申辩。")
    return a44, a45


def _take(exam, user, marks):
    attempt = start_attempt(exam_id=exam.pk, user=user)
    answers = []
    for item in attempt.items.all():
        right = marks[item.position - 1]
        answers.append({"item": item.position, "seq": 1, "response": item.option_order.index("T" if right else "F")})
    save_answers(attempt_id=attempt.pk, user=user, answers=answers)
    return submit_attempt(attempt_id=attempt.pk, user=user)


@pytest.fixture
def example(org_tree):
    a44, a45 = _articles()
    questions = [f.question(QuestionType.TRUEFALSE, correct=("T",), name=f"Q{i}") for i in (1, 2, 3)]
    questions[1].law_articles.add(a44)
    questions[2].law_articles.add(a45)
    exam = f.exam(questions, attempts_allowed=2, pass_percent=60)
    people = {
        "L1": UserFactory(full_name="甲", org_unit=org_tree["shache_dept"]),
        "L2": UserFactory(full_name="乙", org_unit=org_tree["shache_dept"]),
        "L3": UserFactory(full_name="丙", org_unit=org_tree["shufu_dept"]),
        "L4": UserFactory(full_name="丁", org_unit=org_tree["shufu_dept"]),
    }
    for name, marks in {"L1": (1, 1, 1), "L2": (1, 1, 0), "L3": (1, 0, 0), "L4": (0, 0, 1)}.items():
        _take(exam, people[name], marks)
    _take(exam, people["L3"], (1, 1, 1))
    return {"exam": exam, "people": people, "questions": questions, "a44": a44, "a45": a45}


def _trainer(org_tree):
    user = UserFactory(org_unit=org_tree["pref"], roles=[Role.TRAINER])
    enable_totp(user)
    return user


def test_item_statistics_match_moodle_formulas_on_hand_computed_data(example, org_tree):
    viewer = _trainer(org_tree)
    rows = stats.attempt_rows(viewer, example["exam"])
    by_name = {s.label: s for s in stats.question_statistics(stats.first_rows(rows))}
    assert by_name["Q1"].facility == pytest.approx(75)
    assert by_name["Q1"].discrimination == pytest.approx(0, abs=1e-9)
    assert by_name["Q2"].facility == pytest.approx(50)
    assert by_name["Q2"].discrimination == pytest.approx(100 / math.sqrt(3))  # 57.735
    assert by_name["Q2"].efficiency == pytest.approx(100)
    assert by_name["Q3"].facility == pytest.approx(50)
    assert by_name["Q3"].discrimination == pytest.approx(-100 * (1 / 6) / math.sqrt(11 / 36))  # -30.151
    assert {s.attempts for s in by_name.values()} == {4}


def test_item_statistics_without_variance_have_no_discrimination():
    assert stats.item_statistics([(1, 1, 3), (1, 1, 2)]) == (100.0, 0.0, None, None)
    assert stats.item_statistics([(0.5, 1, 1)])[0] == 50.0


def test_results_distribution_and_pass_rate_by_unit(example, org_tree):
    viewer = _trainer(org_tree)
    exam = example["exam"]
    counted = stats.counted_rows(stats.attempt_rows(viewer, exam), exam)
    assert sorted(r.score for r in counted) == [1, 2, 3, 3]
    summary = stats.summary(viewer, exam, counted)
    assert (summary.takers, summary.passed, summary.pass_rate) == (4, 3, 75.0)
    assert summary.expected == User.objects.filter(is_active=True).count()  # no audience set: everyone
    dist = {d["label"]: d["count"] for d in stats.distribution(counted)}
    assert (dist["30–39"], dist["60–69"], dist["90–100"], sum(dist.values())) == (1, 1, 2, 4)
    units = {u.name: (u.takers, u.passed, u.pass_rate) for u in stats.by_unit(counted, level=2)}
    assert units == {"喀什地区/莎车县": (2, 2, 100.0), "喀什地区/疏附县": (2, 1, 50.0)}


def test_law_articles_each_unit_gets_wrong(example, org_tree):
    viewer = _trainer(org_tree)
    exam = example["exam"]
    counted = stats.counted_rows(stats.attempt_rows(viewer, exam), exam)
    result = {
        u.name: {a.label: round(a.wrong_rate, 1) for a in u.articles} for u in stats.articles_by_unit(counted, level=2)
    }
    # Counted attempts: 莎车 Q2 = 1,1 and Q3 = 1,0; 疏附 (L3's second attempt, L4) Q2 = 1,0 and Q3 = 1,1.
    assert result == {
        "喀什地区/莎车县": {"行政处罚法 第四十五条": 50.0, "行政处罚法 第四十四条": 0.0},
        "喀什地区/疏附县": {"行政处罚法 第四十四条": 50.0, "行政处罚法 第四十五条": 0.0},
    }
    shache = next(u for u in stats.articles_by_unit(counted, level=2) if u.name.endswith("莎车县"))
    assert [a.label for a in shache.articles][0] == "行政处罚法 第四十五条"  # the most lost first


def test_hr_sees_only_their_subtree(example, hr_shache, client_for):
    exam = example["exam"]
    counted = stats.counted_rows(stats.attempt_rows(hr_shache, exam), exam)
    assert {r.user_id for r in counted} == {example["people"]["L1"].pk, example["people"]["L2"].pk}
    body = client_for(hr_shache).get(reverse("exams:stats_exam", args=[exam.pk])).content.decode()
    assert "甲" in body and "乙" in body and "丙" not in body and "丁" not in body
    assert "疏附县" not in body


def test_trainer_sees_aggregates_but_no_names(example, org_tree, client_for):
    body = client_for(_trainer(org_tree)).get(reverse("exams:stats_exam", args=[example["exam"].pk])).content.decode()
    assert 'data-testid="pass-rate">75.0%' in body
    assert "score-chart" in body and "chart.umd.min.js" in body
    assert "疏附县" in body and "丙" not in body


def test_learner_cannot_open_statistics(example, learner, client_for):
    client = client_for(learner)
    assert client.get(reverse("exams:stats_index")).status_code == 403
    assert client.get(reverse("exams:stats_exam", args=[example["exam"].pk])).status_code == 403


def test_hr_cannot_open_statistics_of_an_unpublished_exam(hr_shache, client_for):
    """The index hides drafts from HR; typing the URL of one must not show it either."""
    draft = f.exam([f.question()], title="尚未发布的考试", is_published=False)
    client = client_for(hr_shache)
    assert "尚未发布的考试" not in client.get(reverse("exams:stats_index")).content.decode()
    assert client.get(reverse("exams:stats_exam", args=[draft.pk])).status_code == 404


def test_trainer_previews_statistics_of_a_draft(org_tree, client_for):
    """Trainers and administrators build exams: the index lists their drafts, so the page opens too."""
    draft = f.exam([f.question()], title="尚未发布的考试", is_published=False)
    client = client_for(_trainer(org_tree))
    assert "尚未发布的考试" in client.get(reverse("exams:stats_index")).content.decode()
    response = client.get(reverse("exams:stats_exam", args=[draft.pk]))
    assert response.status_code == 200
    assert "尚未发布的考试" in response.content.decode()


def test_stats_page_query_count_does_not_grow_with_takers(example, org_tree, client_for, django_assert_max_num_queries):
    client = client_for(_trainer(org_tree))
    url = reverse("exams:stats_exam", args=[example["exam"].pk])
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for _ in range(5):
        _take(example["exam"], UserFactory(org_unit=org_tree["shufu_dept"]), (1, 0, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_my_exams_query_count_does_not_grow_with_exams(learner, client_for, django_assert_max_num_queries):
    client = client_for(learner)
    f.exam([f.question()])
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("exams:my_exams"))
    for i in range(5):
        exam = f.exam([f.question()], title=f"考试{i}")
        attempt = start_attempt(exam_id=exam.pk, user=learner)
        if i % 2:
            submit_attempt(attempt_id=attempt.pk, user=learner)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("exams:my_exams")).content.decode()
    assert body.count('class="exam-row"') == 6
