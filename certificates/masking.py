"""How the public verification page shows a holder's name: enough to match a face, not to harvest.

* one character: ``*``
* two characters: the first kept — 张三 → 张*
* three or more: first and last kept — 张小三 → 张*三, 欧阳小明 → 欧**明
* names in parts (Uyghur 艾力·买买提, or Latin names with spaces): the first
  part keeps its first character, the last part (the father's name) is kept,
  parts in between are hidden — 艾力·买买提 → 艾*·买买提,
  阿卜杜拉·艾力·买买提 → 阿***·**·买买提
"""

from __future__ import annotations

import re

SEPARATORS = re.compile(r"([·•・.．\s]+)")


def _mask_run(text: str, keep_first: bool = True) -> str:
    if not text:
        return text
    return (text[0] + "*" * (len(text) - 1)) if keep_first else "*" * len(text)


def mask_name(name: str) -> str:
    name = (name or "").strip()
    parts = SEPARATORS.split(name)
    if len(parts) >= 3:
        words = parts[0::2]
        seps = parts[1::2]
        masked = [_mask_run(words[0])] + [_mask_run(w, keep_first=False) for w in words[1:-1]] + [words[-1]]
        out = masked[0]
        for sep, word in zip(seps, masked[1:], strict=True):
            out += ("·" if sep.strip() else " ") + word
        return out
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
