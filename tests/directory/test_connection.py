"""Reaching the directory: TLS that verifies, and every way the connection can fail refusing the run with a reason."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditLog, User
from directory.sync.ldap import DirectoryError, LdapConfig, read_directory
from directory.sync.service import run_directory_sync

from .conftest import PEOPLE, UNITS, point_settings_at
from .ldap_server import PEOPLE_BASE, Slapd, free_port


@pytest.fixture(scope="module")
def slapd_tls(tmp_path_factory):
    server = Slapd(tmp_path_factory.mktemp("slapd-tls"), tls=True).start()
    for path, code in UNITS:
        server.add_unit(path, code)
    for uid, employee_no, name, unit, extra in PEOPLE:
        server.add_person(uid, employee_no, name, unit, **extra)
    yield server
    server.stop()


def refusal(**options) -> str:
    with pytest.raises(DirectoryError) as info:
        run_directory_sync(via="test", **options)
    return info.value.message


def test_start_tls_with_the_directorys_ca_reads_the_directory(slapd_tls, settings, db):
    point_settings_at(settings, slapd_tls, url=f"ldap://localhost:{slapd_tls.port}/")
    settings.DIRECTORY_LDAP_START_TLS = True
    settings.DIRECTORY_LDAP_CA_FILE = str(slapd_tls.certificates["ca"])
    report = run_directory_sync(via="test")
    assert len(report.people_created) == 3


def test_ldaps_with_the_directorys_ca_reads_the_directory(slapd_tls, settings):
    point_settings_at(settings, slapd_tls, url=slapd_tls.ldaps_url)
    settings.DIRECTORY_LDAP_CA_FILE = str(slapd_tls.certificates["ca"])
    snapshot = read_directory()
    assert len(snapshot.people) == 3 and len(snapshot.units) == 5


@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_a_certificate_from_another_ca_is_refused(slapd_tls, settings, db, mode):
    url = slapd_tls.ldaps_url if mode == "ldaps" else f"ldap://localhost:{slapd_tls.port}/"
    point_settings_at(settings, slapd_tls, url=url)
    settings.DIRECTORY_LDAP_START_TLS = mode == "starttls"
    settings.DIRECTORY_LDAP_CA_FILE = str(slapd_tls.certificates["other-ca"])
    assert refusal().startswith("无法与目录服务器建立加密连接")
    assert User.objects.count() == 0
    assert AuditLog.objects.get(action="directory_sync").details["outcome"] == "refused"


def test_a_certificate_for_another_host_name_is_refused(slapd_tls, settings, db):
    """The certificate names localhost and 127.0.0.1; the same server reached as 127.0.0.2 is not it."""
    point_settings_at(settings, slapd_tls, url=f"ldaps://127.0.0.2:{slapd_tls.tls_port}/")
    settings.DIRECTORY_LDAP_CA_FILE = str(slapd_tls.certificates["ca"])
    assert refusal().startswith(("无法与目录服务器建立加密连接", "无法连接目录服务器"))


def test_a_plain_connection_to_another_machine_with_a_password_is_refused_before_connecting(settings, db):
    settings.DIRECTORY_LDAP_URL = "ldap://ldap.example.cn/"
    settings.DIRECTORY_LDAP_BIND_PASSWORD = "secret"
    settings.DIRECTORY_LDAP_PEOPLE_BASE = PEOPLE_BASE
    settings.DIRECTORY_LDAP_UNITS_BASE = PEOPLE_BASE
    message = refusal()
    assert "未加密" in message and "ldaps://" in message
    settings.DIRECTORY_LDAP_ALLOW_PLAINTEXT = True
    LdapConfig.from_settings().check()


def test_the_sync_is_off_until_a_server_is_configured(settings, db):
    assert settings.DIRECTORY_LDAP_URL == ""
    with pytest.raises(CommandError) as info:
        call_command("sync_directory")
    assert "未配置目录服务器（DIRECTORY_LDAP_URL），目录同步未开启。" in str(info.value)


def test_no_server_listening_is_refused_with_the_address(directory, settings):
    url = f"ldap://127.0.0.1:{free_port()}/"
    settings.DIRECTORY_LDAP_URL = url
    message = refusal()
    assert message.startswith(f"无法连接目录服务器 {url}")


def test_a_wrong_bind_password_is_refused(directory, settings):
    settings.DIRECTORY_LDAP_BIND_PASSWORD = "wrong"
    assert "目录服务器拒绝了绑定账号“cn=reader,dc=fazhi,dc=test”" in refusal()


def test_a_base_that_does_not_exist_is_refused(directory, settings):
    settings.DIRECTORY_LDAP_PEOPLE_BASE = "ou=nobody,dc=fazhi,dc=test"
    assert refusal() == "人员的搜索基准“ou=nobody,dc=fazhi,dc=test”在目录中不存在。"


def test_a_filter_that_does_not_parse_is_refused(directory, settings):
    settings.DIRECTORY_LDAP_PEOPLE_FILTER = "(objectClass=inetOrgPerson"
    assert refusal().startswith("人员的过滤条件“(objectClass=inetOrgPerson”无效")


def test_a_filter_matching_nobody_is_refused_instead_of_switching_everyone_off(directory, settings):
    run_directory_sync(via="test")
    settings.DIRECTORY_LDAP_PEOPLE_FILTER = "(employeeNumber=nobody)"
    assert refusal() == "目录中没有找到人员（请检查人员搜索基准和过滤条件），未同步。"
    assert User.objects.filter(is_active=True).count() == 3


def test_an_answer_cut_short_by_the_servers_size_limit_is_refused(directory, settings):
    """Using a partial answer would switch off everyone the server left out."""
    settings.DIRECTORY_LDAP_BIND_DN = "cn=limited,dc=fazhi,dc=test"
    settings.DIRECTORY_LDAP_BIND_PASSWORD = "limited-secret"
    message = refusal()
    assert message.startswith("目录服务器只返回了部分单位（超过了服务器对每次搜索的条目数限制 sizelimit），未同步")
    assert User.objects.count() == 0


def test_more_entries_than_the_cap_are_refused(directory, settings):
    settings.MAX_IMPORT_ROWS_STAFF = 2
    assert refusal() == "目录中的人员超过上限 2 个，未同步（请检查搜索基准和过滤条件）。"
    assert User.objects.count() == 0


def test_an_anonymous_reader_sees_nothing_and_is_told_so(directory, settings):
    settings.DIRECTORY_LDAP_BIND_DN = ""
    settings.DIRECTORY_LDAP_BIND_PASSWORD = ""
    assert refusal() == "绑定账号“匿名”无权读取单位（搜索基准“ou=units,dc=fazhi,dc=test”）：请在目录中给它读取权限。"


def test_the_directory_is_read_page_by_page(directory, monkeypatch):
    monkeypatch.setattr("directory.sync.ldap.PAGE_SIZE", 2)
    snapshot = read_directory()
    assert sorted(r.values["code"][0] for r in snapshot.units) == ["KS", "KS-SC", "KS-SC-SJ", "KS-SF", "KS-SF-SJ"]
    assert sorted(r.values["employee_no"][0] for r in snapshot.people) == ["D0001", "D0002", "D0003"]
