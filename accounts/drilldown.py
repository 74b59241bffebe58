"""The org drill-down: a unit's subtree, its children and ancestors, and the unit each row rolls up to.

Reports walk the org tree one level at a time (the compliance page and its
export, the annual review, exam statistics, the staff filter) and roll figures
up per unit. The tree is a treebeard materialised path (``OrgUnit.path``,
``steplen`` characters a level, ``depth``); this module, the scope rule
(``accounts.scope``) and the tree's reshaping (``accounts.services.org_tree``)
are the only code that reads that layout, so it can change in one place.
``tests/accounts/test_tree_layout_private.py`` keeps it so.

Rows roll up by *unit key*: a string naming a unit, computed in SQL
(``rollup_key``, ``ancestor_key_sql``) or in Python (``rollup_key_of``, ``ancestor_key``) from the
row's ``unit_key``. Callers compare keys with ``key_of(unit)`` and name them
with ``unit_labels``; they never take them apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Case, Q, Value, When
from django.db.models.functions import Substr

from .models import OrgUnit
from .scope import can_view_unit, scope_paths, top_units

if TYPE_CHECKING:
    from .models import User

_STEP = OrgUnit.steplen


def _path(field: str | None) -> str:
    return f"{field}__path" if field else "path"


# --- rows of a subtree, in tree order ------------------------------------------


def in_subtree_q(unit: OrgUnit, field: str | None = "org_unit") -> Q:
    """Rows whose ``field`` unit is ``unit`` or below it (``field=None``: units themselves), one indexed prefix match."""
    return Q(**{f"{_path(field)}__startswith": unit.path})


def tree_order(field: str | None = "org_unit") -> str:
    """The ``order_by`` lookup listing rows by their ``field`` unit in tree order (``field=None``: units themselves).

    A unit comes before everything below it, siblings by code.
    """
    return _path(field)


# --- unit keys: rolling rows up --------------------------------------------------


def unit_key(field: str = "org_unit") -> str:
    """The lookup giving each row the key of its ``field`` unit, for ``values``/``values_list``."""
    return _path(field)


def key_of(unit: OrgUnit) -> str:
    """The key of ``unit``: what ``unit_key``, ``rollup_key`` and ``ancestor_key`` give the rows that belong to it."""
    return unit.path


def ancestor_key(key: str, depth: int) -> str:
    """The key of the unit at ``depth`` (1 = a root) containing the unit of ``key``.

    A unit less deep than ``depth`` is its own; an empty key (no unit) stays empty.
    """
    return key[: _STEP * depth] if key else ""


def ancestor_key_sql(field: str, depth: int) -> Substr:
    """``ancestor_key`` in SQL, for each row's ``field`` unit (NULL for a row without one)."""
    return Substr(_path(field), 1, _STEP * depth)


def rollup_key(unit: OrgUnit | None, row_units: Iterable[OrgUnit], field: str = "org_unit") -> Substr | Case:
    """SQL giving each row the key of the row unit its ``field`` unit rolls up to.

    Below ``unit`` the row units are its children (``child_units``); a row of
    ``unit`` itself gets ``key_of(unit)``. Without a unit the row units are the
    viewer's top units, and a row under none of them gets ``""``.
    """
    if unit is not None:
        # Children of one unit share a depth: their path is a fixed-length prefix.
        return Substr(_path(field), 1, (unit.depth + 1) * _STEP)
    return Case(
        *[When(in_subtree_q(u, field), then=Value(u.path)) for u in row_units],
        default=Value(""),
    )


def rollup_key_of(key: str | None, unit: OrgUnit | None, row_units: Iterable[OrgUnit]) -> str:
    """``rollup_key`` in Python, for a row whose unit has ``key`` (``unit_key``; empty or None: no unit).

    For counts grouped once per unit and then rolled up, so one grouped query
    serves several figures (the annual review's at-risk page and roster). A row
    without a unit gets ``""``, like a row outside the row units.
    """
    if not key:
        return ""
    if unit is not None:
        return ancestor_key(key, unit.depth + 1)
    return next((u.path for u in row_units if key.startswith(u.path)), "")


def unit_labels(keys: Iterable[str]) -> dict[str, str]:
    """``key → full path`` of the units with these keys, in one query (empty keys left out)."""
    return dict(OrgUnit.objects.filter(path__in=[k for k in keys if k]).values_list("path", "full_path"))


# --- walking the tree ------------------------------------------------------------


def child_units(viewer: User | None, unit: OrgUnit | None) -> list[OrgUnit]:
    """The units one level below ``unit`` in tree order; without a unit, the viewer's top units.

    ``viewer=None`` is for trusted system callers (commands, scheduled tasks):
    their top units are the roots of the tree.
    """
    if unit is None:
        tops = OrgUnit.get_root_nodes() if viewer is None else top_units(viewer)
        return list(tops.order_by("path"))
    return list(unit.get_children().order_by("path"))


def breadcrumbs(viewer: User | None, unit: OrgUnit | None) -> list[OrgUnit]:
    """``unit`` and the units above it that the viewer may open, outermost first (one query)."""
    if unit is None:
        return []
    return _visible(viewer, [*unit.get_ancestors(), unit])


def drill_down(viewer: User, unit: OrgUnit | None) -> tuple[OrgUnit | None, list[OrgUnit], list[OrgUnit]]:
    """``(unit, child_units, breadcrumbs)`` of a report page, in at most one query.

    Without a unit the drill-down starts at the viewer's single top unit, or
    lists their top units (``(None, tops, [])``) when they have several; their
    scope paths give the tops, their children and their ancestors in one query.
    ``unit`` must already be one the viewer may see.
    """
    if unit is not None:
        wanted = []
        if not unit.is_root():
            wanted.append(Q(path__in=_ancestor_paths(unit.path)))
        if not unit.is_leaf():
            wanted.append(Q(path__startswith=unit.path, depth=unit.depth + 1))
        units = list(OrgUnit.objects.filter(reduce(or_, wanted)).order_by("path")) if wanted else []
    else:
        paths = scope_paths(viewer)
        if paths is None:  # everyone: the roots, and the children of a single root
            units = list(OrgUnit.objects.filter(depth__lte=2).order_by("path"))
            tops = [u for u in units if u.depth == 1]
        elif paths:
            wanted = [Q(path__in=paths)]
            for path in paths:
                wanted.append(Q(path__startswith=path, depth=len(path) // _STEP + 1))
                if not_root := _ancestor_paths(path):
                    wanted.append(Q(path__in=not_root))
            units = list(OrgUnit.objects.filter(reduce(or_, wanted)).order_by("path"))
            tops = [u for u in units if u.path in paths]
        else:
            return None, [], []
        if len(tops) != 1:
            return None, tops, []
        unit = tops[0]
    children = [u for u in units if u.depth == unit.depth + 1 and u.path.startswith(unit.path)]
    ancestors = [u for u in units if u.depth < unit.depth and unit.path.startswith(u.path)]
    return unit, children, _visible(viewer, [*ancestors, unit])


def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(_STEP, len(path), _STEP)]


def _visible(viewer: User | None, chain: list[OrgUnit]) -> list[OrgUnit]:
    """The units of ``chain`` the viewer may open (all for ``viewer=None``), by the scope rule."""
    if viewer is None:
        return chain
    return [u for u in chain if can_view_unit(viewer, u)]
