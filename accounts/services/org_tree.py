"""Reshaping the org tree: each unit's parent, moving a unit, its full path written again.

The tree is a treebeard materialised path (``OrgUnit.path``, ``depth``,
``steplen``); only ``accounts`` reads that layout
(``tests/accounts/test_tree_layout_private.py``). Reading the tree for reports
is ``accounts.drilldown``'s; this module is the one place that renames and moves
units, so that every full path below a changed unit follows it: the Django admin
(``accounts.admin.OrgUnitAdmin``: its form and its drag-and-drop) calls
``change_unit``, the directory sync (``directory.sync.units``) the building blocks
(``move_unit``, ``resave_full_paths``) inside its own transaction. Creating a unit
needs nothing here: ``OrgUnit.add_root`` and ``unit.add_child`` name no layout.

``change_unit`` is one transaction; the other functions run inside the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from accounts.models import OrgUnit

#: What separates the names of a full path (``喀什地区/莎车县/…``): never part of a name.
PATH_SEPARATOR = "/"
PATH_MAX = OrgUnit._meta.get_field("full_path").max_length


class UnitChangeRefused(Exception):
    """A rename or move the tree cannot take; the message says why, naming the unit in the way."""


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


def subtree_ids(unit: OrgUnit) -> list[int]:
    """The pks of every unit below ``unit`` (not ``unit`` itself), in one query."""
    return list(unit.get_descendants().values_list("pk", flat=True))


def _new_paths(unit: OrgUnit | None, name: str, parent: OrgUnit | None) -> tuple[str, dict[int, str]]:
    """The full path ``unit`` would have, and those of the units below it: ``(its path, {pk: path})``."""
    new_path = f"{parent.full_path}{PATH_SEPARATOR}{name}" if parent else name
    if unit is None or unit.pk is None:
        return new_path, {}
    below = unit.get_descendants().values_list("pk", "full_path")
    return new_path, {pk: new_path + path[len(unit.full_path) :] for pk, path in below}


def check_unit_change(*, unit: OrgUnit | None, name: str, parent: OrgUnit | None) -> None:
    """Refuse (``UnitChangeRefused``) a name and parent the tree cannot take for ``unit`` (``None``: a new unit).

    The parent may not be the unit or lie below it; the name may not hold the path
    separator; no full path it leads to (the unit's, and each one below it) may be
    another unit's or longer than a full path can be. Reads only: the admin's form
    asks it to show the reason beside the form, ``change_unit`` again before writing.
    """
    name = name.strip()
    if not name or PATH_SEPARATOR in name:
        raise UnitChangeRefused(_("单位名称不能为空，也不能含有“/”（它分隔完整路径中的各级单位）。"))
    if unit is not None and unit.pk is not None:
        unit = OrgUnit.objects.get(pk=unit.pk)
    if parent is not None:
        parent = OrgUnit.objects.get(pk=parent.pk)
        if unit is not None and unit.pk is not None and (parent.pk == unit.pk or parent.is_descendant_of(unit)):
            raise UnitChangeRefused(_("不能把单位移到它自己或它的下级单位之下。"))
    new_path, below = _new_paths(unit, name, parent)
    paths = [new_path, *below.values()]
    longest = max(paths, key=len)
    if len(longest) > PATH_MAX:
        raise UnitChangeRefused(_("改后的完整路径“%(path)s”超过 %(max)s 个字。") % {"path": longest, "max": PATH_MAX})
    others = OrgUnit.objects.filter(full_path__in=paths)
    if unit is not None and unit.pk is not None:
        others = others.exclude(pk__in=[unit.pk, *below])
    taken = others.order_by("full_path").values_list("full_path", flat=True).first()
    if taken is not None:
        raise UnitChangeRefused(_("已有单位的完整路径是“%(path)s”，不能再有一个。") % {"path": taken})


def _check_code(unit: OrgUnit | None, code: str) -> None:
    others = OrgUnit.objects.filter(code=code)
    if unit is not None and unit.pk is not None:
        others = others.exclude(pk=unit.pk)
    if others.exists():
        raise UnitChangeRefused(_("代码“%(code)s”已是另一个单位的代码。") % {"code": code})


def _reposition(unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Put ``unit`` among ``parent``'s children (or the roots) where its code sorts, even under the same parent."""
    unit.refresh_from_db(fields=["path", "depth", "numchild", "code"])
    if parent is None:
        unit.move(OrgUnit.get_first_root_node(), "sorted-sibling")
    else:
        parent.refresh_from_db(fields=["path", "depth", "numchild"])
        unit.move(parent, "sorted-child")


@transaction.atomic
def add_unit(*, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit:
    """Save the new ``unit`` (name, code and type filled in, not saved yet) under ``parent`` (``None``: at the top)."""
    unit.name = unit.name.strip()
    check_unit_change(unit=None, name=unit.name, parent=parent)
    _check_code(None, unit.code)
    if parent is None:
        return OrgUnit.add_root(instance=unit)
    parent.refresh_from_db(fields=["path", "depth", "numchild"])
    return parent.add_child(instance=unit)


@transaction.atomic
def change_unit(*, unit: OrgUnit, name: str, code: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    """Rename, recode or retype ``unit`` and put it under ``parent`` (``None``: at the top), subtree and all.

    Every unit below it gets its full path written again, parents first, in the
    same transaction: a county renamed in the admin is renamed in the path of each
    of its departments and townships too. Refused as ``check_unit_change`` says, or
    when the code is another unit's; then nothing is written. Returns the unit as saved.
    """
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    name = name.strip()
    check_unit_change(unit=unit, name=name, parent=parent)
    _check_code(unit, code)
    changing = [unit.pk, *subtree_ids(unit)]  # the same units after a move
    current = unit.get_parent(update=True)
    moves = (current.pk if current else None) != (parent.pk if parent else None) or code != unit.code
    OrgUnit.objects.filter(pk=unit.pk).update(name=name, code=code, kind=kind)
    if moves:
        _reposition(unit, parent)
    # Full paths are unique: park the old ones, so that no new path meets one not yet rewritten.
    OrgUnit.objects.filter(pk__in=changing).update(full_path=Concat(Value("#org-tree#"), Cast("pk", CharField())))
    resave_full_paths(changing)
    return OrgUnit.objects.get(pk=unit.pk)
