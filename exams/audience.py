"""More people for an exam than its own audience, from the apps above ``exams``.

A study plan (学法清单) that lists an exam admits the plan's people to the exam and to its
make-ups, on top of the exam's own audience (``accounts.audience``). Plans live above
``exams`` in the app graph, so ``exams`` cannot ask them; the ``plans`` app registers the two
answers here from ``PlansConfig.ready`` instead:

* ``exam_ids_for_user(user) -> set[int]``: the exams that ``user`` is admitted to this way
  (their make-ups follow: ``exams.selectors.exams.in_audience``);
* ``people_for_exam(exam_id) -> Q | None``: a ``Q`` over ``User`` selecting the people admitted
  to ``exam_id`` this way (``None``: nobody), for statistics.

An extension only ever adds people; it never closes an exam to anyone its own audience admits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q


@dataclass(frozen=True)
class Extension:
    exam_ids_for_user: Callable[..., set[int]]
    people_for_exam: Callable[[int], Q | None]


_extensions: list[Extension] = []


def register_extension(
    *, exam_ids_for_user: Callable[..., set[int]], people_for_exam: Callable[[int], Q | None]
) -> None:
    """Add a way into exams (idempotent: registering the same pair again changes nothing)."""
    extension = Extension(exam_ids_for_user, people_for_exam)
    if extension not in _extensions:
        _extensions.append(extension)


def exam_ids_for(user) -> set[int]:
    """The exams some extension admits ``user`` to."""
    return set().union(*(extension.exam_ids_for_user(user) for extension in _extensions))


def people_for(exam_id: int) -> Q | None:
    """The people some extension admits to ``exam_id``, as a ``Q`` over ``User`` (``None``: nobody)."""
    found = [q for q in (extension.people_for_exam(exam_id) for extension in _extensions) if q is not None]
    return reduce(or_, found) if found else None
