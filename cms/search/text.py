"""Text normalisation and tokenisation shared by indexing and querying.

Both sides must cut text the same way, so this is the one place that does it.
CJK runs become overlapping character bigrams (行政处罚 → 行政 政处 处罚): they need no
dictionary, never miss a word the segmenter does not know, and any two-or-more
character query is found through them. Latin letters and digits become words.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN_RE = re.compile(rf"[{CJK}]+|[0-9a-z]+")
CJK_RE = re.compile(rf"^[{CJK}]+$")
MAX_TOKEN = 40


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().lower()


def tokens(text: str) -> set[str]:
    """The index tokens of already-normalised ``text``."""
    result: set[str] = set()
    for run in RUN_RE.findall(text):
        if CJK_RE.match(run):
            if len(run) == 1:
                continue  # single characters are matched by substring only
            result.update(run[i : i + 2] for i in range(len(run) - 1))
        else:
            result.add(run[:MAX_TOKEN])
    return result


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def query_terms(query: str) -> list[str]:
    """Cut a user's query into terms that must all occur.

    Long CJK runs are segmented with jieba so that 处罚听证 finds a text that
    says 处罚 in one place and 听证 in another; single-character function words
    (的, 和) are dropped when longer words remain.
    """
    terms: list[str] = []
    for run in RUN_RE.findall(normalize(query)):
        if CJK_RE.match(run) and len(run) > 2:
            words = [w for w in _jieba().lcut(run) if w.strip()]
            longer = [w for w in words if len(w) > 1]
            terms.extend(longer or words)
        else:
            terms.append(run[:MAX_TOKEN])
    return list(dict.fromkeys(terms))
