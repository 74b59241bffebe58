"""The apps depend on each other in one direction only, and never through ``import_module``/``find_spec``.

Every import of every module (also inside functions) is read with ``ast``; an
app may import only apps below it in ``LAYERS``. ``KNOWN`` lists the imports
that break the rule today, file by file, while the architecture work moves them
out: a new one fails this test, and so does an entry that no longer breaks the
rule (so the list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Bottom to top: an app may import the apps before it.
LAYERS = [
    "core",
    "accounts",
    "notifications",
    "jobs",
    "directory",
    "cms",
    "exams",
    "learning",
    "plans",
    "classroom",
    "certificates",
    "review",
    "demo",
]
RANK = {app: n for n, app in enumerate(LAYERS)}

#: file → apps above it that it imports today (to be removed, never added to).
KNOWN: dict[str, set[str]] = {}

#: Modules that still find another module by name at run time (to be removed, never added to).
KNOWN_DYNAMIC: set[str] = set()


def _modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield app, path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imported(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def upward_imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for app, name, tree in _modules():
        for module in _imported(tree):
            target = module.split(".")[0]
            if target in RANK and RANK[target] > RANK[app]:
                found.setdefault(name, set()).add(target)
    return found


def dynamic_imports() -> set[str]:
    found = set()
    for _app, name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute | ast.Name):
                if (node.attr if isinstance(node, ast.Attribute) else node.id) in ("import_module", "find_spec"):
                    found.add(name)
    return found


def test_every_app_is_known_to_the_layering():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= set(LAYERS), f"place the new app in LAYERS: {sorted(apps - set(LAYERS))}"


def test_no_app_imports_an_app_above_it():
    found = upward_imports()
    new = {name: targets - KNOWN.get(name, set()) for name, targets in found.items()}
    new = {name: targets for name, targets in new.items() if targets}
    assert not new, f"imports against the layering {LAYERS} (bottom first): {new}"
    gone = {name: targets - found.get(name, set()) for name, targets in KNOWN.items()}
    gone = {name: targets for name, targets in gone.items() if targets}
    assert not gone, f"no longer imported, remove from KNOWN: {gone}"


def test_no_module_is_found_by_name_at_run_time():
    found = dynamic_imports()
    assert found <= KNOWN_DYNAMIC, f"import_module/find_spec between apps: {sorted(found - KNOWN_DYNAMIC)}"
    assert KNOWN_DYNAMIC <= found, f"no longer used, remove from KNOWN_DYNAMIC: {sorted(KNOWN_DYNAMIC - found)}"
