"""Outside ``accounts/``, no code reads the org tree's layout: it asks ``accounts.drilldown``.

``OrgUnit`` is a treebeard materialised path (``path``, ``depth``, ``numchild``,
``steplen``). Reports that walk the tree or roll figures up per unit call
``accounts.drilldown`` (who may see what: ``accounts.scope``), so the layout can
change in one place. Every module of every app but ``accounts`` (migrations
aside) is read with ``ast``; one that reads the layout fails here unless
``ALLOWED`` lists it. The list only shrinks: an entry that no longer reads the
layout (or no longer exists) fails too.

Reading the layout is any of:

* a lookup through a relation to ``OrgUnit`` into its layout, in a keyword or a
  string (``org_unit__path__startswith=``, ``"user__org_unit__path"``,
  ``orgunit__path__in=``), or a layout lookup glued on in an f-string
  (``f"{field}__path__startswith"``);
* in a module that names ``OrgUnit``, a lookup on the layout itself, as a
  keyword or a call's argument (``path__startswith=``, ``depth__lte=``,
  ``order_by("path")``);
* treebeard's API or the layout fields on ``OrgUnit`` (``OrgUnit.steplen``,
  ``OrgUnit.get_root_nodes()``) or on anything named for a unit
  (``unit.get_children()``, ``person.org_unit.path``, ``units[0].depth``);
* SQL naming the ``accounts_orgunit`` table.

Docstrings are not read. The relations to ``OrgUnit`` are taken from the model
registry, so a new one is covered without editing this test.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from treebeard.mp_tree import MP_Node

from accounts.models import OrgUnit

ROOT = Path(__file__).resolve().parents[2]
OWNER = "accounts"  # the app that owns the tree: accounts/drilldown.py and accounts/scope.py

#: file → why it may still read the layout (to be removed, never added to).
ALLOWED: dict[str, str] = {}

LAYOUT_FIELDS = frozenset({"path", "depth", "numchild"})
#: Treebeard's API on a node: its navigation and layout (what building a tree calls is not reading it).
TREE_API = frozenset(
    name for name in set(dir(MP_Node)) - set(dir(models.Model)) if not name.startswith("_") and name[0].islower()
) - {"objects", "add_child", "add_root", "add_sibling", "move", "load_bulk"}
TABLE = OrgUnit._meta.db_table
OWN_LOOKUP = re.compile(r"-?(path|depth|numchild)(__\w+)?")
WORD = re.compile(r"[A-Za-z_]\w*")


@cache
def unit_relations() -> frozenset[str]:
    """Names of the fields pointing at ``OrgUnit``: ``org_unit``, ``scope_units``, ``orgunit`` (M2M tables) …"""
    names = {"org_unit", "orgunit"}
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.get_fields():
            if f.is_relation and not f.auto_created and f.related_model is OrgUnit:
                names.add(f.name)
    return frozenset(names)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _call_arguments(tree: ast.AST) -> set[int]:
    return {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call) for arg in node.args}


def _unit_names(tree: ast.AST) -> set[str]:
    """The names ``OrgUnit`` goes by in the module (empty when the module does not name it)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "OrgUnit"}
        elif isinstance(node, ast.Attribute) and node.attr == "OrgUnit":
            names.add(ast.unparse(node))
        elif isinstance(node, ast.Constant) and node.value in ("OrgUnit", "accounts.OrgUnit"):
            names.add("OrgUnit")
    return names


def _relation_lookup(text: str) -> str | None:
    relations = unit_relations()
    for word in WORD.findall(text):
        parts = word.split("__")
        for before, after in zip(parts, parts[1:], strict=False):
            if after in LAYOUT_FIELDS and (before in relations or before == ""):
                return word
    return None


def layout_reads(source: str) -> list[str]:
    """Where ``source`` reads the org tree's layout: ``"line: what"`` for each read."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    arguments = _call_arguments(tree)
    unit_names = _unit_names(tree)
    found = []

    def lookup(node: ast.AST, text: str, *, is_lookup: bool) -> None:
        if word := _relation_lookup(text):
            found.append(f"{node.lineno}: lookup {word!r} into the org tree")
        elif unit_names and is_lookup and OWN_LOOKUP.fullmatch(text):
            found.append(f"{node.lineno}: lookup {text!r} on OrgUnit's layout")
        elif TABLE in text:
            found.append(f"{node.lineno}: SQL on {TABLE}")

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg:
            lookup(node.value, node.arg, is_lookup=True)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            lookup(node, node.value, is_lookup=id(node) in arguments)
        elif isinstance(node, ast.Attribute) and node.attr in TREE_API:
            receiver = ast.unparse(node.value)
            if receiver in unit_names or "unit" in receiver.lower():
                found.append(f"{node.lineno}: {receiver}.{node.attr}")
    return sorted(found, key=lambda read: int(read.split(":")[0]))


def _modules():
    for app_dir in sorted(path.parent for path in ROOT.glob("*/apps.py")):
        if app_dir.name == OWNER:
            continue
        for path in sorted(app_dir.rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


@cache
def readers() -> dict[str, list[str]]:
    return {name: reads for name, source in _modules() if (reads := layout_reads(source))}


def test_no_module_outside_accounts_reads_the_org_tree_layout():
    new = {name: reads for name, reads in readers().items() if name not in ALLOWED}
    assert not new, (
        "these modules read the org tree's layout: ask accounts.drilldown "
        f"(in_subtree_q, child_units, rollup_key, breadcrumbs, unit_labels …) instead: {new}"
    )


def test_the_allowlist_only_shrinks():
    gone = sorted(set(ALLOWED) - set(readers()))
    assert not gone, f"no longer read the org tree's layout (or moved), remove from ALLOWED: {gone}"


def test_the_sweep_reads_every_app_but_accounts():
    names = [name for name, _source in _modules()]
    assert "learning/selectors/compliance.py" in names and "exams/selectors/stats.py" in names
    assert not [name for name in names if name.startswith(f"{OWNER}/") or "/migrations/" in name]


@pytest.mark.parametrize(
    "snippet",
    [
        "qs.filter(org_unit__path__startswith=unit.path)",
        "qs.filter(Q(holder__org_unit__path__startswith=p))",
        'qs.values_list("pk", "user__org_unit__path")',
        'qs.order_by("-org_unit__depth")',
        "through.objects.filter(orgunit__path__in=paths)",
        "qs.filter(scope_units__path__startswith=p)",
        'Q(**{f"{prefix}__path__startswith": p})',
        'Substr("item__attempt__user__org_unit__path", 1, 8)',
        "from accounts.models import OrgUnit\nOrgUnit.objects.filter(depth__lte=2)",
        "from accounts.models import OrgUnit\nOrgUnit.objects.filter(path__in=paths)",
        'from accounts.models import OrgUnit\nOrgUnit.objects.values_list("path", "full_path")',
        'from accounts.models import OrgUnit\nOrgUnit.objects.order_by("path")',
        "from accounts.models import OrgUnit\nSTEP = OrgUnit.steplen",
        "from accounts.models import OrgUnit as Unit\nUnit.get_root_nodes()",
        "from accounts import models\nmodels.OrgUnit.get_root_nodes()",
        "children = unit.get_children()",
        "crumbs = person.org_unit.get_ancestors()",
        "mine = user.org_unit.path",
        "level = units[0].depth",
        'cursor.execute("SELECT o.path FROM accounts_orgunit o")',
    ],
)
def test_the_check_catches_reading_the_layout(snippet):
    assert layout_reads(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "qs.filter(drilldown.in_subtree_q(unit))",
        "qs.order_by(drilldown.tree_order(), 'employee_no')",
        'qs.values_list("org_unit__full_path", "org_unit__name", "org_unit__code")',
        "qs.filter(category__path__startswith=category.path)",  # a question category, not a unit
        "Page.objects.filter(path=lesson.path[: -Page.steplen], depth__gt=1)",  # pages, in a module without OrgUnit
        "siblings = QuestionCategory.get_root_nodes()",
        'def f():\n    """Rows of ``org_unit__path__startswith`` (a docstring)."""',
        "from accounts.models import OrgUnit\nOrgUnit.add_root(name=name, code=code, kind=kind)",
        'from accounts.models import OrgUnit\nPAGE_COLUMNS = frozenset({"live", "path", "depth"})',
        "from accounts.models import OrgUnit\nunit = OrgUnit.objects.get(code=code)\nunit.name, unit.full_path",
    ],
)
def test_the_check_leaves_other_trees_and_the_drilldown_alone(snippet):
    assert not layout_reads(snippet), snippet
