"""A realistic year of ledger history for the demo data (called from ``seed_demo``).

Written in bulk: on PostgreSQL one COPY per year, streamed while the rows are drawn
(a province's 52,350 people × ~60 entries a year), elsewhere ``bulk_create``. The
balances are then set from the ledger's sums by the database (upserts over a grouped
read), so the invariant "every balance equals the sum of its entries" holds afterwards
even if some people already had entries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from core import timeutil
from learning.models import LedgerEntry, PersonYearBalance, PersonYearCategoryBalance, SourceKind
from learning.services.ledger import ensure_default_categories

COURSES = (
    ("《行政处罚法》精讲", "legal"),
    ("《行政许可法》实务解读", "legal"),
    ("《行政强制法》执法要点", "legal"),
    ("《行政复议法》修订要点", "legal"),
    ("《行政诉讼法》应诉实务", "legal"),
    ("《民法典》总则编导读", "legal"),
    ("《重大行政决策程序暂行条例》学习", "legal"),
    ("行政执法“三项制度”", "professional"),
    ("执法文书规范制作", "professional"),
    ("执法全过程记录实务", "professional"),
    ("市场监管执法案例评析", "professional"),
    ("安全生产执法检查要点", "professional"),
    ("公文写作与政务信息", "other"),
    ("保密知识与网络安全", "other"),
)
SESSIONS = (
    ("地区行政执法人员集中轮训班", "professional", (Decimal("6"), Decimal("8"))),
    ("法治讲堂·逢九必讲", "legal", (Decimal("2"),)),
    ("县市执法业务培训班", "professional", (Decimal("4"), Decimal("6"))),
)
MEETING = ("常务会议前学法", "legal", (Decimal("1"),))
EXAMS = (("年度行政执法人员法律知识考试", "legal"), ("执法资格复训考试", "professional"))
COURSE_HOURS = (Decimal("0.5"), Decimal("1"), Decimal("1"), Decimal("1.5"), Decimal("2"))
BATCH = 5000
DILIGENCE = (0.35, 0.6, 0.8, 0.95, 1.0, 1.1, 1.2, 1.3)


def _what(hours: Decimal, category: str, kind: SourceKind, ref: str) -> tuple[Decimal, str, str, str]:
    return (hours, category, kind.value, ref)


# Every (hours, category, source kind, title) an entry can have, indexed as the draws pick them.
COURSE_PICKS = tuple(tuple(_what(h, cat, SourceKind.COURSE, ref) for h in COURSE_HOURS) for ref, cat in COURSES)
HALF_COURSE_PICKS = tuple(_what(Decimal("0.5"), cat, SourceKind.COURSE, ref) for ref, cat in COURSES)
MEETING_PICKS = tuple(_what(h, MEETING[1], SourceKind.MEETING, MEETING[0]) for h in MEETING[2])
SESSION_PICKS = tuple(tuple(_what(h, cat, SourceKind.SESSION, ref) for h in options) for ref, cat, options in SESSIONS)
EXAM_PICKS = tuple(_what(Decimal("2"), cat, SourceKind.EXAM, ref) for ref, cat in EXAMS)
LECTURE_PICK = _what(Decimal("4"), "legal", SourceKind.LECTURE, "法治讲堂·主讲")

COLUMNS = (
    "user_id",
    "source_key",
    "hours",
    "category_code",
    "source_kind",
    "source_ref",
    "source_url",
    "note",
    "year",
    "earned_on",
    "recorded_at",
)


def _copy_text(value: str) -> str:
    """A value in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Year:
    """The dates one year's entries can fall on (2 January to ``last``), with what an entry writes for each."""

    def __init__(self, year: int, last: dt.date):
        self.year = year
        start = dt.date(year, 1, 2)
        self.span = max((last - start).days, 0)
        self.share = ((last - dt.date(year, 1, 1)).days + 1) / 365
        self.days = [start + dt.timedelta(days=offset) for offset in range(self.span + 1)]
        self.stamps = [dt.datetime.combine(day, dt.time(10), tzinfo=timeutil.LEDGER_TZ) for day in self.days]
        # "year, earned_on, recorded_at" of a COPY line (str() of a date and an aware datetime are what
        # PostgreSQL reads back as the same values).
        self.copy_dates = [f"{year}\t{day}\t{stamp}" for day, stamp in zip(self.days, self.stamps, strict=True)]


def _person_entries(year: _Year, rng: random.Random) -> list[tuple[tuple, int]]:
    """About 60 entries, each ``(what, day offset)`` in date order; diligence varies, so some finish and some fall
    behind. Draws exactly what ``rng.choice``/``rng.randint`` would (``_randbelow`` is what both call), so a
    given seed gives the same entries as ever, at a fraction of the calls."""
    below, draw = rng._randbelow, rng.random
    diligence = DILIGENCE[below(len(DILIGENCE))]
    n = max(1, round((50 + below(21)) * diligence * min(1.0, year.share + 0.05)))
    days = year.span + 1
    entries = []
    for offset in sorted([below(days) for _ in range(n)]):
        roll = draw()
        if roll < 0.62:
            what = COURSE_PICKS[below(len(COURSES))][below(len(COURSE_HOURS))]
        elif roll < 0.80:
            options = MEETING_PICKS if draw() < 0.5 else SESSION_PICKS[below(len(SESSIONS))]
            what = options[below(len(options))]
        elif roll < 0.88:
            what = EXAM_PICKS[below(len(EXAMS))]
        elif roll < 0.90:
            what = LECTURE_PICK
        else:
            what = HALF_COURSE_PICKS[below(len(COURSES))]
        entries.append((what, offset))
    return entries


class _CopyWriter:
    """Entries streamed to PostgreSQL with one COPY: rows are generated while the server stores the previous ones."""

    #: Rows handed to the connection at a time (about 250 kB).
    FLUSH_ROWS = 2000

    def __init__(self, year: _Year):
        self.year = year
        # "hours, category, kind, title, url, note" of a COPY line for each of the picks (by identity).
        self.fragments = {
            id(what): f"{what[0]}\t{what[1]}\t{what[2]}\t{_copy_text(what[3])}\t\t\t"
            for picks in (*COURSE_PICKS, HALF_COURSE_PICKS, MEETING_PICKS, *SESSION_PICKS, EXAM_PICKS, (LECTURE_PICK,))
            for what in picks
        }
        self.lines: list[str] = []

    def __enter__(self):
        table = LedgerEntry._meta.db_table
        self._cursor = connection.cursor()
        self._copy_context = self._cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN")
        self.copy = self._copy_context.__enter__()
        return self

    def add(self, pk: int, entries: list[tuple[tuple, int]]) -> None:
        year, fragments, dates = self.year.year, self.fragments, self.year.copy_dates
        self.lines += [
            f"{pk}\tdemo:{year}:{pk}:{i}\t{fragments[id(what)]}{dates[offset]}\n"
            for i, (what, offset) in enumerate(entries)
        ]
        if len(self.lines) >= self.FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("".join(self.lines))
            self.lines = []

    def __exit__(self, *exc):
        if exc[0] is None:
            self.flush()
        try:
            return self._copy_context.__exit__(*exc)
        finally:
            self._cursor.close()


class _ModelWriter:
    """The same entries through ``bulk_create`` (other databases: the tests' SQLite)."""

    def __init__(self, year: _Year):
        self.year = year
        self.pending: list[LedgerEntry] = []

    def __enter__(self):
        return self

    def add(self, pk: int, entries: list[tuple[tuple, int]]) -> None:
        y = self.year
        self.pending += [
            LedgerEntry(
                user_id=pk,
                source_key=f"demo:{y.year}:{pk}:{i}",
                hours=hours,
                category_id=category,
                source_kind=kind,
                source_ref=ref,
                earned_on=y.days[offset],
                year=y.year,
                recorded_at=y.stamps[offset],
            )
            for i, ((hours, category, kind, ref), offset) in enumerate(entries)
        ]
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        LedgerEntry.objects.bulk_create(self.pending, batch_size=BATCH)
        self.pending = []

    def __exit__(self, *exc):
        if exc[0] is None:
            self.flush()


def _reversal(entry: LedgerEntry) -> LedgerEntry:
    return LedgerEntry(
        user_id=entry.user_id,
        hours=-entry.hours,
        category_id=entry.category_id,
        source_kind=entry.source_kind,
        source_key=f"reversal:{entry.pk}",
        source_ref=f"冲销：{entry.source_ref}"[:255],
        earned_on=entry.earned_on,
        year=entry.year,
        recorded_at=entry.recorded_at + dt.timedelta(days=3),
        note="重复登记，予以冲销",
        reverses=entry,
    )


#: From this many people on, the ledger's user and category keys are checked once after the load.
CHECK_ONCE_FROM = 1000


def _can_check_once(people: int) -> bool:
    # Only a transaction of its own: ALTER TABLE refuses to run while a caller's inserts wait for their checks.
    return connection.vendor == "postgresql" and people >= CHECK_ONCE_FROM and not connection.in_atomic_block


@contextlib.contextmanager
def _foreign_keys_checked_once():
    """PostgreSQL checks a deferred foreign key row by row at commit (a lookup of the person and of the
    category for each of millions of entries, 40 % of the server's time here). The ledger's keys are dropped
    for the load and added back as they were (names and definitions), which checks every row with one join
    per key. Only in a transaction of its own (nothing else in it waits for a check); the ledger is locked
    until that transaction commits, as a load of this size should be (a re-run that writes nothing, or a
    few new people, takes the usual path)."""
    table = LedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
            " AND contype = 'f' ORDER BY conname",
            [table],
        )
        keys = cursor.fetchall()
        for name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _refresh_balances(user_ids: list[int], year: int) -> None:
    """Set the balances of ``user_ids`` for ``year`` to the ledger's sums (upserts from grouped reads)."""
    if connection.vendor == "postgresql":
        _refresh_balances_sql(user_ids, year)
        return
    for chunk_start in range(0, len(user_ids), BATCH):
        ids = user_ids[chunk_start : chunk_start + BATCH]
        base = LedgerEntry.objects.filter(year=year, user_id__in=ids).order_by()
        totals = base.values("user_id").annotate(s=Sum("hours"))
        PersonYearBalance.objects.bulk_create(
            [PersonYearBalance(user_id=r["user_id"], year=year, total_hours=r["s"]) for r in totals],
            update_conflicts=True,
            unique_fields=["user", "year"],
            update_fields=["total_hours"],
            batch_size=BATCH,
        )
        per_cat = base.values("user_id", "category_id").annotate(s=Sum("hours"))
        PersonYearCategoryBalance.objects.bulk_create(
            [
                PersonYearCategoryBalance(user_id=r["user_id"], year=year, category_id=r["category_id"], hours=r["s"])
                for r in per_cat
            ],
            update_conflicts=True,
            unique_fields=["user", "year", "category"],
            update_fields=["hours"],
            batch_size=BATCH,
        )


def _refresh_balances_sql(user_ids: list[int], year: int) -> None:
    """The same upserts as two INSERT … SELECT statements: the sums never leave the server.

    The people are joined from an array (a hash join: ``user_id = ANY(array)`` would compare each
    of a year's millions of rows with the whole array).
    """
    ledger = LedgerEntry._meta.db_table
    people = "SELECT unnest(%s::bigint[]) AS id"
    statements = (
        f"""INSERT INTO {PersonYearBalance._meta.db_table} (user_id, year, total_hours)
            SELECT e.user_id, e.year, SUM(e.hours) FROM {ledger} e JOIN ({people}) p ON p.id = e.user_id
            WHERE e.year = %s GROUP BY e.user_id, e.year
            ON CONFLICT (user_id, year) DO UPDATE SET total_hours = EXCLUDED.total_hours""",
        f"""INSERT INTO {PersonYearCategoryBalance._meta.db_table} (user_id, year, category_code, hours)
            SELECT e.user_id, e.year, e.category_code, SUM(e.hours) FROM {ledger} e JOIN ({people}) p ON p.id = e.user_id
            WHERE e.year = %s GROUP BY e.user_id, e.year, e.category_code
            ON CONFLICT (user_id, year, category_code) DO UPDATE SET hours = EXCLUDED.hours""",
    )
    with connection.cursor() as cursor:
        # Fresh statistics: the planner of this and of every later read (the close, the review) sees the
        # rows just written, not an empty table.
        cursor.execute(f"ANALYZE {ledger}")
        for sql in statements:
            cursor.execute(sql, [user_ids, year])


def seed_ledger_history(users: Sequence, year: int, *, rng: random.Random, reversal_rate: float = 0.02) -> int:
    """Write a year of entries for ``users`` (skipping anyone already seeded for that year).

    Deterministic for a given ``rng`` seed and user list. Entries of the current
    year stop at today. Returns the number of entries written.
    """
    ensure_default_categories()
    today = timeutil.today()
    if year > today.year:
        return 0
    last = min(today, dt.date(year, 12, 31))
    seeded = set(
        LedgerEntry.objects.filter(year=year, source_key__startswith=f"demo:{year}:")
        .values_list("user_id", flat=True)
        .distinct()
    )
    year_days = _Year(year, last)
    writer = _CopyWriter(year_days) if connection.vendor == "postgresql" else _ModelWriter(year_days)
    written = 0
    user_ids: list[int] = []
    reversible_keys: list[str] = []
    checks = _foreign_keys_checked_once() if _can_check_once(len(users) - len(seeded)) else contextlib.nullcontext()
    with transaction.atomic(), checks:
        with writer:
            for user in users:
                entries = _person_entries(year_days, rng)
                reverse_one = rng.randrange(len(entries)) if rng.random() < reversal_rate else None
                if user.pk in seeded:
                    continue
                user_ids.append(user.pk)
                if reverse_one is not None:
                    reversible_keys.append(f"demo:{year}:{user.pk}:{reverse_one}")
                writer.add(user.pk, entries)
                written += len(entries)
        originals = LedgerEntry.objects.filter(source_key__in=reversible_keys).order_by("pk")
        reversals = [_reversal(e) for e in originals]
        LedgerEntry.objects.bulk_create(reversals, batch_size=BATCH)
        written += len(reversals)
        _refresh_balances(user_ids, year)
    return written
