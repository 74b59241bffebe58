from wagtail.models import Locale, Page, Site

from cms.models import HomePage


def ensure_home_page() -> HomePage:
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    for child in root.get_children():
        if not isinstance(child.specific, HomePage):
            child.delete()
    root.refresh_from_db()
    home = root.add_child(instance=HomePage(title="法治学堂", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "法治学堂"},
    )
    return home
