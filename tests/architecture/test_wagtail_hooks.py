"""Each app registers its Wagtail admin from one module, ``<app>/wagtail_hooks.py``, and that module only
registers: the pages live in the app's admin package, their rules in its services and selectors.

Read with ``ast``/file names, so a second hooks module (``wagtail_hooks_exams.py``), a hooks module that
queries models, or a ``hooks.register`` in some other module fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(path.parent for path in ROOT.glob("*/apps.py"))

#: Attribute names that mean a model query (``X.objects.…``, ``qs.filter(…)``).
QUERY_ATTRS = {
    "objects",
    "filter",
    "exclude",
    "annotate",
    "aggregate",
    "select_related",
    "prefetch_related",
    "values_list",
    "raw",
}
#: Modules other than ``wagtail_hooks.py`` that still register Wagtail hooks (to be removed, never added to).
KNOWN_REGISTERING: set[str] = set()
REGISTERING = {"register_snippet", "register_permission_policy"}


def _queries(tree: ast.AST) -> list[str]:
    return sorted(
        f"line {node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in QUERY_ATTRS
    )


def _registers(tree: ast.AST) -> bool:
    """Whether the module registers with Wagtail (``hooks.register``, ``register_snippet``, a permission policy)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "register":
            if isinstance(node.value, ast.Name) and node.value.id == "hooks":
                return True
        if isinstance(node, ast.Name) and node.id in REGISTERING:
            return True
    return False


def _python_files():
    for app in APPS:
        for path in sorted(app.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path


def test_the_apps_are_found():
    assert {"exams", "cms"} <= {app.name for app in APPS}


def test_each_app_has_one_hooks_module_at_its_top():
    strays = [name for name, path in _python_files() if path.name.startswith("wagtail_hooks")]
    strays = [name for name in strays if name.count("/") != 1 or not name.endswith("/wagtail_hooks.py")]
    assert not strays, f"register everything from <app>/wagtail_hooks.py instead of: {strays}"


def test_hooks_modules_do_not_query_models():
    found = {}
    for name, path in _python_files():
        if path.name == "wagtail_hooks.py":
            queries = _queries(ast.parse(path.read_text(encoding="utf-8")))
            if queries:
                found[name] = queries
    assert not found, f"a hooks module only registers; query in a selector instead: {found}"


def test_only_hooks_modules_register_with_wagtail():
    found = {
        name
        for name, path in _python_files()
        if path.name != "wagtail_hooks.py" and _registers(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert found <= KNOWN_REGISTERING, f"register from <app>/wagtail_hooks.py: {sorted(found - KNOWN_REGISTERING)}"
    assert KNOWN_REGISTERING <= found, f"no longer registers, remove from the list: {KNOWN_REGISTERING - found}"


def test_the_checks_see_what_they_look_for():
    querying = ast.parse(
        "from wagtail import hooks\n"
        "@hooks.register('construct_main_menu')\n"
        "def hide(request, items):\n"
        "    if Exam.objects.exists():\n"
        "        items[:] = []\n"
        "def rows(qs):\n"
        "    return qs.filter(is_published=True)\n"
    )
    assert _queries(querying) == ["line 4: .objects", "line 7: .filter"]
    assert _registers(querying)
    clean = ast.parse("def hide(request, items):\n    items[:] = [i for i in items if i.name != 'help']\n")
    assert _queries(clean) == [] and not _registers(clean)
