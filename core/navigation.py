"""Site navigation: every role sees its own tools and nobody sees links they cannot open.

Each app registers providers ``items(user) -> list[NavItem]`` in its ``AppConfig.ready()``
(``register(items, rank=…)``); the context processor shows what ``collect`` returns.
Ranks in use: accounts 10, directory 11, cms 20, learning 30 and 32–34, classroom 31, notifications 35, exams 40, jobs 50.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.registry import Registry


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50
    section: str = "main"  # "main" for learners' pages, "tools" for role tools
    #: A count shown beside the label (unread messages); on phones the header shows the item with it too.
    badge: int = 0


_registry: Registry[NavItem] = Registry("navigation")
register = _registry.register
providers = _registry.providers


def collect(user) -> list[NavItem]:
    """The user's items by ``order``; equal orders keep the providers' rank, then each provider's own order."""
    collected = [item for provider in providers() for item in provider(user)]
    return sorted(collected, key=lambda item: item.order)
