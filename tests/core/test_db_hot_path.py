"""``core.db``: querysets compiled once per process, statements prepared once per connection."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import OrgUnit, User
from core.db import QueryTemplate, execute_prepared
from exams.models import Exam
from exams.selectors.exams import published_exam_for, with_audience_flags
from tests.factories import UserFactory

from ..exams import factories_exams as f

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="preparing is PostgreSQL's")


def _people_in_unit(*, unit_id: int, since_id: int):
    return User.objects.filter(org_unit_id=unit_id, pk__gte=since_id).order_by("pk")


def test_a_template_answers_as_its_queryset_for_every_value(org_tree):
    people = [UserFactory(org_unit=org_tree[key]) for key in ("shache", "shache", "shache_dept", "shufu")]
    template = QueryTemplate(_people_in_unit)
    for unit in ("shache", "shache_dept", "shufu", "pref"):
        for since in (0, people[1].pk, people[3].pk + 1):
            expected = list(_people_in_unit(unit_id=org_tree[unit].pk, since_id=since))
            assert template(unit_id=org_tree[unit].pk, since_id=since) == expected


def test_a_template_compiles_once_and_runs_one_query(org_tree, django_assert_num_queries):
    template = QueryTemplate(_people_in_unit)
    template(unit_id=org_tree["shache"].pk, since_id=0)
    compiled = template._compiled[connection.alias]
    with django_assert_num_queries(1):
        template(unit_id=org_tree["shufu"].pk, since_id=0)
    assert template._compiled[connection.alias] is compiled


def test_a_value_that_is_not_an_id_runs_the_queryset_as_built(org_tree):
    """``None`` makes SQL of another shape (``IS NULL``), which the compiled SQL cannot express."""
    homeless = UserFactory(org_unit=None)
    UserFactory(org_unit=org_tree["shache"])
    template = QueryTemplate(_people_in_unit)
    template(unit_id=org_tree["shache"].pk, since_id=0)
    assert template(unit_id=None, since_id=0) == [homeless]


def test_a_template_refuses_what_it_cannot_replay():
    with pytest.raises(ValueError, match="whole rows"):
        QueryTemplate(lambda *, unit_id: User.objects.select_related("org_unit").filter(org_unit_id=unit_id))(unit_id=1)
    with pytest.raises(ValueError, match="not a query parameter"):
        # The value is never used as a parameter: nothing to replace.
        QueryTemplate(lambda *, unit_id: User.objects.all())(unit_id=1)
    with pytest.raises(TypeError):
        QueryTemplate(_people_in_unit)(unit_id=1)


def test_the_start_reads_the_exam_with_the_same_audience_flags_as_the_queryset(org_tree):
    """In the unit's subtree, outside it, named, and without a unit: the template and the ORM agree."""
    exam = f.exam([f.question("single")])
    exam.audience_units.add(org_tree["shache"])
    named = UserFactory(org_unit=org_tree["shufu"])
    exam.audience_users.add(named)
    people = [
        UserFactory(org_unit=org_tree["shache_dept"]),
        UserFactory(org_unit=org_tree["shufu"]),
        named,
        UserFactory(org_unit=None),
    ]
    flags = ("_audience_has_units", "_audience_in_units", "_audience_named", "_audience_anyone_named")
    seen = set()
    for person in people:
        fast = published_exam_for(exam.pk, person)
        slow = with_audience_flags(Exam.objects.filter(pk=exam.pk, is_published=True), person).get()
        assert fast == slow
        assert {k: getattr(fast, k) for k in flags} == {k: getattr(slow, k) for k in flags}
        assert fast._audience_user == person.pk
        seen.add((fast._audience_in_units, fast._audience_named))
    assert seen == {(True, False), (False, False), (False, True)}
    exam.is_published = False
    exam.save(update_fields=["is_published"])
    assert published_exam_for(exam.pk, people[0]) is None


@on_postgresql
def test_a_prepared_statement_is_planned_once_per_connection_and_counted():
    sql = "SELECT %(n)s::int + count(*) FROM accounts_orgunit"
    units = OrgUnit.objects.count()
    with CaptureQueriesContext(connection) as queries:
        for n in range(3):
            with execute_prepared(sql, {"n": n}) as cursor:
                assert cursor.fetchone() == (n + units,)
    assert len(queries.captured_queries) == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [sql.replace("%(n)s", "$1")],
        )
        assert cursor.fetchone() == (3,)  # one statement, prepared once, executed three times


def test_a_prepared_statement_raises_django_errors(org_tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        with execute_prepared(
            "INSERT INTO accounts_orgunit (path, depth, numchild, name, code, kind, full_path) "
            "VALUES (%(path)s, 1, 0, 'x', 'DUP', 'county', 'dup')",
            {"path": org_tree["pref"].path},  # the prefecture's own path: not unique
        ):
            pass


@on_postgresql
def test_a_template_runs_as_a_statement_prepared_once_per_connection(org_tree):
    """Planning the exam's read cost more than running it: a template's SQL is planned once per connection."""
    template = QueryTemplate(_people_in_unit)
    for unit in ("shache", "shufu", "pref"):
        template(unit_id=org_tree[unit].pk, since_id=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"accounts_user"."org_unit_id" = $1%'],
        )
        assert cursor.fetchall() == [(3,)]
