"""The kinds of job: each says how to split its work, how to do one piece, and how to build the result.

Apps register their kinds in ``AppConfig.ready`` (the certificates register
the bulk issue, the annual review its roster files); the jobs app never
imports them. ``run_chunk`` must be idempotent: a chunk may run twice (a
redelivered task, a resumed job) and must leave the same result as once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Job


@dataclass
class Plan:
    """The chunks (JSON dicts, each with the ``size`` it adds to ``done``) and data every chunk and the end read."""

    chunks: list[dict]
    context: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(int(chunk.get("size", 0)) for chunk in self.chunks)


@dataclass
class Result:
    """The file a finished job offers for download."""

    filename: str
    file: IO[bytes]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    #: What ``done`` and ``total`` count: 人, 行 …
    unit_label: str
    #: Text of the download button.
    download_label: str
    plan: Callable[[Job], Plan]
    #: ``(job, index, chunk) → JSON-able output`` kept for ``finish`` (or ``None``); idempotent.
    run_chunk: Callable[[Job, int, dict], Any]
    finish: Callable[[Job], Result | None]
    #: Where the page's breadcrumb leads back to (the form that started the job).
    back_url: Callable[[Job], str] | None = None
    #: The sentence the page shows once the job is done (an import's counts); ``""`` for none.
    summary: Callable[[Job], str] | None = None
    #: ``[(label, url)]``: where to go on from a finished job (an import's people's activation letters).
    links: Callable[[Job], list[tuple[str, str]]] | None = None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r}") from None


def all_kinds() -> list[JobKind]:
    return list(_KINDS.values())
