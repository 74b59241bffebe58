"""Reshaping the org tree: each unit's parent, moving a unit, its full path written again.

The tree is a treebeard materialised path (``OrgUnit.path``, ``depth``,
``steplen``); only ``accounts`` reads that layout
(``tests/accounts/test_tree_layout_private.py``). Reading the tree for reports
is ``accounts.drilldown``'s; this module is for code above ``accounts`` that
changes its shape — the directory sync (``directory.sync.units``) moving and
renaming units as the LDAP directory has them. Creating a unit needs nothing
here: ``OrgUnit.add_root`` and ``unit.add_child`` name no layout.

Every function runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import OrgUnit


def parent_ids() -> dict[int, int | None]:
    """Every unit's parent, in one query: ``{unit pk: parent pk}``, ``None`` for a root."""
    rows = list(OrgUnit.objects.values_list("pk", "path", "depth"))
    by_path = {path: pk for pk, path, _depth in rows}
    return {pk: by_path.get(path[: -OrgUnit.steplen]) if depth > 1 else None for pk, path, depth in rows}


def move_unit(unit: OrgUnit, parent: OrgUnit | None) -> bool:
    """Put ``unit``, with everything below it, under ``parent`` (``None``: make it a root).

    It takes its place among its new siblings in code order (``node_order_by``).
    A unit already under ``parent`` is left where it is. Both units' places are
    read again first, as an earlier move may have shifted them. Full paths are
    not rewritten here: call ``resave_full_paths`` with the moved units once all
    moves and renames are done. Returns whether the unit moved.
    """
    unit.refresh_from_db(fields=["path", "depth", "numchild"])
    current = unit.get_parent(update=True)
    if (current.pk if current else None) == (parent.pk if parent else None):
        return False
    if parent is None:
        unit.move(OrgUnit.get_first_root_node(), "sorted-sibling")
    else:
        parent.refresh_from_db(fields=["path", "depth", "numchild"])
        unit.move(parent, "sorted-child")
    return True


def resave_full_paths(pks: Iterable[int]) -> None:
    """Save these units again, parents before children, so each works out its ``full_path`` from its parent's.

    For units renamed or moved (a unit below one of them must be listed too:
    its full path names its ancestors). Each goes through ``OrgUnit.save``, not
    a bulk update, so a unit's ``post_save`` is sent as for any edit.
    """
    for unit in OrgUnit.objects.filter(pk__in=list(pks)).order_by("depth", "path"):
        unit.save()
