"""The directory's units onto the org tree: what to create, recode, rename or move, checked before any write.

A directory unit is matched to a platform unit by its code; failing that, a
platform unit at the same path whose code the directory does not use takes the
directory's code (units first entered by the staff import get generated codes).
Everything else is new. The whole tree the sync would leave is worked out first:
two units ending at the same path are a problem naming the entry, and nothing is
written. Units the directory does not have are left alone and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts import drilldown
from accounts.models import OrgUnit
from accounts.services.org_tree import move_unit, parent_ids, resave_full_paths
from core.xlsx import ImportProblem
from directory.importers.staff import unit_kind

from .ldap import DirectoryRecord, DirectorySnapshot, rdn_values

UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
NAME_MAX = OrgUnit._meta.get_field("name").max_length
PATH_MAX = OrgUnit._meta.get_field("full_path").max_length
#: The full path a unit being renamed or moved holds until its new one is written (paths are unique).
_TEMPORARY_PATH = "#directory-sync#{pk}"


@dataclass
class DirectoryUnit:
    """A unit entry of the directory, placed in the directory's own tree."""

    record: DirectoryRecord
    code: str
    name: str
    parent: DirectoryUnit | None
    #: its names from the top down, ``/``-separated ("喀什地区/莎车县"), as ``OrgUnit.full_path``
    full_path: str
    #: how deep it is in the directory: 1 for a top unit
    level: int


@dataclass
class UnitPlan:
    """The units as the directory has them and what applying them changes."""

    units: list[DirectoryUnit] = field(default_factory=list)
    by_code: dict[str, DirectoryUnit] = field(default_factory=dict)
    by_key: dict[tuple, DirectoryUnit] = field(default_factory=dict)
    #: directory code → the platform unit it is (matched by code, or by path and recoded)
    matched: dict[str, OrgUnit] = field(default_factory=dict)
    #: ``(path, old code, new code)``
    recoded: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(path, code)``
    created: list[tuple[str, str]] = field(default_factory=list)
    #: ``(code, old path, new path)``
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(path, code, active people)``: platform units the directory does not have
    missing: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    #: platform unit pk → the full path it ends with, for the units whose path changes
    _final_paths: dict[int, str] = field(default_factory=dict)
    #: ``(code, parent code or None)`` of matched units to move or rename
    _moves: list[tuple[str, str | None]] = field(default_factory=list)

    def unit_of(self, record: DirectoryRecord) -> DirectoryUnit | None:
        """The nearest unit above an entry in the DN tree (a person filed under their unit)."""
        for depth in range(1, len(record.key)):
            unit = self.by_key.get(record.key[depth:])
            if unit is not None:
                return unit
        return None


def _one_name(record: DirectoryRecord) -> str:
    """An entry named ``ou=莎车县`` may hold more names; the one in its DN is the one meant."""
    names = record.values.get("name", [])
    if len(names) > 1:
        own = rdn_values(record.dn)
        for name in names:
            if name.lower() in own:
                return name
    return names[0] if names else ""


def read_units(snapshot: DirectorySnapshot, attributes: dict[str, str]) -> UnitPlan:
    """The directory's unit tree, each entry checked on its own (codes, names, paths)."""
    plan = UnitPlan()
    code_attribute, name_attribute = attributes["code"], attributes["name"]
    seen_paths: dict[str, DirectoryUnit] = {}
    for record in sorted(snapshot.units, key=lambda r: (len(r.key), tuple(reversed(r.key)))):

        def bad(message: str, attribute: str | None = None, _record=record) -> None:
            plan.problems.append(ImportProblem(message, column=attribute, entry=_record.dn))

        codes = record.values.get("code", [])
        code = codes[0] if len(codes) == 1 else ""
        if not codes:
            bad(_("缺少单位代码。"), code_attribute)
        elif len(codes) > 1:
            bad(
                _("有 %(n)s 个单位代码（%(values)s），只能有一个。") % {"n": len(codes), "values": "、".join(codes)},
                code_attribute,
            )
        elif not UNIT_CODE_RE.match(code):
            bad(
                _("单位代码“%(v)s”格式不对：只能是字母、数字、点、下划线或短横线，最长 32 位。") % {"v": code},
                code_attribute,
            )
        elif code in plan.by_code:
            bad(
                _("单位代码“%(v)s”与条目“%(dn)s”重复。") % {"v": code, "dn": plan.by_code[code].record.dn},
                code_attribute,
            )
            code = ""

        name = _one_name(record)
        if not name:
            bad(_("单位名称不能为空。"), name_attribute)
        elif "/" in name:
            bad(_("单位名称“%(v)s”不能含有“/”（平台用它分隔单位路径）。") % {"v": name}, name_attribute)
        elif len(name) > NAME_MAX:
            bad(_("单位名称过长（最多 %(n)s 个字）。") % {"n": NAME_MAX}, name_attribute)

        parent = plan.unit_of(record)
        path = f"{parent.full_path}/{name}" if parent else name
        unit = DirectoryUnit(record, code, name, parent, path, parent.level + 1 if parent else 1)
        if name and path in seen_paths:
            bad(
                _("单位路径“%(v)s”与条目“%(dn)s”重复。") % {"v": path, "dn": seen_paths[path].record.dn}, name_attribute
            )
        elif len(path) > PATH_MAX:
            bad(_("单位路径过长（最多 %(n)s 个字）。") % {"n": PATH_MAX}, name_attribute)
        seen_paths.setdefault(path, unit)
        plan.by_key[record.key] = unit
        if code:
            plan.by_code.setdefault(code, unit)
        plan.units.append(unit)
    return plan


def match_units(plan: UnitPlan) -> None:
    """Match the directory's units to the platform's and check the tree the sync would leave."""
    if plan.problems:
        return
    platform = list(OrgUnit.objects.order_by(drilldown.tree_order(None)))
    by_code = {u.code: u for u in platform}
    by_path = {u.full_path: u for u in platform}
    parents = parent_ids()
    # Every unit's parent and name as the sync leaves them; new units are "new:<code>".
    parent_of: dict[int | str, int | str | None] = {}
    name_of: dict[int | str, str] = {}
    for unit in platform:
        parent_of[unit.pk] = parents[unit.pk]
        name_of[unit.pk] = unit.name

    def node_of(directory_unit: DirectoryUnit) -> int | str:
        unit = plan.matched.get(directory_unit.code)
        return unit.pk if unit is not None else f"new:{directory_unit.code}"

    directory_nodes: dict[int | str, DirectoryUnit] = {}
    for directory_unit in plan.units:  # parents first
        unit = by_code.get(directory_unit.code)
        if unit is None:
            candidate = by_path.get(directory_unit.full_path)
            if candidate is not None and candidate.code not in plan.by_code:
                unit = candidate
                plan.recoded.append((directory_unit.full_path, candidate.code, directory_unit.code))
        if unit is None:
            plan.created.append((directory_unit.full_path, directory_unit.code))
        else:
            plan.matched[directory_unit.code] = unit
        node = node_of(directory_unit)
        parent = node_of(directory_unit.parent) if directory_unit.parent else None
        if unit is not None and (parent_of[node] != parent or name_of[node] != directory_unit.name):
            plan._moves.append((directory_unit.code, directory_unit.parent.code if directory_unit.parent else None))
        parent_of[node], name_of[node] = parent, directory_unit.name
        directory_nodes[node] = directory_unit

    final: dict[int | str, str] = {}

    def final_path(node: int | str) -> str:
        if node not in final:
            above = parent_of[node]
            final[node] = f"{final_path(above)}/{name_of[node]}" if above is not None else name_of[node]
        return final[node]

    units_by_pk = {u.pk: u for u in platform}
    owners: dict[str, int | str] = {}
    for node in parent_of:
        other = owners.setdefault(final_path(node), node)
        if other == node:
            continue
        # Directory paths are unique among themselves: a clash is a directory unit meeting a platform one.
        named = directory_nodes.get(node) or directory_nodes.get(other)
        platform_unit = units_by_pk.get(other) if node in directory_nodes else units_by_pk.get(node)
        if named is not None and platform_unit is not None:
            plan.problems.append(
                ImportProblem(
                    _(
                        "单位路径“%(path)s”在同步后会与平台上的单位“%(other)s”（代码 %(code)s）重复；请先在后台调整该单位。"
                    )
                    % {"path": final_path(node), "other": platform_unit.full_path, "code": platform_unit.code},
                    entry=named.record.dn,
                )
            )

    for unit in platform:
        if final_path(unit.pk) != unit.full_path:
            plan._final_paths[unit.pk] = final_path(unit.pk)
    for directory_unit in plan.units:
        unit = plan.matched.get(directory_unit.code)
        if unit is not None and unit.pk in plan._final_paths:
            plan.changed.append((directory_unit.code, unit.full_path, directory_unit.full_path))

    directory_pks = {u.pk for u in plan.matched.values()}
    absent = [u for u in platform if u.pk not in directory_pks]
    if absent:
        counts = dict(
            OrgUnit.objects.filter(pk__in=[u.pk for u in absent])
            .annotate(active=Count("members", filter=Q(members__is_active=True)))
            .values_list("pk", "active")
        )
        plan.missing = [(u.full_path, u.code, counts.get(u.pk, 0)) for u in absent]


def apply_units(plan: UnitPlan) -> None:
    """Write the plan (inside the caller's transaction): recode, create, move and rename, then the paths."""
    for _path, old, new in plan.recoded:
        OrgUnit.objects.filter(code=old).update(code=new)
    changing = list(plan._final_paths)
    for pk in changing:
        OrgUnit.objects.filter(pk=pk).update(full_path=_TEMPORARY_PATH.format(pk=pk))

    created_codes = {code for _path, code in plan.created}
    for directory_unit in plan.units:  # parents first
        if directory_unit.code not in created_codes:
            continue
        fields = {
            "name": directory_unit.name,
            "code": directory_unit.code,
            "kind": unit_kind(directory_unit.level, directory_unit.name),
        }
        if directory_unit.parent is None:
            unit = OrgUnit.add_root(**fields)
        else:
            parent = OrgUnit.objects.get(code=directory_unit.parent.code)
            unit = parent.add_child(**fields)
        plan.matched[directory_unit.code] = unit
        changing.append(unit.pk)

    for code, parent_code in plan._moves:
        unit = OrgUnit.objects.get(code=code)
        name = plan.by_code[code].name
        if unit.name != name:
            OrgUnit.objects.filter(pk=unit.pk).update(name=name)
        move_unit(unit, OrgUnit.objects.get(code=parent_code) if parent_code is not None else None)

    # Full paths, parents first: ``save`` works each out from the parent's.
    resave_full_paths(changing)
