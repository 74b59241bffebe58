"""Who is in the audience: the one rule for exams, classroom sessions, study plans and courses.

An audience has up to four parts, each optional:

* **units** (``OrgUnit``): a unit stands for its whole subtree, the unit and every unit below it;
* **staff categories** (``User.staff_category``);
* **positions** (``User.position``; only study plans set them);
* **named people**.

The rule:

1. Only active people are in an audience; a deactivated account is in none.
2. A named person is in it, whatever their unit, category or position.
3. When units, categories or positions are set (a *group rule*), a person who matches every
   part that is set is in it: inside one of the units' subtrees (a person without a unit is
   inside none), of one of the categories, holding one of the positions. A part that is not
   set does not narrow the rule.
4. **Empty** (no units, no categories, no positions and no named people) means **everyone**:
   every active person. Named people with no group rule mean those people only.

Owners that must not be open to everyone refuse to save an empty audience in their service
(classroom sessions in ``classroom.services.sessions``, study plans in
``plans.services.plans``), so an empty audience never reaches the rule for them. Every form
says the same in the same words: the ``*_HELP`` texts below.

The rule comes in three forms, and tests/accounts/test_audience.py holds them to the same answers:

* ``Audience.q()``: a ``Q`` over ``User`` that selects the audience (reports, candidate lists, counts);
* ``Audience.admits(user)``: the answer for one person, in Python, with no query once the owner's
  units and named people are loaded (and the person's unit: ``select_related("org_unit")``);
* ``AudienceFields``: the same rule over an owner model's fields, to decide for many owners at
  once. ``with_flags`` annotates, in the owners' own query, what the rule reads from their
  relations about one person, so ``admits(owner, user)`` reads no relation afterwards.
  ``admitting`` is a filter that decides in SQL, for owners whose category column can be tested in SQL.

The org tree's layout (materialised-path prefixes) is known only inside ``accounts`` (here and in ``accounts.scope``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit

if TYPE_CHECKING:
    from .models import User

#: The help texts of every audience form (exams, courses, sessions, study plans).
UNITS_HELP = _("所选单位及其全部下属单位的人员。")
CATEGORIES_HELP = _("不选表示不限人员类别。")
PEOPLE_HELP = _("无论单位、类别，这些人员都在范围内。")
#: Rule 4, shown under the last audience field of every form.
OPEN_HELP = _("以上各项都不选时，面向全部人员。")
#: For the owners that refuse an empty audience (sessions, study plans).
REQUIRED_HELP = _("须至少选一项，不能面向全部人员。")


def help_text(*parts) -> str:
    """Sentences joined into one lazily translated help text."""
    return format_lazy("{}" * len(parts), *parts)


# --- The rule ---------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _decide(
    *,
    restricted: bool,
    in_group: Callable[[], bool],
    named: Callable[[], bool],
    anyone_named: Callable[[], bool],
) -> bool:
    """Rules 2 to 4 for an active person. Each fact is asked only while the answer still depends on it."""
    if restricted and in_group():
        return True
    if named():
        return True
    return not restricted and not anyone_named()


def _in_group(user, *, categories, positions, in_units: Callable[[], bool] | None) -> bool:
    """Rule 3 for one person. ``in_units`` is ``None`` when no unit is set; it is asked last because it may read the unit."""
    if categories and user.staff_category not in categories:
        return False
    if positions and user.position not in positions:
        return False
    return in_units is None or in_units()


def _unit_path(user) -> str | None:
    """The person's unit path (one query unless the unit is loaded)."""
    return user.org_unit.path if user.org_unit_id else None


def _inside(path: str | None, unit_paths: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``unit_paths`` or below one of them."""
    return path is not None and any(path.startswith(p) for p in unit_paths)


def _subtrees_q(unit_paths: Iterable[str]) -> Q:
    return reduce(or_, (Q(org_unit__path__startswith=p) for p in unit_paths))


@dataclass(frozen=True)
class Audience:
    """One owner's audience.

    ``people`` holds the ids of the named people, or, when they were not loaded, a queryset of
    them (``owner.audience_people.all()``). ``q()`` then uses it as a subquery, and
    ``admits()`` asks it with one query if the answer depends on it.
    """

    unit_paths: tuple[str, ...] = ()
    categories: frozenset[str] = frozenset()
    people: frozenset[int] | QuerySet = frozenset()
    positions: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "unit_paths", tuple(sorted(set(self.unit_paths))))
        object.__setattr__(self, "categories", frozenset(c for c in self.categories if c))
        object.__setattr__(self, "positions", frozenset(p for p in self.positions if p))
        if not isinstance(self.people, QuerySet):
            object.__setattr__(self, "people", frozenset(self.people))

    @classmethod
    def chosen(
        cls,
        *,
        units: Iterable[OrgUnit] = (),
        categories: Iterable[str] = (),
        people: Iterable[User] = (),
        positions: Iterable[str] = (),
    ) -> Audience:
        """The audience a form or a service holds: ``OrgUnit`` and ``User`` objects."""
        return cls(
            unit_paths=tuple(u.path for u in units),
            categories=frozenset(categories or ()),
            people=frozenset(p.pk for p in people),
            positions=frozenset(positions or ()),
        )

    @property
    def restricted(self) -> bool:
        """Whether a group rule is set (rule 3)."""
        return bool(self.unit_paths or self.categories or self.positions)

    @property
    def is_empty(self) -> bool:
        """Rule 4: nothing is set, so everyone is in it."""
        return not self.restricted and not self._anyone_named()

    def _anyone_named(self) -> bool:
        return self.people.exists() if isinstance(self.people, QuerySet) else bool(self.people)

    def _named(self, user) -> bool:
        if isinstance(self.people, QuerySet):
            return self.people.filter(pk=user.pk).exists()
        return user.pk in self.people

    def _named_q(self) -> Q:
        if isinstance(self.people, QuerySet):
            return Q(pk__in=self.people.values("pk"))
        return Q(pk__in=sorted(self.people))

    def _group_q(self) -> Q:
        parts = []
        if self.unit_paths:
            parts.append(_subtrees_q(self.unit_paths))
        if self.categories:
            parts.append(Q(staff_category__in=sorted(self.categories)))
        if self.positions:
            parts.append(Q(position__in=sorted(self.positions)))
        return reduce(and_, parts)

    def q(self) -> Q:
        """The audience as a filter over ``User`` (building it runs no query)."""
        lazy = isinstance(self.people, QuerySet)
        if self.restricted:
            rule = self._group_q() | self._named_q() if lazy or self.people else self._group_q()
        elif lazy:
            rule = self._named_q() | Q(~Exists(self.people))
        elif self.people:
            rule = self._named_q()
        else:
            rule = Q()
        return Q(is_active=True) & rule

    def admits(self, user) -> bool:
        """Whether ``user`` is in the audience: ``q()`` for one person, in Python."""
        if not _active(user):
            return False
        in_units = (lambda: _inside(_unit_path(user), self.unit_paths)) if self.unit_paths else None
        return _decide(
            restricted=self.restricted,
            in_group=lambda: _in_group(user, categories=self.categories, positions=self.positions, in_units=in_units),
            named=lambda: self._named(user),
            anyone_named=self._anyone_named,
        )


def unit_holds_q(unit_field: str, user) -> Q:
    """Rows whose unit (``unit_field``, a foreign key to ``OrgUnit``) is ``user``'s unit or one above it.

    A unit stands for its subtree (rule 3), so such a row covers ``user``; a person without a
    unit is covered by none. For owners that name one unit a row (e.g. an exam's accommodations),
    asked inside another query: it reads only ``user.org_unit_id``.
    """
    own_unit = OrgUnit.objects.filter(
        pk=getattr(user, "org_unit_id", None), path__startswith=OuterRef(f"{unit_field}__path")
    )
    return Q(Exists(own_unit))


# --- The rule over an owner model's fields ------------------------------------------------------

_FLAGS = ("_audience_user", "_audience_has_units", "_audience_in_units", "_audience_named", "_audience_anyone_named")


@dataclass(frozen=True)
class AudienceFields:
    """Where an owner model keeps its audience: ``units`` and ``people`` are many-to-many fields to
    ``OrgUnit`` and ``User``; ``categories`` and ``positions`` are columns that read as lists.

    ``categories_sql(field, code)`` is needed only by ``admitting``: a ``Q`` over the owner for
    "no category is set, or ``code`` is one of them" (``code=None``: "no category is set").
    How a column stores a set of codes is its field's business (e.g. ``cms.fields.empty_or_contains``).
    """

    model: type[models.Model]
    units: str
    categories: str
    people: str | None = None
    positions: str | None = None
    categories_sql: Callable[[str, str | None], Q] | None = None

    def _rows(self, name: str) -> tuple[QuerySet, str]:
        """The rows of the many-to-many ``name`` of the outer owner, and the name of their target's key."""
        field = self.model._meta.get_field(name)
        rows = field.remote_field.through.objects.filter(**{field.m2m_field_name(): OuterRef("pk")})
        return rows, field.m2m_reverse_field_name()

    def _relation_flags(self, user) -> dict[str, Any]:
        units, unit = self._rows(self.units)
        own_unit = OrgUnit.objects.filter(
            pk=getattr(user, "org_unit_id", None), path__startswith=OuterRef(f"{unit}__path")
        )
        flags = {"_audience_has_units": Exists(units), "_audience_in_units": Exists(units.filter(Exists(own_unit)))}
        if self.people:
            people, person = self._rows(self.people)
            flags["_audience_named"] = Exists(people.filter(**{person: user.pk}))
            flags["_audience_anyone_named"] = Exists(people)
        return flags

    def with_flags(self, queryset: QuerySet, user) -> QuerySet:
        """Owners annotated with what the rule reads from their relations about ``user``, in their own query.

        Whether ``user`` is named and whether anyone is, whether units are set and whether
        ``user``'s unit lies in one of their subtrees: ``admits(owner, user)`` then reads
        no relation (nor the person's unit).
        """
        return queryset.annotate(
            _audience_user=Value(user.pk, output_field=models.IntegerField()), **self._relation_flags(user)
        )

    def of(self, owner) -> Audience:
        """The owner's audience, from its prefetched units and named people.

        Units not prefetched cost one query; named people not prefetched stay a subquery.
        """
        cache = getattr(owner, "_prefetched_objects_cache", {})
        units = cache.get(self.units)
        paths = (
            [u.path for u in units] if units is not None else getattr(owner, self.units).values_list("path", flat=True)
        )
        people: Iterable[int] | QuerySet = ()
        if self.people:
            named = cache.get(self.people)
            people = [p.pk for p in named] if named is not None else getattr(owner, self.people).all()
        return Audience(
            unit_paths=tuple(paths),
            categories=frozenset(getattr(owner, self.categories) or ()),
            people=people,
            positions=frozenset(getattr(owner, self.positions) or ()) if self.positions else frozenset(),
        )

    def _loaded(self, owner) -> bool:
        cache = getattr(owner, "_prefetched_objects_cache", {})
        return self.units in cache and (self.people is None or self.people in cache)

    def _flags(self, owner, user) -> dict[str, Any] | None:
        if getattr(owner, "_audience_user", None) == user.pk:
            return {name: getattr(owner, name, False) for name in _FLAGS}
        if self._loaded(owner):
            return None
        # One query, however many units and named people the owner has.
        flags = self._relation_flags(user)
        return self.model._default_manager.filter(pk=owner.pk).annotate(**flags).values(*flags).first()

    def admits(self, owner, user) -> bool:
        """Whether the owner's audience admits ``user``: from ``with_flags``, else from its loaded
        relations (``of``), else with one query."""
        if not _active(user):
            return False
        flags = self._flags(owner, user)
        if flags is None:
            return self.of(owner).admits(user)
        categories = frozenset(c for c in getattr(owner, self.categories) or () if c)
        positions = frozenset(p for p in getattr(owner, self.positions) or () if p) if self.positions else frozenset()
        has_units = bool(flags.get("_audience_has_units"))
        in_units = (lambda: bool(flags.get("_audience_in_units"))) if has_units else None
        return _decide(
            restricted=has_units or bool(categories) or bool(positions),
            in_group=lambda: _in_group(user, categories=categories, positions=positions, in_units=in_units),
            named=lambda: bool(flags.get("_audience_named")),
            anyone_named=lambda: bool(flags.get("_audience_anyone_named")),
        )

    def admitting(self, user) -> Q:
        """A filter over the owner model: the owners whose audience admits ``user``, decided in SQL."""
        if self.categories_sql is None or self.positions:
            raise ImproperlyConfigured("admitting() needs categories_sql and no positions")
        if not _active(user):
            return Q(pk__in=[])
        flags = self._relation_flags(user)
        has_units = flags["_audience_has_units"]
        group = (Q(~has_units) | Q(flags["_audience_in_units"])) & self.categories_sql(
            self.categories, user.staff_category
        )
        if not self.people:
            return group  # without named people, rules 3 and 4 agree: with nothing set, everyone is in the group
        unrestricted = Q(~has_units) & self.categories_sql(self.categories, None)
        return Q(flags["_audience_named"]) | (group & (~unrestricted | Q(~flags["_audience_anyone_named"])))
