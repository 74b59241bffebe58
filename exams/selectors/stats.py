"""Exam statistics for trainers and HR: results, distribution, pass rate by unit, item analysis, law articles.

Who is counted (the scope rule, ``accounts.scope``): an HR officer's figures cover only
the people of their subtree (``filter_people``); trainers and administrators, who
build and run exams, see the figures of everybody who sat it. All figures here are
aggregates; the per-person table is for HR/administrators in scope only.

Item analysis follows Moodle's quiz statistics ("Quiz statistics calculations",
https://docs.moodle.org/dev/Quiz_statistics_calculations), computed over each
person's *first* graded attempt, which is Moodle's default population:

* facility index  F_i = 100 · (x̄_i − x_i(min)) / (x_i(max) − x_i(min)), with the
  question's minimum 0 and maximum its points: the mean score as a percentage of
  the maximum;
* discrimination index  D_i = 100 · r(x_i, X_i) = 100 · C(x_i, X_i) / √(V(x_i) · V(X_i)),
  the correlation between the score on the question and the score on the *rest of
  the test* X_i = T − x_i (so a question does not correlate with itself);
* discriminative efficiency  DE_i = 100 · C(x_i, X_i) / C_max(x_i, X_i), where C_max is the
  covariance had the attempts been ranked in the same order on x_i and X_i.

A question drawn by rules appears on only some papers; its statistics use the
attempts whose paper held it (Moodle does the same for random questions).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum

from accounts import drilldown
from accounts.models import Role
from accounts.scope import filter_people
from exams import qtypes
from exams.models import AttemptAnswer, Exam, ExamAttempt, Question
from exams.qtypes.base import PARTS
from exams.selectors.exams import audience_people, counted_attempt

Status = ExamAttempt.Status
HUNDRED = Decimal("100")


def sees_all_attempts(viewer) -> bool:
    return viewer.has_role(Role.TRAINER) or viewer.has_role(Role.ADMIN)


def can_view_stats(viewer) -> bool:
    return viewer.is_authenticated and (sees_all_attempts(viewer) or viewer.has_role(Role.HR))


def stats_exams(viewer) -> QuerySet[Exam]:
    """Exams whose statistics the viewer may open.

    Trainers and administrators build exams and preview their drafts; HR officers report on
    exams people can actually sit, so they see published exams only.
    """
    exams = Exam.objects.all()
    return exams if sees_all_attempts(viewer) else exams.filter(is_published=True)


def scoped_attempts(viewer, exam: Exam) -> QuerySet:
    """Graded attempts of ``exam`` whose people the viewer may count."""
    attempts = ExamAttempt.objects.filter(exam=exam, status=Status.GRADED)
    return attempts if sees_all_attempts(viewer) else filter_people(viewer, attempts, "user")


@dataclass
class AttemptRow:
    pk: int
    user_id: int
    number: int
    score: Decimal
    max_score: Decimal
    passed: bool
    unit_path: str

    @property
    def percent(self) -> float:
        return float(self.score / self.max_score * 100) if self.max_score else 0.0


def attempt_rows(viewer, exam: Exam) -> list[AttemptRow]:
    return [
        AttemptRow(pk, user_id, number, score or Decimal("0"), max_score, bool(passed), unit_path or "")
        for pk, user_id, number, score, max_score, passed, unit_path in scoped_attempts(viewer, exam)
        .order_by("user_id", "number")
        .values_list("pk", "user_id", "number", "score", "max_score", "passed", drilldown.unit_key("user__org_unit"))
    ]


def counted_rows(rows: list[AttemptRow], exam: Exam) -> list[AttemptRow]:
    """Each person's result: their counted attempt (highest or last, as the exam says)."""
    by_user: dict[int, list[AttemptRow]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    result = []
    for attempts in by_user.values():
        proxies = [_Proxy(r) for r in attempts]
        result.append(counted_attempt(exam, proxies).row)
    return result


class _Proxy:
    """Adapts an ``AttemptRow`` to what ``counted_attempt`` reads."""

    status = Status.GRADED

    def __init__(self, row: AttemptRow):
        self.row, self.number, self.score = row, row.number, row.score


def first_rows(rows: list[AttemptRow]) -> list[AttemptRow]:
    first: dict[int, AttemptRow] = {}
    for row in rows:
        if row.user_id not in first or row.number < first[row.user_id].number:
            first[row.user_id] = row
    return list(first.values())


# --- summary, distribution, units --------------------------------------------------


@dataclass
class ExamSummary:
    takers: int
    passed: int
    mean_percent: float | None
    expected: int | None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.takers * 100 if self.takers else None


def summary(viewer, exam: Exam, counted: list[AttemptRow]) -> ExamSummary:
    expected = None
    if not exam.makeup_for_id:
        people = audience_people(exam)
        if not sees_all_attempts(viewer):
            people = filter_people(viewer, people)
        expected = people.count()
    mean = sum(r.percent for r in counted) / len(counted) if counted else None
    return ExamSummary(len(counted), sum(1 for r in counted if r.passed), mean, expected)


def distribution(counted: list[AttemptRow]) -> list[dict]:
    """How many people scored 0–9 %, 10–19 %, … 90–100 % of the paper."""
    bins = [0] * 10
    for row in counted:
        bins[min(int(row.percent // 10), 9)] += 1
    labels = [f"{i * 10}–{i * 10 + 9}" for i in range(9)] + ["90–100"]
    return [{"label": label, "count": n} for label, n in zip(labels, bins, strict=True)]


@dataclass
class UnitRow:
    path: str
    name: str
    takers: int = 0
    passed: int = 0
    total_percent: float = 0.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.takers * 100 if self.takers else 0.0

    @property
    def mean_percent(self) -> float:
        return self.total_percent / self.takers if self.takers else 0.0


def by_unit(counted: list[AttemptRow], *, level: int) -> list[UnitRow]:
    """Pass rate per unit at ``level`` of the org tree (1 = prefecture, 2 = county/department …)."""
    groups: dict[str, UnitRow] = {}
    for row in counted:
        key = drilldown.ancestor_key(row.unit_path, level)
        group = groups.setdefault(key, UnitRow(key, ""))
        group.takers += 1
        group.passed += int(row.passed)
        group.total_percent += row.percent
    names = drilldown.unit_labels(groups)
    for key, group in groups.items():
        group.name = names.get(key, "（未分配单位）")
    return sorted(groups.values(), key=lambda g: (g.pass_rate, g.name))


# --- item analysis ---------------------------------------------------------------


@dataclass
class QuestionStats:
    question_id: int
    label: str
    qtype: str
    attempts: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    #: A multi-part question's parts (blank, gap, pair, position): how well each was answered.
    parts: list[PartStats] = field(default_factory=list)


@dataclass
class PartStats:
    """One part of a multi-part question over the attempts: its facility (mean fraction × 100) and
    the most common wrong answer, as Moodle's response analysis shows per sub-question."""

    label: str
    answers: int
    facility: float
    common_wrong: str = ""
    common_wrong_count: int = 0


def part_statistics(attempt_ids: list[int], question_ids: set[int]) -> dict[int, list[PartStats]]:
    """Per-part statistics of the multi-part questions among ``question_ids`` (one query for their answers)."""
    multi = sorted(qtypes.names(answer_kind=PARTS))
    rows = (
        AttemptAnswer.objects.filter(item__attempt_id__in=attempt_ids, item__qtype__in=multi)
        .values_list(
            "item__question_version__question_id",
            "item__qtype",
            "item__question_version__options",
            "item__question_version__accepted_answers",
            "item__question_version__data",
            "response",
        )
        .iterator(chunk_size=2000)
    )
    sums: dict[int, dict[str, list]] = defaultdict(dict)
    for question_id, qtype, options, accepted, data, response in rows:
        if question_id not in question_ids:
            continue
        outcomes = qtypes.get(qtype).part_outcomes(options=options, accepted=accepted, data=data, response=response)
        for outcome in outcomes:
            entry = sums[question_id].setdefault(outcome.label, [0, 0.0, Counter()])
            entry[0] += 1
            entry[1] += float(outcome.fraction)
            if outcome.fraction < 1 and outcome.response:
                entry[2][outcome.response] += 1
    result: dict[int, list[PartStats]] = {}
    for question_id, parts in sums.items():
        stats = []
        for label, (count, total, wrong) in parts.items():
            common = wrong.most_common(1)
            stats.append(PartStats(label, count, 100 * total / count, *(common[0] if common else ("", 0))))
        result[question_id] = stats
    return result


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _cov(xs: list[float], ys: list[float]) -> float:
    """Sample covariance (n − 1), as Moodle uses; the caller guarantees n ≥ 2."""
    mx, my = _mean(xs), _mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def item_statistics(scores: list[tuple[float, float, float]]) -> tuple[float | None, ...]:
    """(facility, sd, discrimination, efficiency) from ``(x_i, max_i, T)`` per attempt, per Moodle.

    x_i is the score on the question, max_i its points on that paper and T the
    attempt's total; the rest of the test is X_i = T − x_i.
    """
    n = len(scores)
    if not n:
        return None, None, None, None
    fractions = [x / m if m else 0.0 for x, m, _t in scores]
    facility = 100 * _mean(fractions)
    if n < 2:
        return facility, None, None, None
    sd = 100 * math.sqrt(_cov(fractions, fractions))
    xs = [x for x, _m, _t in scores]
    rest = [t - x for x, _m, t in scores]
    vx, vr = _cov(xs, xs), _cov(rest, rest)
    if vx <= 0 or vr <= 0:
        return facility, sd, None, None
    c = _cov(xs, rest)
    discrimination = 100 * c / math.sqrt(vx * vr)
    c_max = _cov(sorted(xs), sorted(rest))
    efficiency = 100 * c / c_max if c_max > 0 else None
    return facility, sd, discrimination, efficiency


def question_statistics(attempts: list[AttemptRow]) -> list[QuestionStats]:
    """Facility and discrimination per question (over ``attempts``; Moodle uses first attempts)."""
    totals = {r.pk: float(r.score) for r in attempts}
    per_question: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
    rows = (
        AttemptAnswer.objects.filter(item__attempt_id__in=list(totals))
        .values_list("item__attempt_id", "item__question_version__question_id", "score", "item__points")
        .iterator(chunk_size=5000)
    )
    for attempt_id, question_id, score, points in rows:
        per_question[question_id].append((float(score or 0), float(points), totals[attempt_id]))
    questions = {q.pk: q for q in Question.objects.filter(pk__in=list(per_question)).select_related("current_version")}
    multi = qtypes.names(answer_kind=PARTS)
    parts = (
        part_statistics(list(totals), {q.pk for q in questions.values() if q.type in multi})
        if any(q.type in multi for q in questions.values())
        else {}
    )
    result = []
    for question_id, scores in per_question.items():
        question = questions[question_id]
        facility, sd, discrimination, efficiency = item_statistics(scores)
        result.append(
            QuestionStats(
                question_id,
                _question_label(question),
                question.get_type_display(),
                len(scores),
                facility,
                sd,
                discrimination,
                efficiency,
                parts.get(question_id, []),
            )
        )
    return sorted(result, key=lambda s: (s.facility if s.facility is not None else 101, s.question_id))


def _question_label(question: Question) -> str:
    if question.name:
        return question.name
    from exams.richtext import html_to_text

    text = html_to_text(question.current_version.stem) if question.current_version_id else ""
    return (text[:40] + "…") if len(text) > 40 else (text or str(question))


# --- law articles ------------------------------------------------------------------


@dataclass
class ArticleRow:
    article_id: int
    label: str
    answers: int
    points: Decimal
    scored: Decimal

    @property
    def wrong_rate(self) -> float:
        return float((self.points - self.scored) / self.points * 100) if self.points else 0.0


@dataclass
class UnitArticles:
    path: str
    name: str
    articles: list[ArticleRow] = field(default_factory=list)


def articles_by_unit(counted: list[AttemptRow], *, level: int, top: int = 5) -> list[UnitArticles]:
    """Per unit, the law articles whose questions lost the largest share of their points."""
    from cms.models import LawArticle

    ids = [r.pk for r in counted]
    if not ids:
        return []
    aggregates = (
        AttemptAnswer.objects.filter(
            item__attempt_id__in=ids, item__question_version__question__law_articles__isnull=False
        )
        .values(
            unit=drilldown.ancestor_key_sql("item__attempt__user__org_unit", level),
            article=F("item__question_version__question__law_articles"),
        )
        .annotate(n=Count("pk"), pts=Sum("item__points"), got=Sum("score"))
        .order_by()
    )
    groups: dict[str, list[ArticleRow]] = defaultdict(list)
    article_ids = set()
    for row in aggregates:
        article_ids.add(row["article"])
        groups[row["unit"] or ""].append(
            ArticleRow(row["article"], "", row["n"], row["pts"] or Decimal("0"), row["got"] or Decimal("0"))
        )
    labels = {
        a.pk: f"{a.version.law} {a.number_text}"
        for a in LawArticle.objects.filter(pk__in=article_ids).select_related("version__law")
    }
    names = drilldown.unit_labels(groups)
    result = []
    for path, rows in groups.items():
        for row in rows:
            row.label = labels.get(row.article_id, str(row.article_id))
        rows.sort(key=lambda r: (-r.wrong_rate, -r.answers, r.label))
        result.append(UnitArticles(path, names.get(path, "（未分配单位）"), rows[:top]))
    return sorted(result, key=lambda u: u.name)


# --- people (HR in scope) -----------------------------------------------------------


def people_results(viewer, exam: Exam, counted: list[AttemptRow]) -> list[dict]:
    """Each counted result with the person's name, only for people the viewer may see by the scope rule."""
    from accounts.models import User

    if not (viewer.has_role(Role.HR) or viewer.has_role(Role.ADMIN)):
        return []
    by_user = {r.user_id: r for r in counted}
    people = filter_people(viewer, User.objects.filter(pk__in=list(by_user))).select_related("org_unit")
    rows = [{"person": p, "row": by_user[p.pk]} for p in people.order_by(drilldown.tree_order(), "employee_no")]
    return rows
