import pytest

from .ldap_server import PEOPLE_BASE, SUFFIX, UNITS_BASE, Slapd

#: The prefecture the directory starts with: the same codes as ``tests.conftest.org_tree``.
UNITS = [
    (["喀什地区"], "KS"),
    (["喀什地区", "莎车县"], "KS-SC"),
    (["喀什地区", "莎车县", "莎车县市场监督管理局"], "KS-SC-SJ"),
    (["喀什地区", "疏附县"], "KS-SF"),
    (["喀什地区", "疏附县", "疏附县市场监督管理局"], "KS-SF-SJ"),
]
PEOPLE = [
    ("aili", "D0001", "艾力·买买提", "KS-SC-SJ", {"mail": "aili@example.cn", "mobile": "13899990001", "title": "科员"}),
    (
        "wangfang",
        "D0002",
        "王芳",
        "KS-SC-SJ",
        {"mail": "wangfang@example.cn", "mobile": "13899990002", "title": "科长"},
    ),
    ("lijian", "D0003", "李建华", "KS-SF-SJ", {"mobile": "13899990003", "title": "副局长"}),
]


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    yield server
    server.stop()


def point_settings_at(settings, server, url=None):
    settings.DIRECTORY_LDAP_URL = url or server.url
    settings.DIRECTORY_LDAP_BIND_DN = f"cn=reader,{SUFFIX}"
    settings.DIRECTORY_LDAP_BIND_PASSWORD = "reader-secret"
    settings.DIRECTORY_LDAP_UNITS_BASE = UNITS_BASE
    settings.DIRECTORY_LDAP_PEOPLE_BASE = PEOPLE_BASE


@pytest.fixture
def directory(slapd, settings, db):
    """The test directory, emptied and seeded with ``UNITS`` and ``PEOPLE``; settings point the sync at it."""
    slapd.reset()
    for path, code in UNITS:
        slapd.add_unit(path, code)
    for uid, employee_no, name, unit, extra in PEOPLE:
        slapd.add_person(uid, employee_no, name, unit, **extra)
    point_settings_at(settings, slapd)
    return slapd
