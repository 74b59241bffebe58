"""Providers that the apps above ``core`` add in their ``AppConfig.ready()`` (navigation, home-page cards).

``core`` cannot import the apps, and the apps do not look each other up by module
name: each app registers its providers here instead. A provider carries an explicit
``rank``, the order in which providers are asked; it decides between results that
sort equal (two links of the same ``order``), so that order is written down where the
provider is registered and never follows ``INSTALLED_APPS`` or the order apps load in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._ranks: dict[Callable[[Any], list[T]], int] = {}

    def register(self, provider: Callable[[Any], list[T]], *, rank: int) -> Callable[[Any], list[T]]:
        """Add ``provider`` at ``rank``; registering it again at the same rank (a second ``ready()``) is a no-op.

        Two providers may not share a rank, nor one provider hold two: either would leave
        the order of equal results to chance.
        """
        holder = next((p for p, r in self._ranks.items() if r == rank), provider)
        if holder is not provider or self._ranks.get(provider, rank) != rank:
            raise ValueError(
                f"{self.name}: {provider.__module__}.{provider.__qualname__} at rank {rank} clashes with "
                f"{holder.__module__}.{holder.__qualname__} at rank {self._ranks.get(holder, rank)}"
            )
        self._ranks[provider] = rank
        return provider

    def providers(self) -> list[Callable[[Any], list[T]]]:
        """The registered providers, lowest rank first."""
        return sorted(self._ranks, key=self._ranks.__getitem__)
