"""The question types, as one registry: ``get(name)`` is the type a question's ``type`` names.

Every place that once asked "which type is this?" asks the type instead (``exams.qtypes.base``
says what a type owns). Adding a type is a module here with its class (``@register``), its
templates under ``templates/exams/qtypes/`` and its tests; the model fields' choices, the bank
editor, the paper, the pages, grading and the formats derive from the registry.
"""

from __future__ import annotations

from exams.qtypes.base import QType

_TYPES: dict[str, QType] = {}


def register(cls: type[QType]) -> type[QType]:
    """Class decorator: make ``cls`` (one instance) the type named ``cls.name``."""
    if cls.name in _TYPES:
        raise ValueError(f"question type {cls.name!r} registered twice")
    _TYPES[cls.name] = cls()
    return cls


def get(name: str) -> QType:
    """The type named ``name``; ``KeyError`` for a name no type has."""
    return _TYPES[name]


def find(name: str) -> QType | None:
    return _TYPES.get(name)


def all_types() -> list[QType]:
    return list(_TYPES.values())


def type_choices() -> list[tuple[str, object]]:
    """The model fields' choices (a callable, so that adding a type needs no migration)."""
    return [(t.name, t.label) for t in _TYPES.values()]


def names(**flags) -> frozenset[str]:
    """The names of the types whose attributes equal ``flags`` (``names(manual=True)``)."""
    return frozenset(t.name for t in _TYPES.values() if all(getattr(t, k) == v for k, v in flags.items()))


#: What each export format can hold, as the type says it.
_EXPORTABLE = {
    "moodle-xml": lambda t: bool(t.moodle_names),
    "gift": lambda t: t.gift,
    "xlsx": lambda t: t.xlsx,
    "aiken": lambda t: t.aiken,
}


def exportable(fmt: str, name: str) -> bool:
    """Whether format ``fmt`` can express questions of type ``name``."""
    return _EXPORTABLE[fmt](get(name))


def not_exportable(fmt: str) -> list[QType]:
    """The types ``fmt`` cannot express (an export leaves their questions out and says so)."""
    return [t for t in _TYPES.values() if not _EXPORTABLE[fmt](t)]


def for_moodle(moodle_name: str) -> QType | None:
    """The type that reads Moodle XML questions of ``type="moodle_name"`` (multichoice: single choice,
    which reads ``<single>`` and may hand over to multiple choice)."""
    for qtype in _TYPES.values():
        if moodle_name in qtype.moodle_names:
            return qtype
    return None


# The built-in types register themselves on import, in the order the bank lists them (hence no sorting).
# isort: off
from exams.qtypes import choice  # noqa: E402,F401
from exams.qtypes import text  # noqa: E402,F401
from exams.qtypes import numerical  # noqa: E402,F401
from exams.qtypes import matching  # noqa: E402,F401
from exams.qtypes import ordering  # noqa: E402,F401
from exams.qtypes import gaps  # noqa: E402,F401
from exams.qtypes import cloze  # noqa: E402,F401

# isort: on
