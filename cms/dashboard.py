"""What a signed-in official sees on the home page.

Each app may add cards through ``<app>/dashboard.py`` exposing
``cards(user) -> list[dict]`` (``title``, ``template`` and its context).
"""

from importlib import import_module

DASHBOARD_APPS = ("learning", "exams")


def dashboard_context(user) -> dict:
    cards = []
    if user.is_authenticated:
        for app in DASHBOARD_APPS:
            try:
                module = import_module(f"{app}.dashboard")
            except ModuleNotFoundError:
                continue
            cards.extend(module.cards(user))
    return {"dashboard_cards": cards}
