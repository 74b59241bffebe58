"""Taking an exam: start (freeze the paper), save answers, submit, finalise, grade.

The invariants this module holds (DESIGN.md, "Exams"):

* one attempt in progress per learner per exam — the database's partial unique
  index decides a race between two starts; the loser resumes the winner's attempt;
* a paper is frozen at start (question versions, option order, points) and
  never changes afterwards. On PostgreSQL the draw, the shuffles and the inserts
  of the attempt, its paper and its empty answers are one prepared statement
  (``START_SQL``): a start costs the same few statements whatever the number of
  questions or the size of the bank; other
  databases draw in Python (``draw_paper``) and insert with ``bulk_create``;
* a saved answer is never lost and never overwritten by an older save: every
  save is a conditional ``UPDATE … WHERE seq < new_seq`` under a lock on the
  attempt row, which is the same lock submitting and finalising take, so no save
  can slip in after an attempt was closed and graded;
* closing is idempotent (a second submit, the deadline task and a submit racing
  each other give one result), and a pass credits hours once (the ledger's
  unique source key).
"""

from __future__ import annotations

import functools
import json
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NoReturn

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import timeutil
from core.db import execute_prepared
from exams import qtypes
from exams.grading import score_fraction
from exams.models import (
    AttemptAnswer,
    AttemptQuestion,
    Exam,
    ExamAttempt,
    Question,
    QuestionCategory,
    QuestionVersion,
)
from exams.notifications import announce_graded_on_commit
from exams.qtypes.base import TEXT, BadAnswer
from exams.selectors.accommodations import arrangement_of
from exams.selectors.exams import (
    AttemptsSummary,
    attempts_summary,
    in_audience,
    makeup_eligible,
    own_attempts,
    published_exam_for,
    summarise,
)
from exams.services.counted import mark_counted
from exams.services.mistakes import record_exam_mistakes
from exams.signals import exam_passed, pass_recorded

CENT = Decimal("0.01")
MAX_SEQ = 2**62
MAX_ANSWERS_PER_SAVE = 200
Status = ExamAttempt.Status


class AttemptError(Exception):
    """Something a learner or grader caused; ``status`` is the HTTP status a view should answer."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class AttemptNotFound(AttemptError):
    """No such attempt *for this user* (another user's attempt looks exactly like a missing one)."""

    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or _("没有找到这份答卷。"))


class DeadlinePassed(AttemptError):
    status = 410

    def __init__(self):
        super().__init__(_("考试时间已到，答案未保存；已保存的答案将被提交。"))


class AttemptClosed(AttemptError):
    status = 409

    def __init__(self):
        super().__init__(_("答卷已经提交，答案未保存；已保存的答案已被提交。"))


class DeviceTakenOver(AttemptError):
    """The exam allows one device at a time and another device (browser) has opened this attempt since."""

    status = 409
    code = "taken_over"

    def __init__(self):
        super().__init__(
            _("本答卷已在另一台设备（浏览器）上打开，本页已停止作答。已保存的答案不会丢失，请在新设备上继续作答。")
        )


# --- starting: checks and the frozen paper -------------------------------------


@dataclass(frozen=True)
class FrozenItem:
    version_id: int
    qtype: str
    option_order: list[str]
    points: Decimal


def check_can_start(exam: Exam, user, *, now=None, summary: AttemptsSummary | None = None) -> None:
    """Raise ``AttemptError`` (in Chinese) when ``user`` may not start a new attempt now."""
    now = now or timezone.now()
    if not exam.is_published or not in_audience(exam, user):
        raise AttemptError(_("您不在本场考试的参考范围内。"), status=403)
    opens_at, closes_at = arrangement_of(exam, user).window(exam)  # a separate window replaces the exam's
    if now < opens_at:
        raise AttemptError(_("考试尚未开始，开考时间为 %(t)s。") % {"t": _local(opens_at)}, status=403)
    if now >= closes_at:
        raise AttemptError(_("考试已经结束。"), status=403)
    if exam.makeup_for_id and not makeup_eligible(exam, user, now=now):
        raise AttemptError(_("补考只对原考试未通过的人员开放。"), status=403)
    summary = summary or attempts_summary(exam, user)
    if summary.passed:
        raise AttemptError(_("您已通过本场考试，无需再次作答。"), status=403)
    if summary.pending:
        raise AttemptError(_("您上一次的答卷正在阅卷，请在成绩公布后再作答。"), status=403)
    if summary.used >= exam.attempts_allowed:
        raise AttemptError(_("您的作答次数已用完（共 %(n)s 次）。") % {"n": exam.attempts_allowed}, status=403)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _fixed_paper(exam: Exam) -> list[tuple[int, Decimal | None]]:
    slots = list(
        exam.paper_questions.order_by("sort_order", "pk").values_list(
            "question_id", "question__current_version_id", "points", "question__name"
        )
    )
    if not slots:
        raise AttemptError(_("本场考试还没有试卷，请联系培训管理员。"))
    missing = [name or f"#{qid}" for qid, vid, _p, name in slots if vid is None]
    if missing:
        raise AttemptError(_("试卷中的题目“%(q)s”没有内容，请联系培训管理员。") % {"q": missing[0]})
    return [(vid, points) for _qid, vid, points, _name in slots]


def _rule_paper(exam: Exam, rng) -> list[tuple[int, Decimal | None]]:
    rules = list(exam.paper_rules.select_related("category").order_by("sort_order", "pk"))
    if not rules:
        raise AttemptError(_("本场考试还没有抽题规则，请联系培训管理员。"))
    chosen: set[int] = set()
    paper: list[tuple[int, Decimal | None]] = []
    for rule in rules:
        candidates = [row for row in rule_candidates(rule) if row[0] not in chosen]
        if len(candidates) < rule.count:
            raise AttemptError(
                _("抽题规则“%(rule)s”需要 %(need)s 道题，题库中只有 %(have)s 道，请联系培训管理员。")
                % {"rule": rule, "need": rule.count, "have": len(candidates)}
            )
        for qid, vid in rng.sample(candidates, rule.count):
            chosen.add(qid)
            paper.append((vid, rule.points_each))
    return paper


def rule_candidates(rule) -> list[tuple[int, int]]:
    """(question id, current version id) of every question a rule may draw."""
    if rule.include_subcategories:
        categories = QuestionCategory.objects.filter(path__startswith=rule.category.path)
    else:
        categories = QuestionCategory.objects.filter(pk=rule.category_id)
    return list(
        Question.objects.filter(
            category__in=categories, type=rule.question_type, is_archived=False, current_version__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "current_version_id")
    )


def draw_paper(exam: Exam, rng=None) -> list[FrozenItem]:
    """The paper one attempt will see: versions, shuffled order and option order, points."""
    rng = rng or secrets.SystemRandom()
    slots = _fixed_paper(exam) if exam.paper_mode == Exam.PaperMode.FIXED else _rule_paper(exam, rng)
    versions = {
        v["pk"]: v
        for v in QuestionVersion.objects.filter(pk__in=[vid for vid, _p in slots]).values(
            "pk", "options", "points", "question__type"
        )
    }
    items = []
    for vid, points in slots:
        version = versions[vid]
        qtype = version["question__type"]
        keys = qtypes.get(qtype).freeze(version["options"], shuffle_options=exam.shuffle_options, rng=rng)
        items.append(FrozenItem(vid, qtype, keys, Decimal(points if points is not None else version["points"])))
    if exam.shuffle_questions:
        rng.shuffle(items)
    return items


def start_attempt(*, exam_id: int, user) -> ExamAttempt:
    """Resume the learner's attempt in progress, or start (and freeze) a new one."""
    exam = published_exam_for(int(exam_id), user)
    if exam is None:
        raise AttemptError(_("没有找到这场考试。"), status=404)
    now = timezone.now()
    summary = summarise(exam, own_attempts(exam, user))
    current = summary.in_progress
    if current is not None:
        if current.deadline > now:
            return current
        close_attempt(attempt_id=current.pk, by=ExamAttempt.ClosedBy.DEADLINE)
        summary = attempts_summary(exam, user)
    check_can_start(exam, user, now=now, summary=summary)
    paper = None if connection.vendor == "postgresql" else draw_paper(exam)
    try:
        with transaction.atomic():
            attempt = ExamAttempt(
                exam=exam,
                user=user,
                number=summary.used + 1,
                started_at=now,
                deadline=arrangement_of(exam, user).deadline(exam, now),
                max_score=sum((item.points for item in paper or ()), Decimal("0")),
            )
            if paper is None:
                _start_in_database(attempt, exam)
            else:
                attempt.save(force_insert=True)
                _freeze(attempt, paper)
    except IntegrityError:
        # A concurrent start (double click, two tabs) won the race: resume its attempt.
        winner = ExamAttempt.objects.filter(exam=exam, user=user, status=Status.IN_PROGRESS).first()
        if winner is None:
            raise AttemptError(_("开始考试失败，请刷新页面重试。"), status=409)
        return winner
    return attempt


def _freeze(attempt: ExamAttempt, paper: list[FrozenItem]) -> None:
    items = AttemptQuestion.objects.bulk_create(
        [
            AttemptQuestion(
                attempt=attempt,
                question_version_id=item.version_id,
                position=position,
                qtype=item.qtype,
                option_order=item.option_order,
                points=item.points,
            )
            for position, item in enumerate(paper, start=1)
        ]
    )
    AttemptAnswer.objects.bulk_create([AttemptAnswer(item_id=item.pk) for item in items])


# The paper drawn and frozen by PostgreSQL, in one statement: ``draw_paper``, ``_fixed_paper`` and
# ``_rule_paper`` in SQL (tests/exams/test_start_cost.py holds the two to the same paper). ``slots``
# is the paper before shuffling, one row per question in paper order (``n``, then ``ord``) with the
# points it carries there (NULL: the version's own); ``complete`` is false when the paper cannot be
# drawn as configured, and then nothing is inserted and ``_paper_problem`` says why.
#
# A fixed paper: its slots, each question's current version (archived questions included).
FIXED_SLOTS = """
slots AS (
    SELECT s.sort_order AS n, s.id AS ord, s.question_id, s.points
    FROM "exams_examquestion" AS s
    WHERE s.exam_id = %(exam)s
), complete AS (
    SELECT count(*) > 0 AND bool_and(q.current_version_id IS NOT NULL) AS ok
    FROM slots JOIN "exams_question" AS q ON q.id = slots.question_id
)"""
# Rules, in order: each draws ``count`` questions uniformly at random from the questions of its
# type in its category (and below) that are not archived, have content and were not drawn by an
# earlier rule (``chosen``), in the random order they were drawn. ``random()`` is PostgreSQL's
# per-backend generator, seeded from the operating system's strong randomness; nobody outside
# the server sees its state, so a learner can no more foresee a paper than with SystemRandom.
RULE_SLOTS = """
rules AS (
    SELECT r.count, r.points_each, r.question_type,
           row_number() OVER (ORDER BY r.sort_order, r.id) AS n,
           CASE WHEN r.include_subcategories
                THEN ARRAY(SELECT sub.id FROM "exams_questioncategory" AS sub WHERE sub.path LIKE c.path || '%%')
                ELSE ARRAY[r.category_id] END AS categories
    FROM "exams_paperrule" AS r JOIN "exams_questioncategory" AS c ON c.id = r.category_id
    WHERE r.exam_id = %(exam)s
), drawn (n, picked, chosen) AS (
    SELECT 0::bigint, '{}'::bigint[], '{}'::bigint[]
    UNION ALL
    SELECT rules.n, pick.ids, drawn.chosen || pick.ids
    FROM drawn JOIN rules ON rules.n = drawn.n + 1
    CROSS JOIN LATERAL (
        SELECT coalesce(array_agg(candidate.id ORDER BY candidate.draw), '{}') AS ids
        FROM (
            SELECT q.id, random() AS draw
            FROM "exams_question" AS q
            WHERE q.category_id = ANY (rules.categories) AND q.type = rules.question_type
              AND NOT q.is_archived AND q.current_version_id IS NOT NULL AND q.id <> ALL (drawn.chosen)
            ORDER BY draw
            LIMIT rules.count
        ) AS candidate
    ) AS pick
), slots AS (
    SELECT rules.n, slot.ord, slot.question_id, rules.points_each AS points
    FROM drawn JOIN rules ON rules.n = drawn.n
    CROSS JOIN LATERAL unnest(drawn.picked) WITH ORDINALITY AS slot(question_id, ord)
), complete AS (
    SELECT count(*) > 0 AND bool_and(cardinality(drawn.picked) = rules.count) AS ok
    FROM drawn JOIN rules ON rules.n = drawn.n
)"""
# The start in one statement: the paper (``slots``: the current version of each slot's question and
# the points it carries, nothing when ``complete`` is false), the attempt with the paper's total
# (not inserted when there is no paper), the frozen rows — position in paper order or shuffled, the
# option keys group by group (``group``, in ascending order), each group shuffled when its options
# say ``"shuffle": "always"`` or when the exam shuffles options, the type allows it and they do not
# say ``"never"`` (``QType.freeze``); none for typed answers — and one empty answer per frozen question (so that a save is one
# UPDATE). ``{columns}``/``{values}`` are the attempt's other fields (``_attempt_columns``).
START_SQL = """WITH RECURSIVE {slots}, paper AS (
    SELECT slots.n, slots.ord, q.type, v.id AS version_id, v.options, coalesce(slots.points, v.points) AS points
    FROM slots
    JOIN "exams_question" AS q ON q.id = slots.question_id
    JOIN "exams_questionversion" AS v ON v.id = q.current_version_id
    WHERE (SELECT ok FROM complete)
), attempt AS (
    INSERT INTO "exams_examattempt" ({columns}, "max_score")
    SELECT {values}, (SELECT coalesce(sum(points), 0) FROM paper)
    WHERE EXISTS (SELECT 1 FROM paper)
    RETURNING id, max_score
), frozen AS (
    INSERT INTO "exams_attemptquestion" ("attempt_id", "question_version_id", "position", "qtype", "option_order", "points")
    SELECT attempt.id, paper.version_id,
           row_number() OVER (ORDER BY CASE WHEN %(shuffle_questions)s THEN random() END, paper.n, paper.ord),
           paper.type,
           CASE WHEN paper.type = ANY (%(text_types)s::text[]) THEN '[]'::jsonb ELSE (
               SELECT coalesce(
                   jsonb_agg(
                       opt.value -> 'key'
                       ORDER BY coalesce((opt.value ->> 'group')::int, 0),
                                CASE WHEN opt.value ->> 'shuffle' = 'always'
                                          OR (%(shuffle_options)s AND paper.type = ANY (%(shuffled_types)s::text[])
                                              AND coalesce(opt.value ->> 'shuffle', '') <> 'never')
                                     THEN random() END,
                                opt.ord
                   ),
                   '[]'::jsonb
               )
               FROM jsonb_array_elements(paper.options) WITH ORDINALITY AS opt(value, ord)
           ) END,
           paper.points
    FROM paper CROSS JOIN attempt
    ORDER BY 3
    RETURNING id
), answers AS (
    INSERT INTO "exams_attemptanswer" ("item_id", "response", "seq", "feedback")
    SELECT id, NULL, 0, '' FROM frozen
)
SELECT id, max_score FROM attempt
"""


@functools.cache
def _attempt_columns() -> tuple[str, ...]:
    """The attempt's columns the start writes from Python (all but the id and the paper's total)."""
    return tuple(
        field.attname
        for field in ExamAttempt._meta.concrete_fields
        if not field.primary_key and field.attname != "max_score"
    )


@functools.cache
def _start_sql(paper_mode: str) -> str:
    quote = connection.ops.quote_name
    fields = [ExamAttempt._meta.get_field(name) for name in _attempt_columns()]
    return START_SQL.format(
        slots=FIXED_SLOTS if paper_mode == Exam.PaperMode.FIXED else RULE_SLOTS,
        columns=", ".join(quote(field.column) for field in fields),
        # Typed: an untyped parameter in a SELECT list would be text.
        values=", ".join(f"%(a_{field.attname})s::{field.cast_db_type(connection)}" for field in fields),
    )


def _start_in_database(attempt: ExamAttempt, exam: Exam) -> ExamAttempt:
    """Insert ``attempt`` (unsaved) with its paper drawn, shuffled and frozen by PostgreSQL, in one statement.

    Raises ``AttemptError`` when the paper cannot be drawn (nothing is inserted then). The
    statement is prepared on the connection (``core.db.execute_prepared``): exam day runs it
    thousands of times on the same few connections.
    """
    params = {
        "exam": exam.pk,
        "shuffle_questions": exam.shuffle_questions,
        "shuffle_options": exam.shuffle_options,
        "text_types": sorted(qtypes.names(answer_kind=TEXT)),
        "shuffled_types": sorted(qtypes.names(shuffle_on_request=True)),
    }
    for name in _attempt_columns():
        field = ExamAttempt._meta.get_field(name)
        params[f"a_{name}"] = field.get_db_prep_save(getattr(attempt, name), connection)
    with execute_prepared(_start_sql(exam.paper_mode), params) as cursor:
        row = cursor.fetchone()
    if row is None:
        _paper_problem(exam)
    attempt.pk, attempt.max_score = row
    attempt._state.adding = False
    attempt._state.db = connection.alias
    return attempt


def _paper_problem(exam: Exam) -> NoReturn:
    """Raise what is wrong with ``exam``'s paper (the Python draw names it), or that the start failed."""
    draw_paper(exam)
    raise AttemptError(_("开始考试失败，请刷新页面重试。"), status=409)


# --- saving ---------------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    """One answer of a save: stored (``accepted``), older than the stored one, or refused (``error``).

    ``position`` and ``seq`` are ``None`` when the entry was too malformed to say.
    """

    position: int | None
    seq: int | None
    accepted: bool
    error: str = ""


@dataclass(frozen=True)
class SaveOutcome:
    results: list[SaveResult]
    deadline: object

    def remaining_seconds(self, now=None) -> int:
        return max(int((self.deadline - (now or timezone.now())).total_seconds()), 0)


def _check_open(attempt: ExamAttempt | None, *, now, device: str | None = None) -> ExamAttempt:
    if attempt is None:
        raise AttemptNotFound
    if attempt.status != Status.IN_PROGRESS:
        raise AttemptClosed
    if now >= attempt.deadline:
        raise DeadlinePassed
    check_device(attempt, device)
    return attempt


def check_device(attempt: ExamAttempt, device: str | None) -> None:
    """Refuse a page of another device than the one that last opened the attempt (``None``: not a page)."""
    if device is not None and attempt.device_token and attempt.device_token != device:
        raise DeviceTakenOver


def _lock_items(
    attempt_id: int, user, positions: set[int], *, now, device: str | None = None
) -> tuple[ExamAttempt, dict[int, AttemptQuestion]]:
    """Lock the attempt row and read the frozen questions being answered, in one statement.

    The lock (``FOR NO KEY UPDATE`` of the attempt) is the one ``close_attempt`` takes
    ``FOR UPDATE``: a save either commits before the attempt is closed and graded, or
    sees it closed. It also serialises two saves of one attempt (two tabs).
    """
    items = list(
        AttemptQuestion.objects.select_for_update(no_key=True, of=("attempt",))
        .select_related("attempt")
        .only(
            "pk", "position", "qtype", "option_order", "attempt__status", "attempt__deadline", "attempt__device_token"
        )
        .filter(attempt_id=attempt_id, attempt__user=user, position__in=positions)
        .order_by()
    )
    if not items:
        attempt = (
            ExamAttempt.objects.select_for_update(no_key=True)
            .only("pk", "status", "deadline", "device_token")
            .filter(pk=attempt_id, user=user)
            .first()
        )
        return _check_open(attempt, now=now, device=device), {}
    return _check_open(items[0].attempt, now=now, device=device), {item.position: item for item in items}


def _int(value, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise AttemptError(message)
    try:
        return int(value)
    except ValueError:
        raise AttemptError(message)


def response_from_client(qtype: str, option_order: list[str], raw, *, position: int):
    """Turn what the page sent (display indices, text, or one value per part) into the stored answer."""
    try:
        return qtypes.get(qtype).from_client(option_order, raw)
    except BadAnswer as exc:
        if exc.too_long:
            raise AttemptError(
                _("第 %(n)s 题的答案过长（最多 %(max)s 字）。") % {"n": position, "max": exc.too_long}
            ) from None
        if exc.message:
            raise AttemptError(_("第 %(n)s 题：%(m)s") % {"n": position, "m": exc.message}) from None
        raise AttemptError(_("第 %(n)s 题的作答无效，请刷新页面后重新作答。") % {"n": position}) from None
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AttemptError(_("第 %(n)s 题的作答无效，请刷新页面后重新作答。") % {"n": position}) from None


def response_to_client(qtype: str, option_order: list[str], response):
    """The stored answer as the page shows it (display indices, text, or one value per part)."""
    return qtypes.get(qtype).to_client(option_order, response)


def _parse_entry(entry) -> tuple[int, int, object, bool | None]:
    """(position, seq, response, flagged) of one entry; ``AttemptError`` says what is wrong with it.

    ``flagged`` (标记待复查) travels with the answer under the same sequence number, so the
    newest save of a question decides both; ``None`` (not sent) keeps the stored flag.
    """
    if not isinstance(entry, dict):
        raise AttemptError(_("答案格式无效，请刷新页面。"))
    position = _int(entry.get("item"), _("答案格式无效，请刷新页面。"))
    bad_seq = _("第 %(n)s 题的保存序号无效，请刷新页面。") % {"n": position}
    seq = _int(entry.get("seq"), bad_seq)
    if not 0 < seq < MAX_SEQ:
        raise AttemptError(bad_seq)
    flagged = entry.get("flagged")
    if flagged is not None and not isinstance(flagged, bool):
        raise AttemptError(_("第 %(n)s 题的标记无效，请刷新页面。") % {"n": position})
    return position, seq, entry.get("response"), flagged


def _parse_answers(answers) -> tuple[list[tuple[int, int, object, bool | None]], list[SaveResult]]:
    """The well-formed entries, and a refusal for each malformed one (the batch itself must be a list)."""
    if not isinstance(answers, list) or not answers:
        raise AttemptError(_("没有收到答案。"))
    if len(answers) > MAX_ANSWERS_PER_SAVE:
        raise AttemptError(_("一次提交的答案过多。"))
    parsed, refused = [], []
    for entry in answers:
        try:
            parsed.append(_parse_entry(entry))
        except AttemptError as exc:
            position = entry.get("item") if isinstance(entry, dict) else None
            refused.append(SaveResult(_int_or_none(position), None, False, exc.message))
    return parsed, refused


def _int_or_none(value) -> int | None:
    try:
        return _int(value, "")
    except AttemptError:
        return None


def _stored_value(paper_item, position: int, raw):
    """``(value, None)`` for an answer the frozen question can hold, else ``(None, reason)``."""
    if paper_item is None:
        return None, _("答卷中没有第 %(n)s 题，请刷新页面。") % {"n": position}
    qtype, option_order = paper_item
    try:
        return response_from_client(qtype, option_order, raw, position=position), None
    except AttemptError as exc:
        return None, exc.message


def _newest_per_question(parsed: list[tuple]) -> list[tuple]:
    newest: dict[int, tuple] = {}
    for entry in parsed:
        if entry[0] not in newest or entry[1] > newest[entry[0]][1]:
            newest[entry[0]] = entry
    return sorted(newest.values())


def save_answers(*, attempt_id: int, user, answers: list[dict], device: str | None = None) -> SaveOutcome:
    """Store the newest answer per question; an older ``seq`` than the stored one changes nothing.

    ``answers`` is ``[{"item": position, "seq": n, "response": …}]`` as the page sends
    it. Each answer stands on its own: a malformed one (wrong type, an option the
    question does not have, a question not on the paper, text too long) comes back
    refused with its reason and the others are saved. Only what concerns the whole
    attempt (not found, closed, past the deadline) or the batch itself (not a
    list, too many answers) refuses everything. ``device`` is the page's device digest
    (``exams.services.integrity.device_digest``): when the exam allows one device at a time,
    another device's save is refused (``DeviceTakenOver``); ``None`` checks nothing.
    """
    parsed, refused = _parse_answers(answers)
    parsed = _newest_per_question(parsed)
    now = timezone.now()
    if connection.vendor == "postgresql":
        outcome = _save_postgresql(attempt_id, user, parsed, now=now, device=device)
        return SaveOutcome(outcome.results + refused, outcome.deadline)
    with transaction.atomic():
        attempt, items = _lock_items(attempt_id, user, {entry[0] for entry in parsed}, now=now, device=device)
        results = []
        for position, seq, raw, flagged in parsed:
            item = items.get(position)
            value, error = _stored_value(item and (item.qtype, item.option_order), position, raw)
            if error:
                results.append(SaveResult(position, seq, False, error))
                continue
            flag = {} if flagged is None else {"flagged": flagged}
            updated = AttemptAnswer.objects.filter(item_id=item.pk, seq__lt=seq).update(
                response=value, seq=seq, saved_at=now, **flag
            )
            results.append(SaveResult(position, seq, bool(updated)))
    return SaveOutcome(results + refused, attempt.deadline)


# On PostgreSQL a save is one statement in autocommit: the CTE takes the same row lock on
# the attempt as the ORM path (``FOR NO KEY UPDATE``, which ``close_attempt``'s ``FOR UPDATE``
# waits for and which re-checks status and deadline after waiting), then every answer whose
# stored ``seq`` is older is updated. Items must belong to the locked attempt (the join).
SAVE_SQL = """
WITH open_attempt AS (
    SELECT id, deadline FROM exams_examattempt
    WHERE id = %(attempt)s AND user_id = %(user)s AND status = 'in_progress' AND deadline > %(now)s
      AND (device_token = '' OR device_token = coalesce(%(device)s::text, device_token))
    FOR NO KEY UPDATE
), incoming AS (
    SELECT * FROM unnest(%(items)s::bigint[], %(seqs)s::bigint[], %(responses)s::jsonb[], %(flags)s::boolean[])
        AS t(item_id, seq, response, flagged)
)
UPDATE exams_attemptanswer AS a
SET response = incoming.response, seq = incoming.seq, saved_at = %(now)s,
    flagged = coalesce(incoming.flagged, a.flagged)
FROM incoming, exams_attemptquestion AS q, open_attempt
WHERE a.item_id = incoming.item_id AND q.id = a.item_id AND q.attempt_id = open_attempt.id
  AND a.seq < incoming.seq
RETURNING a.item_id, open_attempt.deadline
"""
PAPER_CACHE_SECONDS = 6 * 3600


def _paper_index(attempt_id: int, user, *, fresh: bool = False) -> dict[int, tuple[int, str, list[str]]]:
    """position → (item id, type, option order) of the learner's frozen paper, cached (it never changes)."""
    key = f"exams:paper:{attempt_id}"
    cached = None if fresh else cache.get(key)
    if cached is None or cached[0] != user.pk:
        rows = AttemptQuestion.objects.filter(attempt_id=attempt_id, attempt__user=user).values_list(
            "pk", "position", "qtype", "option_order"
        )
        cached = (user.pk, {position: (pk, qtype, order) for pk, position, qtype, order in rows})
        if not cached[1]:
            raise AttemptNotFound
        cache.set(key, cached, PAPER_CACHE_SECONDS)
    return cached[1]


def _save_postgresql(attempt_id: int, user, parsed, *, now, device: str | None) -> SaveOutcome:
    paper = _paper_index(attempt_id, user)
    items, seqs, responses, flags = [], [], [], []
    sent, refused = [], []
    for position, seq, raw, flagged in parsed:
        frozen = paper.get(position)
        value, error = _stored_value(frozen and frozen[1:], position, raw)
        if error:
            refused.append(SaveResult(position, seq, False, error))
            continue
        sent.append((position, seq))
        items.append(frozen[0])
        seqs.append(seq)
        responses.append(None if value is None else json.dumps(value, ensure_ascii=False))
        flags.append(flagged)
    params = {
        "attempt": attempt_id,
        "user": user.pk,
        "now": now,
        "device": device,
        "items": items,
        "seqs": seqs,
        "responses": responses,
        "flags": flags,
    }
    with connection.cursor() as cursor:
        cursor.execute(SAVE_SQL, params)
        applied = dict(cursor.fetchall())
    if applied:
        deadline = next(iter(applied.values()))
    else:
        # Nothing newer to store, or the attempt is not open: say which.
        attempt = (
            ExamAttempt.objects.only("pk", "status", "deadline", "device_token")
            .filter(pk=attempt_id, user=user)
            .first()
        )
        deadline = _check_open(attempt, now=now, device=device).deadline
    results = [SaveResult(p, s, i in applied) for (p, s), i in zip(sent, items, strict=True)]
    return SaveOutcome(results + refused, deadline)


# --- closing and grading --------------------------------------------------------


def submit_attempt(*, attempt_id: int, user, device: str | None = None) -> ExamAttempt:
    """The learner hands in. Idempotent: a repeat (or a race with the deadline task) changes nothing.

    ``device``: a page's device digest; a device that another one took the attempt over from cannot hand in.
    """
    return close_attempt(attempt_id=attempt_id, by=ExamAttempt.ClosedBy.LEARNER, user=user, device=device)


def close_attempt(*, attempt_id: int, by: str, user=None, device: str | None = None) -> ExamAttempt:
    """Close an attempt with what was saved and grade what a machine can; no-op if already closed.

    ``user``, when given, must own the attempt (otherwise ``AttemptNotFound``).
    """
    now = timezone.now()
    owner = {"user": user} if user is not None else {}
    with transaction.atomic():
        attempt = (
            ExamAttempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .filter(pk=attempt_id, **owner)
            .first()
        )
        if attempt is None:
            raise AttemptNotFound
        if attempt.status != Status.IN_PROGRESS:
            return attempt
        late = now >= attempt.deadline
        if not late:
            check_device(attempt, device)
        attempt.status = Status.FINALISED if late else Status.SUBMITTED
        attempt.finalised_by = ExamAttempt.ClosedBy.DEADLINE if late else by
        attempt.submitted_at = min(now, attempt.deadline)
        pending = _auto_grade(attempt, now=now)
        if pending == 0:
            _finish(attempt, now=now)
        attempt.save(
            update_fields=["status", "finalised_by", "submitted_at", "score", "passed", "graded_at", "is_counted"]
        )
    return attempt


def _auto_grade(attempt: ExamAttempt, *, now) -> int:
    """Score every objective answer (and every empty short answer); return how many await a grader."""
    rows = list(AttemptAnswer.objects.filter(item__attempt_id=attempt.pk).select_related("item__question_version"))
    pending = 0
    graded = []
    for answer in rows:
        item = answer.item
        version = item.question_version
        if qtypes.get(item.qtype).manual:
            if answer.response:
                pending += 1
                continue
            answer.score = Decimal("0")
        else:
            fraction = score_fraction(
                item.qtype,
                version.options,
                version.accepted_answers,
                answer.response,
                partial_credit=attempt.exam.partial_credit,
                data=version.data,
            )
            answer.score = (item.points * fraction).quantize(CENT, rounding=ROUND_HALF_UP)
        answer.graded_at = now
        graded.append(answer)
    by_score: dict[Decimal, list[int]] = {}
    for answer in graded:
        by_score.setdefault(answer.score, []).append(answer.item_id)
    for score, item_ids in by_score.items():  # a handful of distinct scores: one UPDATE each
        AttemptAnswer.objects.filter(item_id__in=item_ids).update(score=score, graded_at=now)
    return pending


def _finish(attempt: ExamAttempt, *, now) -> None:
    """All answers have a score: the result is final. Credit a pass (once)."""
    total = sum(AttemptAnswer.objects.filter(item__attempt_id=attempt.pk).values_list("score", flat=True), Decimal("0"))
    attempt.score = total
    attempt.passed = total * 100 >= attempt.max_score * attempt.exam.pass_percent
    attempt.status = Status.GRADED
    attempt.graded_at = now
    mark_counted(attempt)
    if attempt.passed:
        credit_pass(attempt)
    record_exam_mistakes(attempt=attempt, now=now)  # the 错题本, as far as the exam's review policy allows
    announce_graded_on_commit(attempt.pk)  # the learner's "考试成绩" message, once the result has committed


def credit_pass(attempt: ExamAttempt) -> None:
    """Announce the pass inside its transaction (``pass_recorded``: the ledger credits it) and, after commit,
    issue a certificate for the hours the receivers credited."""
    earned_on = timeutil.local_date(attempt.submitted_at or timezone.now())
    responses = pass_recorded.send(sender=ExamAttempt, attempt=attempt, earned_on=earned_on)
    hours = next((hours for _receiver, hours in responses if hours is not None), None)
    attempt_id, hours_text, day = attempt.pk, str(hours or ""), earned_on.isoformat()
    transaction.on_commit(lambda: _enqueue_certificate(attempt_id, hours_text, day), robust=True)


def _enqueue_certificate(attempt_id: int, hours: str, passed_on: str) -> None:
    from exams.tasks import issue_exam_certificate

    issue_exam_certificate.delay(attempt_id, hours, passed_on)


def issue_certificate(*, attempt_id: int, hours: Decimal | None, passed_on) -> None:
    """Announce a committed pass (``exams.signals.exam_passed``); the certificates app issues the certificate.

    Runs in Celery: issuing takes the certificate serial counter's row lock, which
    must not sit in the request path when a whole room submits at the deadline.
    """
    attempt = ExamAttempt.objects.select_related("exam", "user").get(pk=attempt_id)
    if not attempt.passed:
        return
    exam_passed.send(sender=ExamAttempt, attempt=attempt, hours=hours or None, passed_on=passed_on)


def finalise_overdue(*, now=None, batch: int = 200) -> int:
    """Close every attempt whose deadline has passed with what was saved (the beat task calls this)."""
    now = now or timezone.now()
    closed = 0
    while True:
        ids = list(
            ExamAttempt.objects.filter(status=Status.IN_PROGRESS, deadline__lte=now)
            .order_by("deadline")
            .values_list("pk", flat=True)[:batch]
        )
        for attempt_id in ids:
            before = ExamAttempt.objects.filter(pk=attempt_id, status=Status.IN_PROGRESS).exists()
            attempt = close_attempt(attempt_id=attempt_id, by=ExamAttempt.ClosedBy.DEADLINE)
            closed += int(before and attempt.status != Status.IN_PROGRESS)
        if len(ids) < batch:
            return closed


def grade_answer(*, item_id: int, grader, score, feedback: str = "") -> ExamAttempt:
    """A grader scores one short answer; the attempt's result is final when none are left."""
    item = (
        AttemptQuestion.objects.select_related("attempt__exam")
        .filter(pk=item_id, attempt__exam__graders=grader)
        .first()
    )
    if item is None:
        raise AttemptError(_("没有找到这道待阅的题目。"), status=404)
    try:
        value = Decimal(str(score).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise AttemptError(_("第 %(n)s 题：分数“%(v)s”不是数字。") % {"n": item.position, "v": score})
    if not Decimal("0") <= value <= item.points:
        raise AttemptError(_("第 %(n)s 题：分数须在 0 到 %(max)s 之间。") % {"n": item.position, "max": item.points})
    now = timezone.now()
    with transaction.atomic():
        attempt = ExamAttempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=item.attempt_id)
        if attempt.status not in (Status.SUBMITTED, Status.FINALISED):
            raise AttemptError(_("这份答卷已经评分完成或尚未交卷，不能再改分。"), status=409)
        AttemptAnswer.objects.filter(item_id=item.pk).update(
            score=value, graded_by=grader, graded_at=now, feedback=(feedback or "").strip()[:2000]
        )
        left = AttemptAnswer.objects.filter(item__attempt_id=attempt.pk, score__isnull=True).exists()
        if not left:
            _finish(attempt, now=now)
            attempt.save(update_fields=["score", "passed", "status", "graded_at", "is_counted"])
    return attempt
