"""The directory sync against a real OpenLDAP server (``ldap_server.Slapd``): units, people, leavers, refusals."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditLog, OrgUnit, Role, StaffCategory, User
from core.xlsx import ImportFailed
from directory.importers.staff import import_staff
from directory.models import DirectoryEntry
from directory.sync.service import run_directory_sync
from tests.accounts.xlsx_files import staff_file
from tests.factories import OrgUnitFactory, UserFactory

from .ldap_server import PEOPLE_BASE, UNITS_BASE

SHACHE_DEPT = "喀什地区/莎车县/莎车县市场监督管理局"
SHUFU_DEPT = "喀什地区/疏附县/疏附县市场监督管理局"


def dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE_BASE}"


def sync(**options):
    return run_directory_sync(via="test", **options)


def refused(**options) -> list:
    with pytest.raises(ImportFailed) as info:
        sync(**options)
    return list(info.value.problems)


def run_command(capsys, *args) -> str:
    call_command("sync_directory", *args)
    return capsys.readouterr().out


def state():
    """Everything a refused or dry run must leave as it was."""
    return (
        list(User.objects.order_by("pk").values()),
        list(OrgUnit.objects.order_by("pk").values()),
        list(DirectoryEntry.objects.order_by("pk").values()),
    )


# --- first and later syncs


def test_first_sync_creates_the_unit_tree_and_the_people(directory, capsys):
    out = run_command(capsys)

    units = dict(OrgUnit.objects.values_list("code", "full_path"))
    assert units == {
        "KS": "喀什地区",
        "KS-SC": "喀什地区/莎车县",
        "KS-SC-SJ": SHACHE_DEPT,
        "KS-SF": "喀什地区/疏附县",
        "KS-SF-SJ": SHUFU_DEPT,
    }
    assert OrgUnit.objects.get(code="KS-SC-SJ").get_parent().code == "KS-SC"
    aili = User.objects.get(employee_no="D0001")
    assert (aili.full_name, aili.org_unit.code, aili.email, aili.phone, aili.position) == (
        "艾力·买买提",
        "KS-SC-SJ",
        "aili@example.cn",
        "13899990001",
        "科员",
    )
    assert aili.staff_category == StaffCategory.ENFORCEMENT  # the default: the directory holds no category
    assert aili.is_active and not aili.has_usable_password()
    assert User.objects.get(employee_no="D0003").email is None
    link = DirectoryEntry.objects.get(user=aili)
    assert link.dn == dn("aili") and link.entry_uuid == directory.entry_uuid(dn("aili"))

    assert "新增人员（3）" in out and "D0001 艾力·买买提（喀什地区/莎车县/莎车县市场监督管理局）" in out
    assert "新增单位（5）" in out
    assert out.strip().endswith(
        "目录同步：人员新增 3、更新 0、未变 0、停用 0、恢复 0；单位新增 5、调整 0、目录中没有 0。"
    )
    (entry,) = AuditLog.objects.filter(action="directory_sync")
    assert entry.details["outcome"] == "applied" and entry.details["via"] == "command"
    assert entry.details["counts"]["people_created"] == 3 and entry.details["counts"]["units_created"] == 5


def test_a_second_sync_with_nothing_changed_changes_nothing(directory):
    sync()
    before = list(User.objects.order_by("pk").values())
    report = sync()
    assert (len(report.people_created), len(report.people_updated), report.people_unchanged) == (0, 0, 3)
    assert not report.units_created and not report.units_changed and not report.deactivated
    assert list(User.objects.order_by("pk").values()) == before


def test_a_changed_entry_updates_the_person_and_a_new_email_is_audited(
    directory, django_capture_on_commit_callbacks, capsys
):
    sync()
    directory.modify(
        dn("wangfang"), title="副局长", mobile="13899990022", mail="fang.wang@example.cn", departmentNumber="KS-SF-SJ"
    )
    with django_capture_on_commit_callbacks(execute=True):
        out = run_command(capsys)

    person = User.objects.get(employee_no="D0002")
    assert (person.position, person.phone, person.email, person.org_unit.code) == (
        "副局长",
        "13899990022",
        "fang.wang@example.cn",
        "KS-SF-SJ",
    )
    assert "D0002 王芳：" in out and "职务" in out and "单位" in out
    assert "登录邮箱变更（1）" in out and "wangfang@example.cn → fang.wang@example.cn" in out
    change = AuditLog.objects.get(action="identity_change")
    assert change.details == {
        "user_id": person.pk,
        "field": "email",
        "old": "wangfang@example.cn",
        "new": "fang.wang@example.cn",
        "via": "directory_sync",
    }
    (notice,) = mail.outbox
    assert notice.to == ["wangfang@example.cn"]


def test_a_changed_employee_number_renames_the_same_person_and_is_audited(
    directory, django_capture_on_commit_callbacks
):
    sync()
    aili = User.objects.get(employee_no="D0001")
    directory.modify(dn("aili"), employeeNumber="D0101")
    with django_capture_on_commit_callbacks(execute=True):
        report = sync()

    aili.refresh_from_db()
    assert aili.employee_no == "D0101" and aili.is_active
    assert not User.objects.filter(employee_no="D0001").exists()
    assert report.employee_no_changes == [("艾力·买买提", "D0001", "D0101")]
    assert not report.people_created and not report.deactivated
    change = AuditLog.objects.get(action="identity_change")
    assert change.details["field"] == "employee_no" and change.details["via"] == "directory_sync"
    assert (change.details["old"], change.details["new"]) == ("D0001", "D0101")
    assert [m.to for m in mail.outbox] == [["aili@example.cn"]]


def test_a_renamed_entry_is_still_the_same_person(directory):
    sync()
    aili = User.objects.get(employee_no="D0001")
    link = DirectoryEntry.objects.get(user=aili)
    seen_before = link.last_seen_at
    directory.move(dn("aili"), "uid=aili.maimaiti")
    report = sync()
    link.refresh_from_db()
    assert link.dn == dn("aili.maimaiti") and link.user_id == aili.pk and link.last_seen_at > seen_before
    assert not report.people_created and not report.deactivated and report.people_unchanged == 3


def test_two_people_may_swap_employee_numbers(directory):
    sync()
    aili, wang = User.objects.get(employee_no="D0001"), User.objects.get(employee_no="D0002")
    directory.modify(dn("aili"), employeeNumber="D0002")
    directory.modify(dn("wangfang"), employeeNumber="D0001")
    sync()
    aili.refresh_from_db()
    wang.refresh_from_db()
    assert (aili.employee_no, wang.employee_no) == ("D0002", "D0001")
    assert AuditLog.objects.filter(action="identity_change", details__field="employee_no").count() == 2


def test_an_employee_number_taken_by_someone_outside_the_directory_is_refused(directory, org_tree):
    sync()
    UserFactory(employee_no="D0101", full_name="赵强", org_unit=org_tree["shache_dept"])
    directory.modify(dn("aili"), employeeNumber="D0101")
    before = state()
    (problem,) = refused()
    assert problem.entry == dn("aili") and problem.column == "employeeNumber"
    assert "D0101" in problem.message and "赵强" in problem.message and "艾力·买买提" in problem.message
    assert state() == before


# --- people who leave the directory


def test_a_person_removed_from_the_directory_is_switched_off_and_signed_out_not_deleted(directory, client, capsys):
    sync()
    aili = User.objects.get(employee_no="D0001")
    client.force_login(aili)
    assert Session.objects.count() == 1
    directory.delete(dn("aili"))

    out = run_command(capsys)

    aili.refresh_from_db()
    assert not aili.is_active
    assert Session.objects.count() == 0
    assert "已不在目录中，停用账号（1）" in out and "D0001 艾力·买买提" in out
    assert "已结束停用人员的登录会话 1 个。" in out
    link = DirectoryEntry.objects.get(user=aili)
    assert link.removed_at is not None and link.deactivated_by_sync
    assert User.objects.filter(employee_no__startswith="D").count() == 3
    assert User.objects.get(employee_no="D0002").is_active
    assert AuditLog.objects.filter(action="directory_sync").first().details["deactivated"] == ["D0001"]


def test_a_person_back_in_the_directory_is_switched_on_again(directory):
    sync()
    directory.delete(dn("aili"))
    sync()
    directory.add_person("aili", "D0001", "艾力·买买提", "KS-SC-SJ", mail="aili@example.cn")
    report = sync()
    aili = User.objects.get(employee_no="D0001")
    assert aili.is_active and report.reactivated == [("D0001", "艾力·买买提")]
    link = DirectoryEntry.objects.get(user=aili)
    assert link.removed_at is None and link.entry_uuid == directory.entry_uuid(dn("aili"))


def test_someone_switched_off_by_hand_stays_off_when_the_directory_still_lists_them(directory):
    sync()
    User.objects.filter(employee_no="D0002").update(is_active=False)
    report = sync()
    assert not User.objects.get(employee_no="D0002").is_active and not report.reactivated


def test_people_never_in_the_directory_are_left_alone(directory, learner, admin_user):
    report = sync()
    learner.refresh_from_db()
    admin_user.refresh_from_db()
    assert learner.is_active and admin_user.is_active
    assert report.never_in_directory == 2 and not report.deactivated


def test_more_leavers_than_the_limit_refuse_the_run_unless_allowed(directory, settings, capsys):
    sync()
    settings.DIRECTORY_SYNC_MAX_DEACTIVATIONS = 1
    directory.delete(dn("aili"))
    directory.delete(dn("wangfang"))
    before = state()
    (problem,) = refused()
    assert "将停用 2 人" in problem.message and "--allow-mass-deactivation" in problem.message
    assert state() == before

    out = run_command(capsys, "--allow-mass-deactivation")
    assert "已不在目录中，停用账号（2）" in out
    assert User.objects.filter(is_active=False).count() == 2


# --- refusals: the whole run, naming the entry


def test_an_unknown_unit_code_refuses_the_whole_sync_naming_the_entry(directory, capsys):
    directory.add_person("nobody", "D0009", "阿依古丽·吐尔逊", "KS-XX")
    with pytest.raises(CommandError) as info:
        call_command("sync_directory")
    assert "目录同步被拒绝：共 1 个问题，未作任何改动。" in str(info.value)
    err = capsys.readouterr().err
    assert f"条目“{dn('nobody')}” 属性「departmentNumber」：单位代码“KS-XX”不是目录中任何单位的代码。" in err
    # Nothing at all: not the people without problems, not the units.
    assert User.objects.count() == 0 and OrgUnit.objects.count() == 0
    entry = AuditLog.objects.get(action="directory_sync")
    assert entry.details["outcome"] == "refused" and entry.details["problem_count"] == 1
    assert dn("nobody") in entry.details["problems"][0]


def test_a_duplicate_employee_number_names_both_entries_and_changes_nothing(directory):
    sync()
    directory.add_person("zhang", "D0002", "张伟", "KS-SF-SJ")
    before = state()
    (problem,) = refused()
    assert problem.column == "employeeNumber"
    assert {problem.entry, problem.message.split("条目“")[1].split("”")[0]} == {dn("zhang"), dn("wangfang")}
    assert problem.message.startswith("工号“D0002”与条目“")
    assert state() == before


def test_a_bad_value_gets_the_staff_imports_own_message(directory, org_tree):
    directory.modify(dn("lijian"), mobile="12345")
    (problem,) = refused()
    with pytest.raises(ImportFailed) as excel:
        import_staff(staff_file([[SHUFU_DEPT, "X0001", "李建华", "执法人员", "", "", "12345", ""]]))
    assert (
        problem.message
        == excel.value.problems[0].message
        == "手机号“12345”格式不对（应为 11 位手机号或带区号的固定电话）。"
    )
    assert (problem.entry, problem.column) == (dn("lijian"), "mobile")


def test_every_problem_of_a_run_is_listed_together(directory):
    directory.add_person("nounit", "D0010", "张伟", "KS-XX")
    directory.add_person("noname", "D0011", "李娜", "KS-SC-SJ")
    directory.modify(dn("noname"), cn="李娜<script>")
    directory.add_person("twomails", "D0012", "王强", "KS-SC-SJ", mail=["a@example.cn", "b@example.cn"])
    problems = refused()
    where = {(p.entry, p.column) for p in problems}
    assert where == {(dn("nounit"), "departmentNumber"), (dn("noname"), "cn"), (dn("twomails"), "mail")}
    assert User.objects.count() == 0


def test_an_entry_without_an_employee_number_is_refused_as_the_import_refuses_an_empty_one(directory):
    directory.add_person("nono", None, "张伟", "KS-SC-SJ")
    (problem,) = refused()
    assert (problem.entry, problem.column, problem.message) == (dn("nono"), "employeeNumber", "工号不能为空。")


def test_an_unknown_employee_number_is_a_new_person_as_in_the_import(directory, org_tree):
    sync()
    directory.add_person("new", "D0200", "热合曼·库尔班", "KS-SF-SJ")
    report = sync()
    assert report.people_created == [("D0200", "热合曼·库尔班", SHUFU_DEPT)]
    person = User.objects.get(employee_no="D0200")
    assert person.org_unit == org_tree["shufu_dept"] and not person.has_usable_password()


def test_a_privileged_accounts_login_email_is_not_the_directorys_to_change(directory, org_tree):
    trainer = UserFactory(
        employee_no="D0002",
        full_name="王芳",
        email="fang@example.cn",
        org_unit=org_tree["shache_dept"],
        roles=[Role.TRAINER],
    )
    before = state()
    (problem,) = refused()
    assert (problem.entry, problem.column) == (dn("wangfang"), "mail")
    assert "拥有管理或审核权限" in problem.message and "fang@example.cn" in problem.message
    trainer.refresh_from_db()
    assert trainer.email == "fang@example.cn" and state() == before


# --- dry run


def test_a_dry_run_shows_what_would_change_and_changes_nothing(directory, capsys):
    out = run_command(capsys, "--dry-run")
    assert "新增人员（3）" in out and "新增单位（5）" in out
    assert out.strip().endswith(
        "目录同步（试运行，未写入）：人员新增 3、更新 0、未变 0、停用 0、恢复 0；单位新增 5、调整 0、目录中没有 0。"
    )
    assert User.objects.count() == 0 and OrgUnit.objects.count() == 0 and DirectoryEntry.objects.count() == 0
    (entry,) = AuditLog.objects.filter(action="directory_sync")
    assert entry.details["outcome"] == "dry_run"


def test_a_dry_run_switches_nobody_off_and_renames_nobody(directory, client):
    sync()
    client.force_login(User.objects.get(employee_no="D0002"))
    directory.delete(dn("wangfang"))
    directory.modify(dn("aili"), employeeNumber="D0101")
    before = state()
    report = sync(dry_run=True)
    assert report.deactivated == [("D0002", "王芳")] and report.employee_no_changes == [
        ("艾力·买买提", "D0001", "D0101")
    ]
    assert state() == before and Session.objects.count() == 1
    assert not AuditLog.objects.filter(action="identity_change").exists()


# --- units


def test_platform_units_are_matched_by_code_and_units_missing_from_the_directory_are_reported(
    directory, org_tree, capsys
):
    OrgUnitFactory(name="泽普县", code="KS-ZP", parent=OrgUnit.objects.get(code="KS"))
    UserFactory(org_unit=OrgUnit.objects.get(code="KS-ZP"))
    ids = dict(OrgUnit.objects.values_list("code", "pk"))
    out = run_command(capsys)
    assert dict(OrgUnit.objects.values_list("code", "pk")) == ids
    assert "平台上有、目录中没有的单位（未删除）（1）" in out and "喀什地区/泽普县（KS-ZP，启用人员 1 人）" in out


def test_a_unit_the_staff_import_created_takes_the_directorys_code(directory, org_tree):
    import_staff(
        staff_file([["喀什地区/莎车县/莎车县司法局", "X0001", "张伟", "执法人员", "", "", "", ""]]), create_units=True
    )
    made = OrgUnit.objects.get(full_path="喀什地区/莎车县/莎车县司法局")
    generated = made.code
    directory.add_unit(["喀什地区", "莎车县", "莎车县司法局"], "KS-SC-SF")
    report = sync()
    made.refresh_from_db()
    assert made.code == "KS-SC-SF" and generated != "KS-SC-SF"
    assert report.units_recoded == [("喀什地区/莎车县/莎车县司法局", generated, "KS-SC-SF")]
    assert not report.units_created and OrgUnit.objects.count() == 6


def test_a_renamed_unit_is_renamed_with_the_paths_below_it(directory):
    sync()
    platform_child = OrgUnitFactory(name="城区中队", code="P-1", parent=OrgUnit.objects.get(code="KS-SC-SJ"))
    directory.move(f"ou=莎车县市场监督管理局,ou=莎车县,ou=喀什地区,{UNITS_BASE}", "ou=莎车县市场监管局")
    report = sync()
    unit = OrgUnit.objects.get(code="KS-SC-SJ")
    assert unit.name == "莎车县市场监管局" and unit.full_path == "喀什地区/莎车县/莎车县市场监管局"
    platform_child.refresh_from_db()
    assert platform_child.full_path == "喀什地区/莎车县/莎车县市场监管局/城区中队"
    assert report.units_changed == [("KS-SC-SJ", SHACHE_DEPT, "喀什地区/莎车县/莎车县市场监管局")]
    assert User.objects.get(employee_no="D0001").org_unit == unit


def test_a_unit_moved_in_the_directory_moves_in_the_tree(directory):
    sync()
    directory.move(
        f"ou=疏附县市场监督管理局,ou=疏附县,ou=喀什地区,{UNITS_BASE}",
        "ou=疏附县市场监督管理局",
        new_superior=f"ou=莎车县,ou=喀什地区,{UNITS_BASE}",
    )
    sync()
    unit = OrgUnit.objects.get(code="KS-SF-SJ")
    assert unit.get_parent().code == "KS-SC"
    assert unit.full_path == "喀什地区/莎车县/疏附县市场监督管理局"
    assert [u.code for u in OrgUnit.objects.get(code="KS-SC").get_children()] == ["KS-SC-SJ", "KS-SF-SJ"]


def test_a_unit_without_a_code_refuses_the_sync_naming_it(directory):
    bad = f"ou=泽普县,ou=喀什地区,{UNITS_BASE}"
    directory.add(bad, ["organizationalUnit"], {"ou": "泽普县"})
    (problem,) = refused()
    assert (problem.entry, problem.column, problem.message) == (bad, "businessCategory", "缺少单位代码。")
    assert OrgUnit.objects.count() == 0


def test_a_platform_unit_at_a_directory_units_path_takes_its_code(directory, org_tree):
    taken = OrgUnitFactory(name="叶城县", code="KS-YC-OLD", parent=org_tree["pref"])
    directory.add_unit(["喀什地区", "叶城县"], "KS-YC")
    report = sync()
    assert report.units_recoded == [("喀什地区/叶城县", "KS-YC-OLD", "KS-YC")]
    taken.refresh_from_db()
    assert taken.code == "KS-YC"


def test_a_unit_moving_onto_a_platform_units_path_is_refused(directory, org_tree):
    """The directory moves KS-YC up to 喀什地区/叶城县, where a unit it does not know already is."""
    OrgUnitFactory(name="叶城县", code="KS-YC-OLD", parent=org_tree["pref"])
    OrgUnitFactory(name="叶城县", code="KS-YC", parent=org_tree["shufu"])
    unit_dn = directory.add_unit(["喀什地区", "叶城县"], "KS-YC")
    before = state()
    (problem,) = refused()
    assert problem.entry == unit_dn
    assert problem.message == (
        "单位路径“喀什地区/叶城县”在同步后会与平台上的单位“喀什地区/叶城县”（代码 KS-YC-OLD）重复；请先在后台调整该单位。"
    )
    assert state() == before


def test_people_filed_under_their_unit_need_no_unit_code(directory, settings):
    settings.DIRECTORY_LDAP_PEOPLE_BASE = UNITS_BASE
    settings.DIRECTORY_LDAP_PERSON_ATTRIBUTES = {**settings.DIRECTORY_LDAP_PERSON_ATTRIBUTES, "unit_code": ""}
    person_dn = f"uid=tursun,ou=疏附县市场监督管理局,ou=疏附县,ou=喀什地区,{UNITS_BASE}"
    directory.add(
        person_dn, ["inetOrgPerson"], {"uid": "tursun", "cn": "吐尔逊·买买提", "sn": "吐", "employeeNumber": "D0300"}
    )
    sync()
    assert User.objects.get(employee_no="D0300").org_unit.code == "KS-SF-SJ"


def test_a_category_attribute_when_configured_is_read_like_the_column(directory, settings):
    settings.DIRECTORY_LDAP_PERSON_ATTRIBUTES = {
        **settings.DIRECTORY_LDAP_PERSON_ATTRIBUTES,
        "category": "employeeType",
    }
    for uid in ("aili", "wangfang", "lijian"):
        directory.modify(dn(uid), employeeType="执法人员")
    directory.modify(dn("lijian"), employeeType="领导干部")
    sync()
    assert User.objects.get(employee_no="D0003").staff_category == StaffCategory.LEADER
    directory.modify(dn("lijian"), employeeType="局长")
    (problem,) = refused()
    assert (problem.entry, problem.column) == (dn("lijian"), "employeeType")
    assert problem.message == "人员类别“局长”无效，应为：执法人员、领导干部、其他。"


def test_without_a_category_attribute_existing_people_keep_theirs(directory, org_tree):
    UserFactory(
        employee_no="D0003", full_name="李建华", org_unit=org_tree["shufu_dept"], staff_category=StaffCategory.LEADER
    )
    sync()
    assert User.objects.get(employee_no="D0003").staff_category == StaffCategory.LEADER
    assert User.objects.get(employee_no="D0001").staff_category == StaffCategory.ENFORCEMENT


# --- the task


def test_the_beat_task_runs_the_sync_and_fails_loudly_when_refused(directory):
    from directory.tasks import sync_directory

    counts = sync_directory.delay().get()
    assert counts["people_created"] == 3
    assert AuditLog.objects.get(action="directory_sync").details["via"] == "beat"
    directory.add_person("nobody", "D0009", "张伟", "KS-XX")
    with pytest.raises(ImportFailed):
        sync_directory.delay()
