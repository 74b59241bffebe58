"""Which article of a law's new version continues each article of an older one.

An amendment rarely keeps every article where it was: 行政复议法 grew from 43
articles (2017) to 90 (2023), so its 第九条 (the sixty-day limit to apply) became
第二十条 and the old 第九条's number now holds something else entirely. Matching by
number alone would tell a lesson that cites the old 第九条 that nothing changed, or
point a learner at an unrelated article. So articles are matched in passes, the
surest first, each article taking part in at most one match until the last pass:

1. **Unchanged** — same number and the same words. Words are compared without
   whitespace and punctuation, so a re-typeset comma or a full-width colon is not
   an amendment (nothing a trainer would need to rewrite).
2. **Moved, same words** — the same words under another number (renumbered).
3. **Best match** — the remaining pairs scored by how many character pairs
   (bigrams, the unit Chinese search uses too) they share: the *Dice* coefficient
   ``2·|A∩B| / (|A|+|B|)``, and the *containment* ``|A∩B| / |A|`` of the old text
   in the new one (an article that grew by a clause still contains most of its old
   words). A pair counts when Dice ≥ ``MATCH_DICE`` or containment ≥
   ``MATCH_CONTAINMENT``; the best-scoring pairs are taken first, ties going to the
   same number, then to the nearest number. Same number → *changed*; another number
   → *moved* (with its text changed or not).
4. **Rewritten in place** — an old and a new article still unmatched that sit in
   the same one-article gap between articles already matched (or at the same end of
   the law) are the same article rewritten, however little of the wording survived.
5. **Merged** — an old article still unmatched whose words are largely contained
   (``MATCH_CONTAINMENT``) in an already matched new article was merged into it.
6. Anything left is **repealed**: the new version has no article that continues it.

Every result but *unchanged* means that content citing the old article should be
looked at again (``cms.laws.flags``). The matching is pure (plain data in, plain
data out); ``compare_versions`` stores its result for two ``LawVersion`` rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

#: A pair whose bigram Dice coefficient reaches this is the same article reworded.
MATCH_DICE = 0.5
#: …or whose old text survives to this share inside the new one (a clause was added).
MATCH_CONTAINMENT = 0.7

#: What is dropped before words are compared: whitespace and punctuation (ASCII and CJK).
_NOT_WORDS_RE = re.compile(r"[\s\u3000\W_]+", re.UNICODE)

UNCHANGED = "unchanged"
CHANGED = "changed"
MOVED = "moved"
REPEALED = "repealed"


@dataclass(frozen=True)
class ArticleText:
    """What the matching needs of an article: an identity, its number and its text."""

    id: int
    number: int
    sub_number: int
    text: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.number, self.sub_number)


@dataclass(frozen=True)
class Correspondence:
    """How ``old`` continues in the new version: ``new`` is ``None`` when it was repealed."""

    old: ArticleText
    new: ArticleText | None
    kind: str
    similarity: float

    @property
    def amended(self) -> bool:
        return self.kind != UNCHANGED


def words(text: str) -> str:
    """The text without whitespace and punctuation: what decides whether two articles say the same."""
    return _NOT_WORDS_RE.sub("", text)


def bigrams(text: str) -> frozenset[str]:
    plain = words(text)
    if len(plain) < 2:
        return frozenset({plain}) if plain else frozenset()
    return frozenset(plain[i : i + 2] for i in range(len(plain) - 1))


def _kind(old: ArticleText, new: ArticleText) -> str:
    return CHANGED if old.key == new.key else MOVED


def match_articles(old: Sequence[ArticleText], new: Sequence[ArticleText]) -> list[Correspondence]:
    """One ``Correspondence`` per old article, in the old version's order."""
    old = sorted(old, key=lambda a: a.key)
    new = sorted(new, key=lambda a: a.key)
    result: dict[int, Correspondence] = {}
    taken: set[int] = set()  # ids of new articles already continuing an old one

    def take(o: ArticleText, n: ArticleText, kind: str, similarity: float) -> None:
        result[o.id] = Correspondence(old=o, new=n, kind=kind, similarity=round(similarity, 3))
        taken.add(n.id)

    # 1. Unchanged: same number, same words.
    new_by_key = {n.key: n for n in new}
    for o in old:
        n = new_by_key.get(o.key)
        if n is not None and words(n.text) == words(o.text):
            take(o, n, UNCHANGED, 1.0)

    # 2. Same words under another number; the nearest number wins when several carry them.
    by_words: dict[str, list[ArticleText]] = defaultdict(list)
    for n in new:
        if n.id not in taken:
            by_words[words(n.text)].append(n)
    for o in old:
        if o.id in result:
            continue
        candidates = [n for n in by_words.get(words(o.text), ()) if n.id not in taken]
        if candidates:
            n = min(candidates, key=lambda c: abs(c.number - o.number))
            take(o, n, _kind(o, n), 1.0)

    # 3. Best-scoring pairs of what is left (one-to-one).
    grams = {a.id: bigrams(a.text) for a in (*old, *new)}
    scores = _scores([o for o in old if o.id not in result], [n for n in new if n.id not in taken], grams)
    ranked = sorted(
        (
            (o, n, dice)
            for (o, n), (dice, containment) in scores.items()
            if dice >= MATCH_DICE or containment >= MATCH_CONTAINMENT
        ),
        key=lambda row: (
            -max(row[2], scores[(row[0], row[1])][1]),  # best score first
            row[0].key != row[1].key,  # then the same number
            abs(row[0].number - row[1].number),  # then the nearest number
            row[0].key,
            row[1].key,
        ),
    )
    for o, n, dice in ranked:
        if o.id not in result and n.id not in taken:
            take(o, n, _kind(o, n), dice)

    # 4. Rewritten in place: one unmatched article on each side, between the same matched neighbours.
    position = {n.id: index for index, n in enumerate(new)}
    for index, o in enumerate(old):
        if o.id in result:
            continue
        before = _matched_position(old, index - 1, result, position, edge=-1)
        after = _matched_position(old, index + 1, result, position, edge=len(new))
        if before is None or after is None or after - before != 2:
            continue
        n = new[before + 1]
        if n.id not in taken:
            take(o, n, _kind(o, n), _dice(grams[o.id], grams[n.id]))

    # 5. Merged into an article that already continues another one.
    for o in old:
        if o.id in result or not grams[o.id]:
            continue
        best = max(
            ((len(grams[o.id] & grams[n.id]) / len(grams[o.id]), -abs(n.number - o.number), n) for n in new),
            key=lambda row: (row[0], row[1]),
            default=None,
        )
        if best is not None and best[0] >= MATCH_CONTAINMENT:
            n = best[2]
            result[o.id] = Correspondence(old=o, new=n, kind=_kind(o, n), similarity=round(best[0], 3))

    # 6. Repealed.
    return [result.get(o.id) or Correspondence(old=o, new=None, kind=REPEALED, similarity=0.0) for o in old]


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def _scores(
    old: Iterable[ArticleText], new: Iterable[ArticleText], grams: dict[int, frozenset[str]]
) -> dict[tuple[ArticleText, ArticleText], tuple[float, float]]:
    """Dice and containment of every pair sharing a bigram, through an inverted index (no all-pairs loop)."""
    postings: dict[str, list[ArticleText]] = defaultdict(list)
    for n in new:
        for gram in grams[n.id]:
            postings[gram].append(n)
    scores = {}
    for o in old:
        mine = grams[o.id]
        if not mine:
            continue
        shared: dict[int, int] = defaultdict(int)
        articles: dict[int, ArticleText] = {}
        for gram in mine:
            for n in postings.get(gram, ()):
                shared[n.id] += 1
                articles[n.id] = n
        for nid, count in shared.items():
            theirs = grams[nid]
            scores[(o, articles[nid])] = (2 * count / (len(mine) + len(theirs)), count / len(mine))
    return scores


def _matched_position(
    old: Sequence[ArticleText], index: int, result: dict[int, Correspondence], position: dict[int, int], *, edge: int
) -> int | None:
    """Where the old article at ``index`` went in the new version; ``edge`` past either end; None if unmatched."""
    if index < 0 or index >= len(old):
        return edge
    match = result.get(old[index].id)
    if match is None or match.new is None:
        return None
    return position[match.new.id]


# --- Stored comparisons -----------------------------------------------------------------------------


def compare_versions(old_version, new_version) -> tuple[object, bool]:
    """Store how ``old_version``'s articles continue in ``new_version``; return (comparison, recomputed).

    Idempotent: a comparison is recomputed only when either text changed since it
    was made (the versions' content hashes), so re-running an import writes nothing.
    """
    from cms.models import LawArticle, LawArticleChange, LawVersionComparison

    comparison = LawVersionComparison.objects.filter(old_version=old_version, new_version=new_version).first()
    hashes = (old_version.content_hash, new_version.content_hash)
    if comparison is not None and (comparison.old_content_hash, comparison.new_content_hash) == hashes:
        return comparison, False
    with transaction.atomic():
        if comparison is None:
            comparison = LawVersionComparison(old_version=old_version, new_version=new_version)
        comparison.old_content_hash, comparison.new_content_hash = hashes
        comparison.save()
        comparison.changes.all().delete()
        fields = ("id", "number", "sub_number", "text")
        old = [ArticleText(*row) for row in LawArticle.objects.filter(version=old_version).values_list(*fields)]
        new = [ArticleText(*row) for row in LawArticle.objects.filter(version=new_version).values_list(*fields)]
        LawArticleChange.objects.bulk_create(
            [
                LawArticleChange(
                    comparison=comparison,
                    old_article_id=match.old.id,
                    new_article_id=match.new.id if match.new else None,
                    kind=match.kind,
                    similarity_percent=round(match.similarity * 100),
                )
                for match in match_articles(old, new)
            ],
            batch_size=500,
        )
    return comparison, True
