"""Hostile input against the real application: every input tried, and what it answered.

Each line is ``hostile_<slug>: <status or outcome> · <ms> ms · <the first ~80 characters of what
the user sees>``, measured in this run through ``django.test.Client`` (the whole middleware stack,
views and templates, on PostgreSQL), plus ``hostile_<slug>_facts`` lines for what else was
measured (response size, memory, rows changed, mails sent). Nothing here is asserted: a check that
does not refuse shows up as its real status and message. The sections:

1. the administrator's correct password POSTed to each sign-in route, and to every routed URL;
2. a password-only session of a TOTP account on the recovery-code and TOTP pages;
3. bad-password floods (one address behind the trusted proxy, spoofed X-Forwarded-For, a direct
   peer, many addresses against one account);
4. password-reset floods (per address, per account);
5. the HR staff import changing a privileged account's e-mail, and an ordinary e-mail change;
6. spreadsheet bombs on the staff, attendance and question-bank import pages;
7. NUL in a query, a form field, a JSON body and a path;
8. deep and oversized JSON to the lesson heartbeat and the exam answer save;
9. an exam save batch with one bad answer among good ones;
10. a tracking pixel in a question (service, import page) and in lesson rich text (page editor);
11. the 403, 404, 400 (unknown Host) and CSRF pages;
12. the production guard rails (demo commands, DEBUG) and the Content-Security-Policy header.

Standalone: ``DATABASE_URL=postgres://… python bench/hostile.py``. It always runs with
``bench.hostile_settings`` (the test settings with production's rate limits, password hasher,
trusted proxy and a Redis cache, database 11), in a scratch database of its own
(``<db>_bench_hostile``, cloned from ``<db>_bench_hostile_template``: see ``_database``).
Naming sections runs only those: ``python bench/hostile.py nul_bytes hostile_json``.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, emit, scratch_database, signed_in_client

NGINX = "127.0.0.1"  # the trusted proxy (bench/hostile_settings.py)
MESSAGE_CHARS = 80


# --- measuring and describing answers ---------------------------------------------------------


def timed(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` and its wall time in milliseconds."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def short(text: str, chars: int = MESSAGE_CHARS) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= chars else text[: chars - 1] + "…"


def status(response) -> str:
    location = response.get("Location")
    return f"{response.status_code} → {location}" if location else str(response.status_code)


def line(outcome, ms: float, message: str, chars: int = MESSAGE_CHARS) -> str:
    return f"{outcome} · {ms:.1f} ms · {short(message, chars) or '(no message)'}"


def _texts(soup, selector: str) -> list[str]:
    return [t for t in (node.get_text(" ", strip=True) for node in soup.select(selector)) if t]


def visible(response) -> str:
    """What the person sees: a JSON error, an import's problems, form errors, messages, the error page."""
    from bs4 import BeautifulSoup

    location = response.get("Location")
    if location:
        return f"→ {location}"
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        body = response.json()
        if isinstance(body, dict) and "error" in body:
            return str(body["error"])
        return json.dumps(body, ensure_ascii=False)
    if "html" not in content_type:
        return f"{content_type or 'no content type'}, {len(response.content)} bytes"
    soup = BeautifulSoup(response.content.decode(errors="replace"), "html.parser")
    job = soup.select_one("#job")
    if job is not None:  # a background job's page: its state and, once it failed, why
        error = job.select_one("[data-testid=job-error]")
        said = error.get_text("\n", strip=True) if error is not None and not error.has_attr("hidden") else ""
        return " ".join(["任务" + " ".join(_texts(job, "[data-testid=job-status]")) + "：", *said.splitlines()[:2]])
    problems = _texts(soup, "[data-testid=import-problems] li")
    if problems:
        heading = _texts(soup, "h2.bad, #qi-errors")
        more = _texts(soup, "[data-testid=import-problems-more]")
        return " ".join([*heading[:1], problems[0], *more[:1]])
    for selector in (".errorlist li, .error-message, .help-critical", "ul.messages li, div.messages li"):
        found = _texts(soup, selector)
        if found:
            return " / ".join(dict.fromkeys(found))
    error_page = _texts(soup, "#error-title") + _texts(soup, ".error-lead")
    if error_page:
        return " ".join(error_page)
    return " ".join((_texts(soup, "h1") or _texts(soup, "title"))[:1])


def page_facts(response) -> str:
    """<title>, <h1> and whether the site header is there (error pages)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(response.content.decode(errors="replace"), "html.parser")
    title = " ".join(_texts(soup, "title")[:1])
    heading = " ".join(_texts(soup, "h1")[:1])
    header = "yes" if soup.select_one("header.site-header") else "no"
    return f"title「{short(title, 40)}」 h1「{short(heading, 30)}」 site header: {header}"


def _html_lang(response) -> str:
    found = re.search(rb"<html[^>]*\blang=\"([^\"]+)\"", response.content)
    return found.group(1).decode() if found else "(none)"


def problem_summary(response) -> tuple[str, int]:
    """The heading, how many problems are listed and the "另有 N 处" line of a failed import page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(response.content.decode(errors="replace"), "html.parser")
    listed = len(soup.select("[data-testid=import-problems] li"))
    parts = (
        _texts(soup, "h2.bad, #qi-errors")[:1]
        + [f"列出 {listed} 条"]
        + _texts(soup, "[data-testid=import-problems-more]")
    )
    return "；".join(parts), listed


def wagtail_block_errors(response) -> list[str]:
    """The StreamField block errors the Wagtail editor shows (they travel as JSON in a data attribute)."""
    from bs4 import BeautifulSoup

    found: list[str] = []

    def walk(value, inside=False):
        if isinstance(value, dict):
            for key, item in value.items():
                if inside and key == "messages" and isinstance(item, list):
                    found.extend(str(m) for m in item)
                else:
                    walk(item, inside or key == "blockErrors")
        elif isinstance(value, list):
            for item in value:
                walk(item, inside)

    soup = BeautifulSoup(response.content.decode(errors="replace"), "html.parser")
    for tag in soup.find_all(True):
        for value in tag.attrs.values():
            if isinstance(value, str) and '"blockErrors"' in value:
                try:
                    walk(json.loads(value))
                except ValueError:
                    continue
    return list(dict.fromkeys(found))


def landing(client, response) -> str:
    """Where a redirect leads: the message shown on the page it points to (not timed)."""
    location = response.get("Location")
    if not location:
        return visible(response)
    return visible(client.get(location))


def rows_changed(before: dict, after: dict) -> int:
    return sum(abs(after[key] - before[key]) for key in before)


def counts() -> dict:
    from tests.accounts.test_import_limits import _counts

    return _counts()


def mails() -> list:
    from django.core import mail

    return list(getattr(mail, "outbox", []))


def _peak_rss_kb() -> int:
    """The process's resident-set high-water mark (VmHWM), in KB."""
    try:
        for row in Path("/proc/self/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --- the world --------------------------------------------------------------------------------


def _fingerprint() -> str:
    """What the schema depends on: our migration files and the installed packages (theirs)."""
    import hashlib
    from importlib import metadata

    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for name in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(name.encode())
    return digest.hexdigest()


def _database() -> tuple[str, str]:
    """A fresh scratch database (``<db>_bench_hostile``), cloned from a migrated template kept between runs.

    Migrating an empty database takes about a minute; the template
    (``<db>_bench_hostile_template``) is migrated again whenever a migration file or an installed
    package changed (its fingerprint is the database's comment). The clone is migrated too, a no-op.
    """
    import psycopg
    from psycopg import sql

    from bench.common import manage

    template_url = scratch_database("hostile_template", keep=True)[0]
    parsed = urlparse(template_url)
    template = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    fingerprint = _fingerprint()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
    how = "cloned from the migrated template"
    if not found or found[0] != fingerprint:
        how = "template migrated, then cloned"
        template_url = scratch_database("hostile_template")
        manage("migrate", "--noinput", database_url=template_url, settings="bench.hostile_settings")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(template), fingerprint))
    url = scratch_database("hostile")
    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return url, how


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Always these settings: the test settings switch the sign-in rate limits off.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.hostile_settings"
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    cache.clear()


class World:
    pass


def _world() -> World:
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from accounts.models import OrgUnit, Role
    from tests.conftest import enable_totp
    from tests.factories import OrgUnitFactory, UserFactory

    w = World()
    w.pref = OrgUnitFactory(name="喀什地区", code="KS", kind=OrgUnit.Kind.PREFECTURE)
    w.shache = OrgUnitFactory(name="莎车县", code="KS-SC", kind=OrgUnit.Kind.COUNTY, parent=w.pref)
    w.pref.refresh_from_db()
    w.dept = OrgUnitFactory(name="莎车县市场监督管理局", code="KS-SC-SJ", kind=OrgUnit.Kind.DEPARTMENT, parent=w.shache)
    w.admin = UserFactory(
        full_name="管理员",
        email="admin@example.cn",
        org_unit=w.pref,
        roles=[Role.ADMIN],
        is_staff=True,
        is_superuser=True,
    )
    w.admin_secret = enable_totp(w.admin)
    w.admin_codes = RecoveryCodes.activate(w.admin).get_unused_codes()
    w.hr = UserFactory(full_name="王芳", org_unit=w.shache, roles=[Role.HR])
    w.hr.scope_units.add(w.shache)
    enable_totp(w.hr)
    w.trainer = UserFactory(full_name="培训员", org_unit=w.pref, roles=[Role.TRAINER], is_staff=True)
    enable_totp(w.trainer)
    w.learner = UserFactory(full_name="艾力·买买提", org_unit=w.dept)
    w.people = [UserFactory(org_unit=w.dept, email=f"person{i}@example.cn") for i in range(3)]
    for person in w.people:
        EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=True)
    return w


def _client(**kwargs):
    from django.test import Client

    return Client(raise_request_exception=False, **kwargs)


def _signed_in(user):
    client = signed_in_client(user)
    client.raise_request_exception = False
    return client


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- 1. the administrator's password on every sign-in route -----------------------------------


def login_routes(w: World) -> list[tuple[str, object]]:
    from django.contrib.auth import SESSION_KEY
    from django.core.cache import cache
    from wagtail.models import PageViewRestriction

    from tests.accounts.test_one_way_in import credentials_for, privileged_pages, sweep
    from tests.cms import course_factories as cf

    protected = cf.course(title="受密码保护的课程")
    restriction = PageViewRestriction.objects.create(
        page=protected, restriction_type=PageViewRestriction.PASSWORD, password="room-password-7"
    )
    routes = [
        ("allauth", "/accounts/login/"),
        ("wagtail_admin", "/cms/login/"),
        ("django_admin", "/admin/login/"),
        ("wagtail_privacy_login", "/_util/login/"),
        ("wagtail_privacy_password", f"/_util/authenticate_with_password/{restriction.pk}/{protected.pk}/"),
    ]
    results = []
    data = {**credentials_for(w.admin), "return_url": "/"}
    for slug, url in routes:
        cache.clear()
        client = _client()
        response, ms = timed(client.post, url, data, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="203.0.113.10")
        signed_in = client.session.get(SESSION_KEY) == str(w.admin.pk)
        answers, reached = [], 0
        for page in privileged_pages():
            answer = client.get(page)
            reached += answer.status_code == 200
            answers.append(f"{page} {status(answer)}")
        results.append(
            (
                f"hostile_login_{slug}",
                line(
                    status(response),
                    ms,
                    f"signed in: {'yes' if signed_in else 'no'}; shown: {landing(client, response)}",
                ),
            )
        )
        results.append(
            (f"hostile_login_{slug}_then", f"privileged pages reached: {reached}/{len(answers)}; " + "; ".join(answers))
        )
    cache.clear()
    from tests.urlsweep import all_paths

    (signed_in, holes), ms = timed(lambda: sweep(w.admin))
    cache.clear()
    results.append(
        (
            "hostile_login_sweep_every_route",
            line(
                f"{len(all_paths())} routes POSTed",
                ms,
                f"signed a session in: {', '.join(signed_in) or 'none'}; privileged page reached: {len(holes)}",
                200,
            ),
        )
    )
    return results


# --- 2. a password-only session of a TOTP account ---------------------------------------------


def password_only(w: World) -> list[tuple[str, object]]:
    from allauth.mfa.models import Authenticator
    from django.urls import reverse

    from tests.accounts.test_one_way_in import PASSWORD, totp_code
    from tests.auth import sign_in
    from tests.conftest import enable_totp
    from tests.factories import UserFactory

    results = []
    client = sign_in(_client(), w.admin, second_factor=False)
    pages = [
        ("recovery_codes", reverse("mfa_view_recovery_codes")),
        ("totp_deactivate", reverse("mfa_deactivate_totp")),
        ("recovery_codes_regenerate", reverse("mfa_generate_recovery_codes")),
    ]
    for slug, url in pages:
        response, ms = timed(client.get, url)
        results.append((f"hostile_password_only_{slug}", line(status(response), ms, landing(client, response))))
    # The password offered as the "re-authentication" proves nothing for an account with TOTP.
    response, ms = timed(lambda: client.post(reverse("account_reauthenticate"), {"password": PASSWORD}))
    results.append(
        ("hostile_password_only_reauthenticate_with_password", line(status(response), ms, landing(client, response)))
    )
    shown = client.get(reverse("mfa_view_recovery_codes"), follow=True)
    html = shown.content.decode()
    results.append(
        (
            "hostile_password_only_reauthenticate_with_password_facts",
            f"recovery codes page then {shown.redirect_chain[-1][0] if shown.redirect_chain else shown.status_code}; "
            f"codes shown: {sum(code in html for code in w.admin_codes)}/{len(w.admin_codes)}; "
            f"authenticators: {Authenticator.objects.filter(user=w.admin).count()} (TOTP + recovery codes, unchanged)",
        )
    )
    # Control: the code itself opens the page (so the refusals above are the check, not a broken page).
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(w.admin_secret)})
    response, ms = timed(lambda: client.get(reverse("mfa_view_recovery_codes")))
    html = response.content.decode()
    results.append(
        (
            "hostile_password_only_control_after_totp_code",
            line(
                status(response), ms, f"codes shown: {sum(code in html for code in w.admin_codes)}/{len(w.admin_codes)}"
            ),
        )
    )
    # A learner with TOTP signed in by Django's own login (no allauth record at all).
    learner = UserFactory(org_unit=w.dept, full_name="有两步验证的学员")
    enable_totp(learner)
    client = _client()
    client.login(username=learner.employee_no, password=PASSWORD)
    response, ms = timed(lambda: client.get("/"))
    results.append(
        ("hostile_password_only_learner_with_totp_home", line(status(response), ms, landing(client, response)))
    )
    return results


# --- 3. bad-password floods -------------------------------------------------------------------


def _login(client, login: str, password: str, xff: str | None, remote: str = NGINX):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def _flood(attempt, limit: int = 200):
    """Call ``attempt(i)`` until it is refused; return (attempt number, response, ms) or (None, last, ms)."""
    from tests.accounts.test_rate_limits import _refused

    response, ms = None, 0.0
    for i in range(1, limit + 1):
        response, ms = timed(attempt, i)
        if _refused(response):
            return i, response, ms
    return None, response, ms


def _stopped(number, response, ms) -> str:
    where = f"stopped at attempt {number}" if number else "NOT stopped"
    return line(f"{where} → {status(response)}", ms, visible(response))


def login_floods(w: World) -> list[tuple[str, object]]:
    from django.contrib.auth import SESSION_KEY
    from django.core.cache import cache

    from tests.accounts.test_one_way_in import PASSWORD

    results = []
    cache.clear()
    client = _client()
    found = _flood(lambda i: _login(client, f"nobody{i}", "wrong", "203.0.113.66"))
    results.append(("hostile_login_flood_one_address", _stopped(*found)))
    person = w.people[0]
    response, ms = timed(lambda: _login(client, person.employee_no, PASSWORD, "203.0.113.66"))
    results.append(
        (
            "hostile_login_flood_same_address_right_password",
            line(
                status(response),
                ms,
                f"signed in: {'yes' if SESSION_KEY in client.session else 'no'}; {visible(response)}",
            ),
        )
    )
    other = _client()
    response, ms = timed(lambda: _login(other, person.employee_no, PASSWORD, "198.51.100.10"))
    results.append(
        (
            "hostile_login_flood_other_address_signs_in",
            line(
                status(response),
                ms,
                f"signed in: {'yes' if other.session.get(SESSION_KEY) == str(person.pk) else 'no'}",
            ),
        )
    )

    cache.clear()
    client = _client()
    found = _flood(lambda i: _login(client, f"nobody{i}", "wrong", f"6.6.6.{i % 250}, 203.0.113.77"))
    results.append(("hostile_login_flood_spoofed_xff_behind_proxy", _stopped(*found)))

    cache.clear()
    client = _client()
    found = _flood(lambda i: _login(client, f"nobody{i}", "wrong", f"203.0.113.{i % 250}", remote="198.51.100.99"))
    results.append(("hostile_login_flood_untrusted_peer_with_xff", _stopped(*found)))

    cache.clear()
    victim, bystander = w.people[1], w.people[2]
    client = _client()
    found = _flood(lambda i: _login(client, victim.employee_no, "wrong", f"203.0.113.{i % 250}"))
    results.append(("hostile_login_flood_one_account_many_addresses", _stopped(*found)))
    response, ms = timed(lambda: _login(client, victim.employee_no, PASSWORD, "192.0.2.200"))
    results.append(
        (
            "hostile_login_flood_one_account_right_password_new_address",
            line(
                status(response),
                ms,
                f"signed in: {'yes' if SESSION_KEY in client.session else 'no'}; {visible(response)}",
            ),
        )
    )
    other = _client()
    response, ms = timed(lambda: _login(other, bystander.employee_no, PASSWORD, "203.0.113.1"))
    results.append(
        (
            "hostile_login_flood_other_account_same_addresses",
            line(
                status(response),
                ms,
                f"signed in: {'yes' if other.session.get(SESSION_KEY) == str(bystander.pk) else 'no'}",
            ),
        )
    )
    cache.clear()
    return results


# --- 4. password-reset floods -----------------------------------------------------------------


def reset_floods(w: World) -> list[tuple[str, object]]:
    from django.core.cache import cache

    results = []
    url = "/accounts/password/reset/"

    def reset(client, email, xff):
        return client.post(url, {"email": email}, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=xff)

    cache.clear()
    victim = w.people[0]
    before = len(mails())
    client = _client()
    found = _flood(lambda i: reset(client, victim.email, f"203.0.113.{i}"), limit=60)
    sent = [m for m in mails()[before:] if victim.email in m.to]
    results.append(("hostile_reset_flood_one_account_many_addresses", _stopped(*found)))
    results.append(
        (
            "hostile_reset_flood_one_account_many_addresses_facts",
            f"reset mails to {victim.email}: {len(sent)}; the refusal page: {page_facts(found[1])}, "
            f"lang {_html_lang(found[1])}",
        )
    )

    cache.clear()
    before = len(mails())
    client = _client()
    found = _flood(lambda i: reset(client, f"stranger{i}@example.cn", "203.0.113.99"), limit=100)
    results.append(("hostile_reset_flood_one_address_many_accounts", _stopped(*found)))
    results.append(
        (
            "hostile_reset_flood_one_address_many_accounts_facts",
            f"mails sent to addresses with no account: {len(mails()) - before}"
            + (f" (subject「{mails()[before].subject}」)" if len(mails()) > before else ""),
        )
    )
    cache.clear()
    return results


# --- 5. the staff import and login e-mails ----------------------------------------------------


def identity_changes(w: World) -> list[tuple[str, object]]:
    from allauth.account.models import EmailAddress
    from django.urls import reverse

    from accounts.models import AuditLog, Role, User
    from tests.accounts import xlsx_files
    from tests.accounts.test_identity_changes import row
    from tests.factories import UserFactory

    results = []
    client = _signed_in(w.hr)
    target = UserFactory(
        full_name="赵强", email="zhao@example.cn", org_unit=w.dept, roles=[Role.TRAINER], is_staff=True
    )
    data = xlsx_files.staff_file([row(target, "attacker@evil.example")]).getvalue()
    before, mail_before = counts(), len(mails())
    response, ms = timed(lambda: client.post(reverse("directory:staff_import"), {"file": _upload("staff.xlsx", data)}))
    results.append(("hostile_import_privileged_email_change", line(status(response), ms, visible(response), 120)))
    results.append(
        (
            "hostile_import_privileged_email_change_facts",
            f"login e-mail now {User.objects.get(pk=target.pk).email}; rows changed: {rows_changed(before, counts())}; "
            f"mails sent: {len(mails()) - mail_before}",
        )
    )

    person = UserFactory(full_name="李建华", email="li@example.cn", org_unit=w.dept)
    EmailAddress.objects.create(user=person, email="li@example.cn", primary=True, verified=True)
    data = xlsx_files.staff_file([row(person, "li.jianhua@example.cn")]).getvalue()
    audit_before, mail_before = AuditLog.objects.filter(action="identity_change").count(), len(mails())
    response, ms = timed(lambda: client.post(reverse("directory:staff_import"), {"file": _upload("staff.xlsx", data)}))
    from bs4 import BeautifulSoup

    result = BeautifulSoup(response.content.decode(), "html.parser").select_one("[data-testid=import-result]")
    shown = result.get_text(" ", strip=True) if result else visible(response)
    results.append(("hostile_import_ordinary_email_change", line(status(response), ms, shown)))
    entries = list(AuditLog.objects.filter(action="identity_change").order_by("pk"))[audit_before:]
    notices = mails()[mail_before:]
    details = "; ".join(
        f"audit {e.details.get('field')}: {e.details.get('old')} → {e.details.get('new')} by {e.actor} via {e.details.get('via')}"
        for e in entries
    )
    results.append(
        (
            "hostile_import_ordinary_email_change_facts",
            f"{details or 'no audit entry'}; mails: {len(notices)} to {[m.to for m in notices]}; "
            f"old address still signs in: {EmailAddress.objects.filter(email='li@example.cn').exists()}",
        )
    )
    return results


# --- 6. spreadsheet bombs ---------------------------------------------------------------------


def _shared_strings_flood(headers: list[str], cap: int) -> bytes:
    """One distinct string more than the door check allows for ``cap`` rows (all under the unzipped cap)."""
    from core.xlsx import HEADER_SEARCH_ROWS, SHARED_STRINGS_PER_ROW
    from tests.accounts.test_import_limits import MAIN_NS, _with_members, _workbook_bytes

    count = (cap + HEADER_SEARCH_ROWS) * SHARED_STRINGS_PER_ROW + 1
    strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(count))
    table = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN_NS.encode() + b'">' + strings + b"</sst>"
    return _with_members(_workbook_bytes(headers), {"xl/sharedStrings.xml": table})


BILLION_LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (ord("b") + i, (b"&%c;" % (ord("a") + i)) * 10) for i in range(9))
    + b"]><worksheet"
)


def _dtd_workbook(headers: list[str]) -> bytes:
    from tests.accounts.test_import_limits import _patch_sheet, blank_rows_workbook

    return _patch_sheet(blank_rows_workbook(headers, 0, dimension=None), b"<worksheet", BILLION_LAUGHS)


def _identical_bad_rows_workbook(headers: list[str], row: list[str], rows: int) -> bytes:
    """``rows`` identical data rows of shared strings without row numbers: each compresses to almost nothing."""
    from xml.sax.saxutils import escape

    from tests.accounts.test_import_limits import MAIN_NS, _with_members, _workbook_bytes

    base = _workbook_bytes(headers)
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels")
        types = archive.read("[Content_Types].xml")
    strings = "".join(f"<si><t>{escape(v)}</t></si>" for v in [*headers, *row])
    table = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">{strings}</sst>'.encode()

    def cells(first: int) -> str:
        return "".join(f'<c t="s"><v>{first + i}</v></c>' for i in range(len(headers)))

    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
        f"<sheetData><row>{cells(0)}</row>"
    ).encode()
    sheet += f"<row>{cells(len(headers))}</row>".encode() * rows + b"</sheetData></worksheet>"
    relationship = (
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    return _with_members(
        base,
        {
            "xl/worksheets/sheet1.xml": sheet,
            "xl/sharedStrings.xml": table,
            "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", relationship + b"</Relationships>"),
            "[Content_Types].xml": types.replace(b"</Types>", override + b"</Types>"),
        },
    )


def _post_import(what: str, w: World, name: str, data: bytes, fmt: str = "xlsx"):
    from django.urls import reverse

    upload = _upload(name, data)
    if what == "staff":
        return w.staff_client.post(reverse("directory:staff_import"), {"file": upload})
    if what == "attendance":
        return w.trainer_client.post(reverse("classroom:session_import", args=[w.session.pk]), {"file": upload})
    return w.trainer_client.post(
        reverse("exams_question_import:index"), {"action": "check", "format": fmt, "category": "", "file": upload}
    )


def _bomb(what: str, slug: str, w: World, name: str, data: bytes, *, fmt: str = "xlsx", memory: bool = False):
    before = counts()
    if memory:
        reset = _reset_peak_rss()
        rss_before = _peak_rss_kb()
    response, ms = timed(lambda: _post_import(what, w, name, data, fmt))
    facts = [f"file {len(data) / 1024:.1f} KB", f"response {len(response.content) / 1024:.1f} KB"]
    if memory:
        how = "VmHWM reset before the request" if reset else "high-water mark not reset: only a new peak shows"
        facts.append(f"peak RSS growth {max(_peak_rss_kb() - rss_before, 0) / 1024:.1f} MB ({how})")
        tracemalloc.start()
        _post_import(what, w, name, data, fmt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        facts.append(f"Python allocation peak (tracemalloc, second run) {peak / 1048576:.1f} MB")
    outcome = status(response)
    message = visible(response)
    if response.get("Location"):  # a background job: its page says what the import page would
        page = (w.staff_client if what == "staff" else w.trainer_client).get(response["Location"])
        message = f"job page {page.status_code}: {visible(page)}"
        facts.append(f"job page {len(page.content) / 1024:.1f} KB")
    facts.append(f"rows changed: {rows_changed(before, counts())}")
    return [
        (f"hostile_{what}_import_{slug}", line(outcome, ms, message, 110)),
        (f"hostile_{what}_import_{slug}_facts", ", ".join(facts)),
    ]


def spreadsheet_bombs(w: World) -> list[tuple[str, object]]:
    from decimal import Decimal

    from django.conf import settings
    from django.test import override_settings

    from tests.accounts.test_import_limits import (
        ATTENDANCE_HEADERS,
        QUESTION_HEADERS,
        STAFF_HEADERS,
        UNIT,
        _workbook_bytes,
        million_blank_rows,
        too_many_questions,
        zip_bomb,
    )
    from tests.classroom.factories import TrainingSessionFactory

    w.staff_client = _signed_in(w.admin)
    w.trainer_client = _signed_in(w.trainer)
    w.session = TrainingSessionFactory(audience_units=[w.shache], hours=Decimal("2"))
    results = []
    headers = {"staff": STAFF_HEADERS, "attendance": ATTENDANCE_HEADERS, "questions": QUESTION_HEADERS}
    caps = {
        "staff": settings.MAX_IMPORT_ROWS_STAFF,
        "attendance": settings.MAX_IMPORT_ROWS_ATTENDANCE,
        "questions": settings.MAX_IMPORT_QUESTIONS,
    }
    names = {"staff": "staff.xlsx", "attendance": "签到.xlsx", "questions": "q.xlsx"}
    for what in ("staff", "attendance", "questions"):  # warm-up (imports, templates), not reported
        _post_import(what, w, names[what], _workbook_bytes(headers[what]))
    for what in ("staff", "attendance", "questions"):
        million = million_blank_rows(tuple(headers[what]))
        results += _bomb(what, "million_blank_rows", w, names[what], million, memory=True)
    for what in ("staff", "attendance", "questions"):
        results += _bomb(what, "zip_bomb_150mb", w, names[what], zip_bomb(tuple(headers[what])))
        results += _bomb(what, "shared_strings_flood", w, names[what], _shared_strings_flood(headers[what], caps[what]))
        results += _bomb(what, "dtd_billion_laughs", w, names[what], _dtd_workbook(headers[what]))
    staff_csv = ("单位,工号,姓名,人员类别\n" + f"{UNIT},C1,王芳,执法人员\n" * (caps["staff"] + 100)).encode()
    results += _bomb("staff", "csv_over_row_cap", w, "staff.csv", staff_csv)
    attendance_csv = ("工号,姓名,签到时间\n" + "C1,王芳,09:05\n" * (caps["attendance"] + 100)).encode()
    results += _bomb("attendance", "csv_over_row_cap", w, "签到.csv", attendance_csv)
    aiken = too_many_questions("aiken", caps["questions"] + 1)
    results += _bomb("questions", "aiken_over_question_cap", w, "q.txt", aiken, fmt="aiken")

    # 100,000 rows, each with one problem (a 工号 with a space), in a small workbook. At the real caps the
    # row cap refuses it at the door; with the cap raised (as tests/accounts/test_import_limits.py does)
    # every row is checked in the request and the problem list is what is measured.
    bad_rows = _identical_bad_rows_workbook(STAFF_HEADERS, [UNIT, "A B", "王芳", "执法人员"], 100_000)
    results += _bomb("staff", "100k_bad_rows_real_caps", w, "staff.xlsx", bad_rows)
    with override_settings(MAX_IMPORT_ROWS_STAFF=200_000, STAFF_IMPORT_JOB_ROWS=200_000):
        before = counts()
        response, ms = timed(lambda: _post_import("staff", w, "staff.xlsx", bad_rows))
        summary, _listed = problem_summary(response)
        results.append(("hostile_staff_import_100k_bad_rows_cap_raised", line(status(response), ms, summary, 110)))
        results.append(
            (
                "hostile_staff_import_100k_bad_rows_cap_raised_facts",
                f"file {len(bad_rows) / 1024:.1f} KB, response {len(response.content) / 1024:.1f} KB, "
                f"rows changed: {rows_changed(before, counts())}; MAX_IMPORT_ROWS_STAFF=200,000 and "
                "STAFF_IMPORT_JOB_ROWS=200,000 for this case only",
            )
        )
    aiken_bad = ("题目\nA) 甲\nB) 乙\nANSWER: Z\n\n" * 300).encode()
    before = counts()
    response, ms = timed(lambda: _post_import("questions", w, "q.txt", aiken_bad, fmt="aiken"))
    summary, _listed = problem_summary(response)
    results.append(("hostile_questions_import_300_bad_answers", line(status(response), ms, summary, 110)))
    results.append(
        (
            "hostile_questions_import_300_bad_answers_facts",
            f"response {len(response.content) / 1024:.1f} KB, rows changed: {rows_changed(before, counts())}",
        )
    )
    return results


# --- 7. NUL -----------------------------------------------------------------------------------


def nul_bytes(w: World) -> list[tuple[str, object]]:
    learner, hr = _signed_in(w.learner), _signed_in(w.hr)
    cases = [
        ("query_search", learner, "get", "/search/?q=%00", None, {}),
        ("query_laws", learner, "get", "/laws/?q=a%00b", None, {}),
        ("query_staff_directory", hr, "get", "/staff/?q=%00", None, {}),
        ("query_search_json_client", learner, "get", "/search/?q=%00", None, {"HTTP_ACCEPT": "application/json"}),
        ("form_field_login", _client(), "post", "/accounts/login/", {"login": "E000001\x00", "password": "x"}, {}),
        (
            "form_field_lesson_check",
            learner,
            "post",
            "/learning/progress/check/",
            {"lesson": "1", "choice": "a\x00"},
            {},
        ),
        (
            "json_u0000_heartbeat",
            learner,
            "post",
            "/learning/progress/heartbeat/",
            '{"lesson": "a\\u0000b"}',
            {"content_type": "application/json"},
        ),
        ("path_search", learner, "get", "/search/%00/", None, {}),
        ("path_staff", hr, "get", "/staff/x%00/", None, {}),
    ]
    results = []
    for slug, client, method, url, data, extra in cases:
        call = getattr(client, method)
        response, ms = timed(call, url, data, **extra) if data is not None else timed(call, url, **extra)
        results.append((f"hostile_nul_{slug}", line(status(response), ms, visible(response))))
    return results


# --- 8. deep and oversized JSON ---------------------------------------------------------------


def hostile_json(w: World) -> list[tuple[str, object]]:
    from django.conf import settings

    from exams.services.attempts import start_attempt
    from tests.exams import factories_exams as f

    exam = f.exam(f.mixed_paper())
    w.json_attempt = start_attempt(exam_id=exam.pk, user=w.learner)
    client = _signed_in(w.learner)
    brackets = "[" * 100_000
    oversized = '{"lesson": 1, "pad": "' + "x" * settings.MAX_JSON_BODY_BYTES + '"}'
    endpoints = [
        ("heartbeat", "/learning/progress/heartbeat/"),
        ("exam_save", f"/exams/attempts/{w.json_attempt.pk}/save/"),
    ]
    results = []
    for slug, url in endpoints:
        for what, body in (("100k_brackets", brackets), (f"over_{settings.MAX_JSON_BODY_BYTES // 1024}kb", oversized)):
            response, ms = timed(client.post, url, data=body, content_type="application/json")
            results.append((f"hostile_json_{what}_{slug}", line(status(response), ms, visible(response))))
    response, ms = timed(lambda: client.post(endpoints[1][1], {"payload": brackets}))
    results.append(("hostile_json_100k_brackets_exam_save_beacon_form", line(status(response), ms, visible(response))))
    return results


# --- 9. one bad answer in a save batch ------------------------------------------------------


def save_batch(w: World) -> list[tuple[str, object]]:
    from django.urls import reverse

    from exams.models import AttemptAnswer, QuestionType
    from exams.services.attempts import start_attempt
    from tests.exams import factories_exams as f
    from tests.exams.test_save_batch import BAD, GOOD
    from tests.factories import UserFactory

    learner = UserFactory(org_unit=w.dept, full_name="考生")
    exam = f.exam(
        [
            f.question(QuestionType.SINGLE, correct=("B",)),
            f.question(QuestionType.MULTIPLE, correct=("A", "C")),
            f.question(QuestionType.TRUEFALSE, correct=("T",)),
            f.question(QuestionType.FILL),
            f.question(QuestionType.SHORT),
            f.question(QuestionType.SINGLE),
        ]
    )
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    answers = [GOOD[0], GOOD[1], BAD[0][0], GOOD[2]]
    client = _signed_in(learner)
    response, ms = timed(
        lambda: client.post(
            reverse("exams:save", args=[attempt.pk]),
            data=json.dumps({"answers": answers}),
            content_type="application/json",
        )
    )
    body = response.json() if "json" in response.get("Content-Type", "") else {}
    saved = body.get("saved", [])
    accepted = [r["item"] for r in saved if r.get("accepted")]
    refused = [f"第 {r['item']} 题: {r.get('error')}" for r in saved if not r.get("accepted")]
    stored = AttemptAnswer.objects.filter(item__attempt=attempt, seq__gt=0).count()
    return [
        (
            "hostile_save_batch_one_bad_among_good",
            line(
                status(response),
                ms,
                f"accepted {len(accepted)} (items {accepted}); refused: {'; '.join(refused) or 'none'}",
                120,
            ),
        ),
        (
            "hostile_save_batch_one_bad_among_good_facts",
            f"sent {len(answers)} answers; stored in the database: {stored}",
        ),
    ]


# --- 10. tracking pixels ----------------------------------------------------------------------


def external_images(w: World) -> list[tuple[str, object]]:
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from exams.models import Question, QuestionType
    from exams.services.questions import save_question
    from tests.cms import course_factories as cf
    from tests.core.test_external_urls import MOODLE_XML, PIXEL
    from tests.exams import factories_exams as f

    results = []
    before = Question.objects.count()

    def service():
        try:
            save_question(
                category=f.category(),
                qtype=QuestionType.TRUEFALSE,
                stem=f'<p>行政处罚决定书应当载明救济途径。<img src="{PIXEL}" width="1" height="1"></p>',
                options=[{"key": "T", "correct": True}],
            )
        except ValidationError as exc:
            return "ValidationError", "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return "saved", "(no error)"

    (outcome, message), ms = timed(service)
    results.append(("hostile_pixel_question_service", line(outcome, ms, message, 110)))
    results.append(("hostile_pixel_question_service_facts", f"questions stored: {Question.objects.count() - before}"))

    client = _signed_in(w.trainer)
    before = counts()
    response, ms = timed(
        lambda: client.post(
            reverse("exams_question_import:index"),
            {"action": "check", "format": "moodle-xml", "category": "", "file": _upload("bank.xml", MOODLE_XML)},
        )
    )
    results.append(("hostile_pixel_question_import_page", line(status(response), ms, visible(response), 110)))
    results.append(("hostile_pixel_question_import_page_facts", f"rows changed: {rows_changed(before, counts())}"))

    # The lesson body as the page editor posts it: Draftail can only hold a site image (an id), so the
    # external resource an editor can post is a media embed; a raw <img> (API, data migration) is
    # checked by the same block validation.
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    lesson = cf.lesson(cf.course())
    revisions = lesson.revisions.count()
    url = f"/cms/pages/{lesson.pk}/edit/"
    data = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "min_study_seconds": 600,
            "body": streamfield(
                [("paragraph", rich_text('<p>听证</p><embed embedtype="media" url="https://evil.example/v/1"/>'))]
            ),
            "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        }
    )
    response, ms = timed(lambda: client.post(url, data))
    blocks = wagtail_block_errors(response)
    message = f"{visible(response)} / body: {' '.join(blocks) or 'no block error'}"
    results.append(("hostile_pixel_lesson_page_editor_media_embed", line(status(response), ms, message, 160)))
    results.append(
        (
            "hostile_pixel_lesson_page_editor_media_embed_facts",
            f"revisions added: {lesson.revisions.count() - revisions}",
        )
    )

    from cms.models import LessonPage

    block = LessonPage._meta.get_field("body").stream_block

    def clean():
        try:
            block.clean(block.to_python([{"type": "paragraph", "value": f'<p><img src="{PIXEL}"></p>'}]))
        except ValidationError as exc:
            found = [m for b in getattr(exc, "block_errors", {}).values() for m in getattr(b, "messages", [])]
            return "refused", " ".join(found) or str(exc)
        return "accepted", "(no error)"

    (outcome, message), ms = timed(clean)
    results.append(("hostile_pixel_lesson_rich_text_img", line(outcome, ms, message, 110)))
    return results


# --- 11. error pages --------------------------------------------------------------------------


def error_pages(w: World) -> list[tuple[str, object]]:
    learner = _signed_in(w.learner)
    strict = _client(enforce_csrf_checks=True)
    strict.force_login(w.learner)
    cases = [
        ("403_learner_on_hr_page", lambda: learner.get("/learning/compliance/")),
        ("403_learner_on_staff_directory", lambda: learner.get("/staff/")),
        ("404", lambda: learner.get("/learning/no-such-page/")),
        ("400_unknown_host", lambda: _client().get("/", HTTP_HOST="evil.example")),
        ("csrf_failure", lambda: strict.post("/i18n/setlang/", {"language": "en"})),
    ]
    results = []
    for slug, call in cases:
        response, ms = timed(call)
        results.append((f"hostile_error_{slug}", line(status(response), ms, visible(response))))
        results.append((f"hostile_error_{slug}_facts", page_facts(response)))
    return results


# --- 12. guard rails --------------------------------------------------------------------------


def guard_rails(w: World) -> list[tuple[str, object]]:
    from tests.accounts.test_guard_rails import PRODUCTION_ENV

    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PYTHONIOENCODING": "utf-8",
        **PRODUCTION_ENV,
        "CACHE_URL": "redis://127.0.0.1:6379/11",
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    cases = [
        ("seed_demo_in_production", ["seed_demo", "--staff", "0", "--quiet"], {}),
        ("demo_totp_in_production", ["demo_totp", "demo_hr"], {}),
        ("production_with_debug_1", ["check"], {"DEBUG": "1"}),
        ("production_with_debug_false_control", ["check"], {"DEBUG": "false"}),
    ]
    results = []
    for slug, args, extra in cases:
        proc, ms = timed(
            subprocess.run,
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
        )
        said = [ln for ln in (proc.stderr.strip() or proc.stdout.strip()).splitlines() if ln.strip()]
        results.append((f"hostile_guard_{slug}", line(f"exit {proc.returncode}", ms, said[-1] if said else "", 110)))
    for slug, client, url in (
        ("home_learner", _signed_in(w.learner), "/"),
        ("login_page_anonymous", _client(), "/accounts/login/"),
        ("wagtail_admin_trainer", _signed_in(w.trainer), "/cms/"),
    ):
        response, ms = timed(client.get, url)
        policy = response.get("Content-Security-Policy")
        if policy:
            directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip())
            shown = f"Content-Security-Policy ({len(directives)} directives): " + "; ".join(
                f"{name} {directives.get(name, '(absent)')}"
                for name in ("default-src", "script-src", "frame-ancestors")
            )
        else:
            shown = "NO Content-Security-Policy header"
        results.append((f"hostile_guard_csp_{slug}", line(status(response), ms, shown, 140)))
    return results


# --- running ----------------------------------------------------------------------------------

SECTIONS = [
    spreadsheet_bombs,  # first: the million-row files' memory is measured on a quiet process
    login_routes,
    password_only,
    login_floods,
    reset_floods,
    identity_changes,
    nul_bytes,
    hostile_json,
    save_batch,
    external_images,
    error_pages,
    guard_rails,
]


def run(only: set[str] | None = None) -> list[tuple[str, object]]:
    """Every section, or those named in ``only`` (``python bench/hostile.py nul_bytes hostile_json``)."""
    started = time.perf_counter()
    url, how = _database()
    _setup(url)
    from django.conf import settings

    world = _world()
    for client, url in ((_client(), "/"), (_signed_in(world.learner), "/search/?q=x")):  # warm-up, not reported
        client.get(url)
    results: list[tuple[str, object]] = [
        ("hostile_setup_seconds", time.perf_counter() - started),
        ("hostile_setup_database", how),
        (
            "hostile_settings",
            f"rate limits {settings.ACCOUNT_RATE_LIMITS['login_failed']} (failed sign-ins), "
            f"{settings.ACCOUNT_RATE_LIMITS['reset_password']} (reset); trusted proxy {settings.TRUSTED_PROXIES} "
            f"× {settings.TRUSTED_PROXY_COUNT}; cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}",
        ),
    ]
    for section in SECTIONS:
        if only and section.__name__ not in only:
            continue
        try:
            results += section(world)
        except Exception as exc:  # one broken section must not hide the others' evidence
            results.append((f"hostile_{section.__name__}_error", f"{type(exc).__name__}: {short(str(exc), 200)}"))
    results.append(("hostile_total_seconds", time.perf_counter() - started))
    return results


if __name__ == "__main__":
    emit(run(set(sys.argv[1:])))
