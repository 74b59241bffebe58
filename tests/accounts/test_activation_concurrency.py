"""Races on real PostgreSQL: two tabs using one code, two prints for the same people."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from accounts.models import ActivationCode
from accounts.services.activation import ActivationError, activate, check_code, issue_codes
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _in_threads(n, fn):
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            return fn(i)
        except Exception as exc:  # the test inspects what each thread got
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _pending(org_tree, number):
    person = UserFactory(employee_no=number, org_unit=org_tree["shache_dept"])
    person.set_unusable_password()
    person.save()
    return person


def test_one_code_activates_once_however_many_tabs_finish_at_once(org_tree):
    person = _pending(org_tree, "X001")
    issued = issue_codes(user_ids=[person.pk], actor=None, via="test")[0]
    code = check_code(employee_no="X001", code=issued.code)

    results = _in_threads(5, lambda i: activate(code_id=code.pk, user_id=person.pk, password=f"Kashgar#2026-{i}"))

    winners = [i for i, r in enumerate(results) if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, ActivationError) for i, r in enumerate(results) if i != winners[0])
    person.refresh_from_db()
    assert person.check_password(f"Kashgar#2026-{winners[0]}")


def test_prints_racing_for_the_same_people_leave_one_live_code_each(org_tree):
    people = [_pending(org_tree, f"Y{i:03d}") for i in range(20)]
    ids = [p.pk for p in people]

    results = _in_threads(4, lambda i: issue_codes(user_ids=ids if i % 2 else ids[::-1], actor=None, via="test"))

    assert not [r for r in results if isinstance(r, Exception)]
    assert ActivationCode.objects.filter(used_at=None, revoked_at=None).count() == 20
    # Exactly one of the printed codes works for each person: the last print's.
    for person in people:
        working = []
        for batch in results:
            code = next(item.code for item in batch if item.user.pk == person.pk)
            try:
                check_code(employee_no=person.employee_no, code=code)
                working.append(code)
            except ActivationError:
                pass
        assert len(working) == 1
