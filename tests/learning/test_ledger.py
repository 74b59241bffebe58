import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Sum

from accounts.models import AuditLog, Role
from learning.models import (
    HourCategory,
    LedgerEntry,
    LedgerImmutable,
    PersonYearBalance,
    PersonYearCategoryBalance,
    SourceKind,
)
from learning.selectors.ledger import year_balance
from learning.services.ledger import LedgerError, manual_adjustment, post_credit, reverse_entry
from learning.signals import hours_posted
from tests.factories import UserFactory

from .factories import credit


def _assert_balances_match_ledger():
    for bal in PersonYearBalance.objects.all():
        total = LedgerEntry.objects.filter(user_id=bal.user_id, year=bal.year).aggregate(s=Sum("hours"))["s"]
        assert bal.total_hours == (total or 0)
    for cat in PersonYearCategoryBalance.objects.all():
        total = LedgerEntry.objects.filter(user_id=cat.user_id, year=cat.year, category_id=cat.category_id).aggregate(
            s=Sum("hours")
        )["s"]
        assert cat.hours == (total or 0)


def test_second_credit_for_same_source_is_ignored(learner):
    first = post_credit(
        user=learner,
        hours=Decimal("2"),
        category="legal",
        source_kind=SourceKind.COURSE,
        source_key="course:1:x",
        source_ref="《行政处罚法》精讲",
    )
    again = post_credit(
        user=learner,
        hours=Decimal("5"),
        category="other",
        source_kind=SourceKind.COURSE,
        source_key="course:1:x",
        source_ref="again",
    )
    assert first.created and not again.created
    assert again.entry.pk == first.entry.pk
    assert LedgerEntry.objects.count() == 1
    assert year_balance(learner, first.entry.year).total == Decimal("2")


def test_credit_year_and_day_follow_shanghai_calendar(learner, monkeypatch):
    # 17:30 UTC on New Year's Eve is already 01:30 on 1 January in Shanghai.
    from core import timeutil

    moment = dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timeutil.timezone, "now", lambda: moment)
    entry = credit(learner)
    assert (entry.earned_on, entry.year) == (dt.date(2026, 1, 1), 2026)
    assert year_balance(learner, 2026).total == Decimal("2")
    assert year_balance(learner, 2025).total == Decimal("0")


def test_posting_tolerates_missing_default_categories(learner):
    HourCategory.objects.all().delete()
    entry = credit(learner, category="professional")
    assert entry.category.name == "业务知识"
    assert HourCategory.objects.count() == 3


def test_unknown_category_and_bad_hours_are_refused(learner):
    with pytest.raises(LedgerError, match="未知的学时类别"):
        credit(learner, category="nope")
    with pytest.raises(LedgerError, match="大于 0"):
        credit(learner, hours="0")
    assert LedgerEntry.objects.count() == 0


def test_entry_cannot_be_updated_or_deleted_through_the_model(learner):
    entry = credit(learner)
    entry.hours = Decimal("99")
    with pytest.raises(LedgerImmutable):
        entry.save()
    with pytest.raises(LedgerImmutable):
        entry.delete()
    entry.refresh_from_db()
    assert entry.hours == Decimal("2")


def test_entry_cannot_be_updated_or_deleted_through_querysets(learner):
    credit(learner)
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.filter(user=learner).update(hours=Decimal("9"))
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.update(hours=Decimal("9"))
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.filter(user=learner).delete()
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.all().bulk_update(list(LedgerEntry.objects.all()), ["hours"])
    assert LedgerEntry.objects.get().hours == Decimal("2")


@pytest.mark.postgres
def test_raw_sql_update_and_delete_are_rejected_by_postgres(learner):
    entry = credit(learner)
    for sql in (
        "UPDATE learning_ledgerentry SET hours = 50 WHERE id = %s",
        "DELETE FROM learning_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).hours == Decimal("2")


def test_reversal_cancels_once_and_needs_a_reason(learner, hr_shache):
    entry = credit(learner, hours="3")
    with pytest.raises(LedgerError, match="原因"):
        reverse_entry(entry=entry, reason="  ", recorded_by=hr_shache)
    reversal = reverse_entry(entry=entry, reason="重复登记", recorded_by=hr_shache)
    assert reversal.hours == Decimal("-3") and reversal.reverses_id == entry.pk
    with pytest.raises(LedgerError, match="已被冲销"):
        reverse_entry(entry=entry, reason="再来一次", recorded_by=hr_shache)
    with pytest.raises(LedgerError, match="不能再冲销"):
        reverse_entry(entry=reversal, reason="x", recorded_by=hr_shache)
    assert year_balance(learner, entry.year).total == Decimal("0")
    assert AuditLog.objects.filter(action="learning.ledger_reversal").count() == 1
    _assert_balances_match_ledger()


def test_manual_adjustment_is_audited_scoped_and_idempotent(learner, hr_shache, org_tree):
    result = manual_adjustment(
        user=learner, hours="4", category="legal", reason="外单位培训", recorded_by=hr_shache, request_key="abc"
    )
    again = manual_adjustment(
        user=learner, hours="4", category="legal", reason="外单位培训", recorded_by=hr_shache, request_key="abc"
    )
    assert result.created and not again.created
    assert AuditLog.objects.filter(action="learning.manual_adjustment").count() == 1
    outsider = UserFactory(org_unit=org_tree["shufu_dept"])
    with pytest.raises(LedgerError, match="管辖范围"):
        manual_adjustment(user=outsider, hours="1", category="legal", reason="x", recorded_by=hr_shache)
    with pytest.raises(LedgerError, match="本人"):
        manual_adjustment(user=hr_shache, hours="1", category="legal", reason="x", recorded_by=hr_shache)
    plain = UserFactory(org_unit=org_tree["shache"])
    with pytest.raises(LedgerError, match="人事"):
        manual_adjustment(user=learner, hours="1", category="legal", reason="x", recorded_by=plain)
    assert year_balance(learner, result.entry.year).total == Decimal("4")


def test_every_balance_equals_the_sum_of_its_entries(org_tree):
    people = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(3)]
    entries = []
    for i, person in enumerate(people):
        for j in range(5):
            entries.append(
                credit(
                    person,
                    hours=Decimal("1.5") + j,
                    category=["legal", "professional", "other"][j % 3],
                    earned_on=dt.date(2025 + (j % 2), 3, 1 + i),
                )
            )
    reverse_entry(entry=entries[0], reason="错误")
    reverse_entry(entry=entries[7], reason="错误")
    _assert_balances_match_ledger()
    assert PersonYearBalance.objects.count() == 6


def test_hours_posted_is_sent_after_commit(learner, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, entry, **kwargs):
        received.append(entry.pk)

    hours_posted.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            entry = credit(learner)
            assert received == []
    finally:
        hours_posted.disconnect(listener)
    assert received == [entry.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_source_credited_concurrently_lands_once(org_tree):
    person = UserFactory(org_unit=org_tree["shache_dept"])
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            with transaction.atomic():
                res = post_credit(
                    user=person,
                    hours=Decimal("2"),
                    category="legal",
                    source_kind=SourceKind.COURSE,
                    source_key=f"course:42:{person.pk}",
                    source_ref="并发课程",
                )
            results.append(res.created)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False] * (threads_n - 1) + [True]
    assert LedgerEntry.objects.filter(user=person).count() == 1
    assert year_balance(person, LedgerEntry.objects.get(user=person).year).total == Decimal("2")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_sources_for_one_person_concurrently_all_count(org_tree):
    person = UserFactory(org_unit=org_tree["shache_dept"])
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    errors = []

    def worker(i):
        try:
            barrier.wait()
            post_credit(
                user=person,
                hours=Decimal("1.25"),
                category="legal",
                source_kind=SourceKind.COURSE,
                source_key=f"course:{i}:{person.pk}",
                source_ref="并发课程",
            )
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert PersonYearBalance.objects.get(user=person).total_hours == Decimal("10.00")
    _assert_balances_match_ledger()


def test_hr_role_fixture_sanity(hr_shache):
    assert hr_shache.has_role(Role.HR)


def test_admin_shows_the_ledger_read_only(client_for, admin_user, learner):
    entry = credit(learner)
    client = client_for(admin_user)
    assert client.get(f"/admin/learning/ledgerentry/{entry.pk}/change/").status_code == 200
    response = client.post(f"/admin/learning/ledgerentry/{entry.pk}/change/", {"hours": "50"})
    assert response.status_code == 403
    assert client.post(f"/admin/learning/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/learning/ledgerentry/add/").status_code == 403
    entry.refresh_from_db()
    assert entry.hours == Decimal("2")


def test_admin_edits_requirements(client_for, admin_user):
    client = client_for(admin_user)
    response = client.get("/admin/learning/annualrequirement/add/")
    assert response.status_code == 200
