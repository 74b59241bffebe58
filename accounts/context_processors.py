from core.navigation import collect


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_main": [], "nav_tools": []}
    nav = collect(user)
    return {
        "nav_main": [i for i in nav if i.section == "main"],
        "nav_tools": [i for i in nav if i.section == "tools"],
    }
