"""Every string of the Wagtail admin has a Chinese translation, Wagtail's or ours.

Wagtail's own zh_Hans catalogues lack a fifth of its msgids (new strings of each
release), which then show in English on the Chinese admin ("1-4 of 4 页面").
``locale/zh_Hans/`` holds those; after a Wagtail upgrade this test lists what is new.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
import wagtail
from django.utils import translation

WAGTAIL = Path(wagtail.__file__).parent
OURS = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _keys(path: Path) -> set[tuple[str | None, str]]:
    if not path.exists():
        return set()
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if e.translated() and not e.obsolete}


def untranslated(domain: str) -> list[str]:
    ours = _keys(OURS / f"{domain}.po")
    missing = []
    for english in sorted(WAGTAIL.rglob(f"locale/en/LC_MESSAGES/{domain}.po")):
        chinese = _keys(Path(str(english).replace("/en/", "/zh_Hans/")))
        for entry in polib.pofile(str(english)):
            key = (entry.msgctxt, entry.msgid)
            if not entry.obsolete and key not in chinese and key not in ours:
                missing.append(f"{english.relative_to(WAGTAIL).parts[0]}: {entry.msgid[:80]!r}")
    return missing


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_wagtail_string_has_chinese(domain):
    missing = untranslated(domain)
    assert not missing, f"add to locale/zh_Hans/LC_MESSAGES/{domain}.po: {missing[:20]} (+{max(0, len(missing) - 20)})"


def test_the_page_count_of_the_explorer_is_chinese():
    with translation.override("zh-hans"):
        text = translation.gettext("%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s")
    assert " of " not in text
    assert "%(items_count)s" in text


def test_our_catalogue_keeps_every_placeholder():
    for domain in ("django", "djangojs"):
        for entry in polib.pofile(str(OURS / f"{domain}.po")):
            source = entry.msgid_plural or entry.msgid
            target = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
            assert sorted(_placeholders(source)) == sorted(_placeholders(target)), entry.msgid


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}|</?[a-z][^>]*>", text)
