"""What a signed-in official sees on the home page: the cards the apps register in ``core.dashboard``."""

from core.dashboard import cards


def dashboard_context(user) -> dict:
    return {"dashboard_cards": cards(user) if user.is_authenticated else []}
