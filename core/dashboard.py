"""What a signed-in official sees on the home page: cards from every app.

Each app registers providers ``cards(user) -> list[dict]`` in its ``AppConfig.ready()``
(``register(cards, rank=…)``). A card is a dict naming its ``template``, with an
``order`` (50 when absent) and the template's context. Ranks in use: learning 10 and 12–14, classroom 11, exams 20.
"""

from __future__ import annotations

from core.registry import Registry

_registry: Registry[dict] = Registry("dashboard")
register = _registry.register
providers = _registry.providers


def cards(user) -> list[dict]:
    """The user's cards by ``order``; equal orders keep the providers' rank, then each provider's own order."""
    collected = [card for provider in providers() for card in provider(user)]
    return sorted(collected, key=lambda card: card.get("order", 50))
