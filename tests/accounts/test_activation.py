"""Activation codes: one-time, expiring, replaced by a new letter, stored only as a hash; the page's rules."""

import datetime as dt
import time

import pytest
from allauth.account.authentication import get_authentication_records
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActivationCode, AuditLog, Role
from accounts.selectors.activation import activation_status, needs_activation
from accounts.services.activation import (
    ALPHABET,
    CODE_LENGTH,
    AccessDenied,
    ActivationError,
    activate,
    check_code,
    code_expiry,
    issue_codes,
    manageable,
    normalise_code,
    reset_access,
)
from tests.auth import sign_in
from tests.conftest import enable_totp
from tests.factories import UserFactory

NEW_PASSWORD = "Kashgar#2026law"
GENERIC = "工号或激活码不正确，或激活码已失效"


@pytest.fixture
def newcomer(org_tree):
    """Imported without e-mail or initial password: no way in yet."""
    person = UserFactory(full_name="阿依古丽·吐尔逊", employee_no="65001", org_unit=org_tree["shache_dept"])
    person.set_unusable_password()
    person.save()
    return person


def _issue(person, actor=None):
    return issue_codes(user_ids=[person.pk], actor=actor, via="test")[0]


# --- the service ------------------------------------------------------------------------


def test_only_a_hash_of_the_code_is_stored(newcomer):
    issued = _issue(newcomer)
    assert len(issued.code) == CODE_LENGTH and set(issued.code) <= set(ALPHABET)
    row = ActivationCode.objects.get(user=newcomer)
    assert issued.code not in row.code_hash
    assert issued.display_code not in row.code_hash
    assert len(row.code_hash) == 64


def test_the_code_opens_the_account_typed_loosely(newcomer):
    issued = _issue(newcomer)
    typed = " " + issued.display_code.lower() + " "
    assert check_code(employee_no=" 65001 ", code=typed).user == newcomer
    assert normalise_code("abcd-efgh jkmn") == "ABCDEFGHJKMN"


def test_a_code_works_once(newcomer):
    issued = _issue(newcomer)
    code = check_code(employee_no="65001", code=issued.code)
    activate(code_id=code.pk, user_id=newcomer.pk, password=NEW_PASSWORD)
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    with pytest.raises(ActivationError):
        check_code(employee_no="65001", code=issued.code)
    with pytest.raises(ActivationError):
        activate(code_id=code.pk, user_id=newcomer.pk, password="Another#2026pw")
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)


def test_a_code_expires_at_the_end_of_its_last_day(newcomer, settings):
    settings.ACTIVATION_CODE_DAYS = 14
    issued_at = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
    expiry = code_expiry(issued_at)
    assert timezone.localtime(expiry).date() == dt.date(2026, 3, 16)
    assert (timezone.localtime(expiry).hour, timezone.localtime(expiry).minute) == (23, 59)
    issued = _issue(newcomer)
    assert timezone.localtime(issued.expires_at).date() == timezone.localdate() + dt.timedelta(days=14)
    ActivationCode.objects.filter(user=newcomer).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ActivationError) as caught:
        check_code(employee_no="65001", code=issued.code)
    assert GENERIC in str(caught.value)


def test_the_expiry_is_a_setting(newcomer, settings):
    settings.ACTIVATION_CODE_DAYS = 3
    issued = _issue(newcomer)
    assert timezone.localtime(issued.expires_at).date() == timezone.localdate() + dt.timedelta(days=3)


def test_a_new_code_makes_the_old_one_stop_working(newcomer):
    first = _issue(newcomer)
    second = _issue(newcomer)
    with pytest.raises(ActivationError):
        check_code(employee_no="65001", code=first.code)
    assert check_code(employee_no="65001", code=second.code).user == newcomer
    rows = list(ActivationCode.objects.filter(user=newcomer).order_by("pk"))
    assert len(rows) == 2
    assert rows[0].revoked_at is not None and rows[1].revoked_at is None


def test_every_failure_gets_the_same_message(newcomer, org_tree):
    issued = _issue(newcomer)
    without_code = UserFactory(employee_no="65002", org_unit=org_tree["shache_dept"])
    left = UserFactory(employee_no="65003", org_unit=org_tree["shache_dept"])
    left_code = _issue(left)
    left.is_active = False
    left.save()
    messages = set()
    for employee_no, code in [
        ("65001", "AAAA-BBBB-CCCC"),  # wrong code
        ("99999", issued.code),  # no such 工号
        (without_code.employee_no, issued.code),  # nobody issued them a code
        ("65003", left_code.code),  # account switched off
        ("65001", issued.code[:-1]),  # too short
    ]:
        with pytest.raises(ActivationError) as caught:
            check_code(employee_no=employee_no, code=code)
        messages.add(str(caught.value))
    assert len(messages) == 1
    assert GENERIC in messages.pop()


def test_issuing_is_audited_with_the_people(newcomer, hr_shache):
    issue_codes(user_ids=[newcomer.pk], actor=hr_shache, via="letters")
    entry = AuditLog.objects.get(action="activation.issue")
    assert entry.actor == hr_shache
    assert entry.details["employee_nos"] == ["65001"]
    assert entry.details["via"] == "letters"
    assert "阿依古丽·吐尔逊" in entry.summary


def test_a_command_issue_is_audited_as_the_system(newcomer):
    issue_codes(user_ids=[newcomer.pk], actor=None, via="command")
    entry = AuditLog.objects.get(action="activation.issue")
    assert entry.actor is None
    assert "服务器命令" in entry.summary


def test_hr_issues_only_within_scope_and_never_for_privileged_people(org_tree, hr_shache, newcomer, admin_user):
    other_county = UserFactory(org_unit=org_tree["shufu_dept"])
    trainer_here = UserFactory(org_unit=org_tree["shache_dept"], roles=[Role.TRAINER])
    allowed = set(manageable(hr_shache).values_list("pk", flat=True))
    assert newcomer.pk in allowed
    assert other_county.pk not in allowed
    assert trainer_here.pk not in allowed
    assert hr_shache.pk not in allowed  # not for oneself
    issued = issue_codes(user_ids=[newcomer.pk, other_county.pk, trainer_here.pk], actor=hr_shache, via="letters")
    assert [item.user for item in issued] == [newcomer]
    assert not ActivationCode.objects.filter(user__in=[other_county, trainer_here]).exists()
    # An administrator may print the trainer's letter.
    assert [i.user for i in issue_codes(user_ids=[trainer_here.pk], actor=admin_user, via="letters")] == [trainer_here]


def test_reset_access_ends_password_code_and_sessions(org_tree, hr_shache, newcomer):
    old = _issue(newcomer)
    code = check_code(employee_no="65001", code=old.code)
    activate(code_id=code.pk, user_id=newcomer.pk, password=NEW_PASSWORD)
    newcomer.refresh_from_db()
    their_phone = Client()
    assert their_phone.login(employee_no="65001", password=NEW_PASSWORD)
    assert their_phone.get("/").wsgi_request.user == newcomer
    other_code = _issue(newcomer)

    issued = reset_access(person=newcomer, actor=hr_shache)

    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert needs_activation(newcomer)
    assert not their_phone.get("/").wsgi_request.user.is_authenticated  # signed out everywhere
    with pytest.raises(ActivationError):
        check_code(employee_no="65001", code=other_code.code)
    assert check_code(employee_no="65001", code=issued.code).user == newcomer
    entry = AuditLog.objects.get(action="activation.reset")
    assert entry.actor == hr_shache and entry.details["employee_no"] == "65001"


def test_reset_access_is_refused_outside_scope_for_privileged_people_and_oneself(org_tree, hr_shache):
    other_county = UserFactory(org_unit=org_tree["shufu_dept"])
    hr_colleague = UserFactory(org_unit=org_tree["shache_dept"], roles=[Role.HR])
    for person, words in [
        (other_county, "不在您的管辖范围内"),
        (hr_colleague, "只能由系统管理员重置"),
        (hr_shache, "自己"),
    ]:
        before = person.password
        with pytest.raises(AccessDenied) as caught:
            reset_access(person=person, actor=hr_shache)
        assert words in str(caught.value)
        person.refresh_from_db()
        assert person.password == before
    assert not ActivationCode.objects.exists()
    assert not AuditLog.objects.filter(action="activation.reset").exists()


def test_status_says_where_the_person_stands(newcomer):
    assert "尚未打印" in activation_status(newcomer).label
    _issue(newcomer)
    status = activation_status(newcomer)
    assert "已打印" in status.label and status.live_until is not None
    ActivationCode.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert "已过期" in activation_status(newcomer).label
    newcomer.set_password(NEW_PASSWORD)
    newcomer.save()
    assert "已激活" in activation_status(newcomer).label


# --- the page ---------------------------------------------------------------------------


def _start(client, employee_no, code, **extra):
    return client.post(reverse("accounts:activate"), {"employee_no": employee_no, "code": code}, **extra)


def _choose(client, password=NEW_PASSWORD, again=None):
    return client.post(reverse("accounts:activate_password"), {"password1": password, "password2": again or password})


def test_the_page_activates_and_signs_in_through_allauth(client, newcomer):
    issued = _issue(newcomer)
    page = client.get(reverse("accounts:activate"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "激活账号" in html and 'autocomplete="one-time-code"' in html
    response = _start(client, "65001", issued.display_code.lower())
    assert response.status_code == 302 and response["Location"] == reverse("accounts:activate_password")
    greeting = client.get(reverse("accounts:activate_password")).content.decode()
    assert "阿依古丽·吐尔逊" in greeting and "65001" in greeting
    response = _choose(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(newcomer.pk)
    records = get_authentication_records(client.get("/").wsgi_request, newcomer)
    assert [r["method"] for r in records] == ["password"]
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    entry = AuditLog.objects.get(action="activation.used")
    assert entry.actor == newcomer
    # The code is spent: a second person with the letter gets nowhere.
    stranger = Client()
    response = _start(stranger, "65001", issued.code)
    assert response.status_code == 400 and GENERIC in response.content.decode()
    # ...and the new password signs in on the ordinary page.
    assert Client().post(reverse("account_login"), {"login": "65001", "password": NEW_PASSWORD}).status_code == 302


def test_a_wrong_code_changes_nothing_and_says_only_the_generic_message(client, newcomer):
    _issue(newcomer)
    for employee_no in ("65001", "no-such-person"):
        response = _start(client, employee_no, "AAAA-BBBB-CCCC")
        html = response.content.decode()
        assert response.status_code == 400
        assert GENERIC in html
        assert "不存在" not in html
    assert client.get(reverse("accounts:activate_password"))["Location"] == reverse("accounts:activate")
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert SESSION_KEY not in client.session


def test_the_password_must_pass_the_sites_validators(client, newcomer):
    issued = _issue(newcomer)
    _start(client, "65001", issued.code)
    for password, again, words in [
        ("12345678", None, "全都是数字"),
        ("short", None, "密码太短"),
        ("Kashgar#2026law", "Kashgar#2026lew", "每次输入的密码必须相同"),
    ]:
        response = _choose(client, password, again)
        assert response.status_code == 400
        assert words in response.content.decode(), words
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert ActivationCode.objects.get(user=newcomer).used_at is None  # still usable after bad tries
    assert _choose(client).status_code == 302


def test_a_letter_reprinted_between_the_steps_stops_the_second_step(client, newcomer):
    issued = _issue(newcomer)
    _start(client, "65001", issued.code)
    _issue(newcomer)  # HR printed a new letter meanwhile
    response = _choose(client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:activate")
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert SESSION_KEY not in client.session


def test_the_password_step_closes_after_a_while(client, newcomer, monkeypatch):
    issued = _issue(newcomer)
    _start(client, "65001", issued.code)
    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(reverse("accounts:activate_password"))["Location"] == reverse("accounts:activate")


def test_an_account_with_totp_is_asked_for_its_code_before_the_session_is_signed_in(client, org_tree, admin_user):
    trainer = UserFactory(employee_no="65010", org_unit=org_tree["shache_dept"], roles=[Role.TRAINER])
    enable_totp(trainer)
    trainer.set_unusable_password()
    trainer.save()
    issued = issue_codes(user_ids=[trainer.pk], actor=admin_user, via="letters")[0]
    _start(client, "65010", issued.code)
    response = _choose(client)
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("directory:staff_list")).status_code == 403  # still anonymous


def test_a_privileged_account_without_totp_is_led_to_set_it_up(client, org_tree, admin_user):
    hr = UserFactory(employee_no="65011", org_unit=org_tree["shache"], roles=[Role.HR])
    hr.set_unusable_password()
    hr.save()
    issued = issue_codes(user_ids=[hr.pk], actor=admin_user, via="letters")[0]
    _start(client, "65011", issued.code)
    response = _choose(client)
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.session[SESSION_KEY] == str(hr.pk)
    # Nothing privileged before TOTP: accounts.middleware holds the session on the set-up pages.
    staff = client.get(reverse("directory:staff_list"))
    assert staff.status_code == 302 and staff["Location"].startswith(reverse("mfa_activate_totp"))


def test_someone_signed_in_is_not_offered_the_form(client, learner, newcomer):
    sign_in(client, learner)
    html = client.get(reverse("accounts:activate")).content.decode()
    assert "您已经以" in html and 'name="code"' not in html
    issued = _issue(newcomer)
    client.post(reverse("accounts:activate"), {"employee_no": "65001", "code": issued.code})
    assert client.session[SESSION_KEY] == str(learner.pk)


# --- rate limits -------------------------------------------------------------------------

LIMITS = {"activate": "120/m/ip", "activate_failed": "30/m/ip,5/5m/key", "login": "120/m/ip"}
TOO_MANY = "尝试次数过多"


@pytest.fixture
def limits(settings):
    settings.ACCOUNT_RATE_LIMITS = LIMITS
    cache.clear()
    yield
    cache.clear()


def test_guessing_one_persons_code_is_stopped_even_with_the_right_code(limits, newcomer):
    issued = _issue(newcomer)
    for i in range(5):
        response = _start(Client(), "65001", "AAAA-BBBB-CCC" + "DEFGH"[i], REMOTE_ADDR=f"203.0.113.{i}")
        assert GENERIC in response.content.decode()
    response = _start(Client(), "65001", issued.code, REMOTE_ADDR="203.0.113.99")
    assert response.status_code == 400
    assert TOO_MANY in response.content.decode()
    assert ActivationCode.objects.get(user=newcomer).used_at is None
    # The limit counts per 工号 typed, whether it exists or not: another person is unaffected.
    other = UserFactory(employee_no="65020", org_unit=newcomer.org_unit)
    other.set_unusable_password()
    other.save()
    their = _issue(other)
    assert _start(Client(), "65020", their.code, REMOTE_ADDR="203.0.113.1").status_code == 302


def test_an_unknown_number_is_limited_like_a_known_one(limits, db):
    answers = [_start(Client(), "no-such", "AAAA-BBBB-CCCC").content.decode() for _ in range(6)]
    assert all(GENERIC in a for a in answers[:5])
    assert TOO_MANY in answers[5]


def test_one_address_guessing_many_numbers_is_stopped(limits, newcomer):
    issued = _issue(newcomer)
    client = Client()
    for i in range(30):
        _start(client, f"guess{i}", "AAAA-BBBB-CCCC", REMOTE_ADDR="203.0.113.66")
    response = _start(client, "65001", issued.code, REMOTE_ADDR="203.0.113.66")
    assert TOO_MANY in response.content.decode()
    assert _start(Client(), "65001", issued.code, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_every_attempt_counts_per_address(settings, newcomer):
    settings.ACCOUNT_RATE_LIMITS = {**LIMITS, "activate": "3/m/ip"}
    cache.clear()
    statuses = [_start(Client(), "65001", "AAAA-BBBB-CCCC", REMOTE_ADDR="203.0.113.5").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    cache.clear()
