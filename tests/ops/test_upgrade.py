"""Upgrading from the release production runs is ``migrate``, and it keeps the data.

The previous release's code (from git history) builds and seeds a database; the current
code migrates it. The ledger must be row-for-row the same, every row of our tables still
there, the balances still equal to the ledger, the ledger guard in place, and a signed-in
page must render from the upgraded database. Models that moved to another app keep their
content types (same ids, the new app label) and so the permissions role groups hold on
them; every job kind and beat entry in the database still names something that runs. A
certificate the previous release printed still verifies by its printed code and downloads
as the same file. The annual review's rules and outcomes the previous release wrote read
the same through the review app's models, and so does a study plan (its audience and its
items) through the plans app's.
"""

import hashlib
import json
import shutil
import subprocess
import tarfile
import time

import pytest

from . import scratch_db as pg

# The previous landing, what production runs today ("Review mends: one place creates a staged
# question import"). Move it forward with each release.
PREVIOUS_RELEASE = "28a614fdd5d60107188217eda15145499bea34d0"
DATABASE = pg.scratch("up")
STAFF = 20

# Tables a migration of this release empties into another on purpose: old table -> new home.
# (The classroom sessions and the certificates moved to their apps with their tables: no table moves.)
MOVED: dict[str, str] = {}

# Models this release moves to another app (they keep their tables): model -> (old app, new app).
MOVED_MODELS = {
    "lectureseries": ("learning", "classroom"),
    "trainingsession": ("learning", "classroom"),
    "attendance": ("learning", "classroom"),
    "certificate": ("learning", "certificates"),
    "certificatesequence": ("learning", "certificates"),
    "certificatesettings": ("learning", "certificates"),
    "notification": ("learning", "notifications"),
    "annualreviewrule": ("learning", "review"),
    "annualreviewoutcome": ("learning", "review"),
    "studyplan": ("learning", "plans"),
    "studyplanitem": ("learning", "plans"),
}
TRAINERS = "培训管理员"
PLAN_TITLE = "升级前的学法清单"
CRUD = ("add", "change", "delete", "view")

# What the seed does not make but a production database has: attendances of a session, a finished
# attendance import, an in-site message, a study plan with every kind of audience and item, and permissions
# an administrator gave the trainers on the moved models.
PRODUCTION_EXTRAS = f"""
import datetime as dt
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from accounts.models import OrgUnit, User
from cms.models import CoursePage
from exams.models import Exam
from jobs.models import Job
from learning.models import StudyPlan, StudyPlanItem, TrainingSession
from learning.services.notifications import notify
from learning.services.sessions import mark_attendance
session = TrainingSession.objects.order_by("pk").first()
notify(user=session.organiser, title="升级前的消息", url="/learning/hours/", kind="upgrade", dedupe_key="upgrade-test")
for person in User.objects.filter(is_active=True, org_unit__isnull=False).order_by("pk")[:3]:
    mark_attendance(session=session, user=person, method="manual", marked_by=session.organiser)
Job.objects.create(
    kind="learning.attendance_import", requested_by=session.organiser, parameters={{"session": session.pk}},
    scope_label=session.title, dedupe_key="upgrade-test", status="done", total=3, done=3, finished_at=timezone.now(),
)
plan = StudyPlan.objects.create(
    year=2025, title={PLAN_TITLE!r}, due_on=dt.date(2025, 11, 30), note="升级前制定", target_categories=["leader"],
    target_positions=["科长"], created_by=session.organiser,
)
plan.target_units.add(OrgUnit.objects.order_by("pk").first())
plan.target_people.add(*User.objects.filter(is_active=True, org_unit__isnull=False).order_by("-pk")[:2])
StudyPlanItem.objects.create(plan=plan, kind="course", course=CoursePage.objects.live().order_by("pk").first())
StudyPlanItem.objects.create(
    plan=plan, kind="exam", exam=Exam.objects.filter(makeup_for__isnull=True).order_by("pk").first(), position=1
)
Group.objects.get(name={TRAINERS!r}).permissions.add(
    *Permission.objects.filter(content_type__app_label="learning", content_type__model__in={list(MOVED_MODELS)!r})
)
"""

# After the upgrade, through the current code: the moved models' content types, the trainers'
# permissions on them, job kinds and beat tasks in the database that nothing would run, and the
# message the previous release left, read through the moved model.
MOVED_MODELS_SEEN = f"""
import json
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django_celery_beat.models import PeriodicTask
from config.celery import app
from jobs import registry
from jobs.models import Job
app.loader.import_default_modules()
models = {{name: apps.get_model(new, name) for name, (old, new) in {MOVED_MODELS!r}.items()}}
kinds = set(Job.objects.values_list("kind", flat=True))
print(json.dumps({{
    "content_types": {{name: ContentType.objects.get_for_model(model).pk for name, model in models.items()}},
    "trainer_permissions": sorted(
        f"{{p.content_type.app_label}}.{{p.codename}}"
        for p in Group.objects.get(name={TRAINERS!r}).permissions.filter(content_type__model__in=list(models))
    ),
    "unknown_job_kinds": sorted(k for k in kinds if k not in {{kind.name for kind in registry.all_kinds()}}),
    "unknown_beat_tasks": sorted(set(PeriodicTask.objects.values_list("task", flat=True)) - set(app.tasks)),
    "messages": [
        [m.kind, m.dedupe_key, m.url] for m in models["notification"].objects.filter(dedupe_key="upgrade-test")
    ],
}}))
"""

# A certificate the previous release issued and printed (its PDF rendered) to a learner without
# a second factor: after the upgrade its printed code must still verify, and its holder must
# download the very same file from the same place.
CERTIFICATE_PRINTED = """
import datetime as dt
import json
from allauth.mfa.models import Authenticator
from accounts.models import User
from cms.models import CoursePage
from learning.services.certificates import ensure_pdf, issue_course_certificate
holder = (
    User.objects.filter(groups__isnull=True, is_staff=False, is_active=True, org_unit__isnull=False)
    .exclude(pk__in=Authenticator.objects.values("user_id"))
    .order_by("pk")
    .first()
)
course = CoursePage.objects.live().order_by("pk").first()
issued = issue_course_certificate(holder=holder, course=course, completed_on=dt.date(2025, 6, 9)).certificate
certificate = ensure_pdf(issued)
print(json.dumps([certificate.verification_code, certificate.pdf.name]))
"""

CERTIFICATE_SEEN = """
import hashlib
import json
from django.test import Client
from certificates.models import Certificate
certificate = Certificate.objects.select_related("holder").get(verification_code=CODE)
public = Client(raise_request_exception=True).get(f"/verify/{certificate.verification_code}/")
client = Client(raise_request_exception=True)
client.force_login(certificate.holder)
download = client.get(f"/certificates/{certificate.pk}/download/")
certificate.refresh_from_db()
print(json.dumps([
    public.status_code,
    "该证书真实有效" in public.content.decode() and certificate.details["course_title"] in public.content.decode(),
    download.status_code,
    hashlib.sha256(b"".join(download.streaming_content)).hexdigest(),
    certificate.pdf.name,
]))
"""

# The annual review's rows (the seed sets a rule for last year and this, closes last year and reviews it), read
# through the models of the code that runs it: ``MODULE`` is learning's models before the upgrade, review's after.
REVIEW_ROWS = """
import json
from MODULE import AnnualReviewOutcome, AnnualReviewRule
rule = AnnualReviewRule.objects.select_related("annual_exam").order_by("pk").first()
outcome = AnnualReviewOutcome.objects.select_related("credential__holder").order_by("pk").first()
print(json.dumps({
    "counts": [AnnualReviewRule.objects.count(), AnnualReviewOutcome.objects.count()],
    "rule": [rule.pk, rule.year, rule.requires_hours, rule.annual_exam.title if rule.annual_exam else None, rule.note],
    "outcome": [
        outcome.pk, outcome.credential.number, outcome.credential.holder.full_name, outcome.year, outcome.passed,
        outcome.reasons, str(outcome.hours), str(outcome.required_hours), outcome.category_hours,
    ],
}))
"""

# The study plan written before the upgrade (and how many plans and items there are), read through the models of
# the code that runs it: ``MODULE`` is learning's models before the upgrade, plans' after.
PLAN_ROWS = f"""
import json
from MODULE import StudyPlan, StudyPlanItem
plan = StudyPlan.objects.select_related("created_by").get(title={PLAN_TITLE!r})
print(json.dumps({{
    "counts": [StudyPlan.objects.count(), StudyPlanItem.objects.count()],
    "plan": [
        plan.pk, plan.year, plan.title, plan.due_on.isoformat(), plan.note, plan.target_categories,
        plan.target_positions, plan.created_by.employee_no,
        sorted(plan.target_units.values_list("code", flat=True)),
        sorted(plan.target_people.values_list("employee_no", flat=True)),
    ],
    "items": [
        [item.pk, item.kind, item.position, item.course.title if item.course else None,
         item.exam.title if item.exam else None]
        for item in plan.items.select_related("course", "exam").order_by("position", "pk")
    ],
}}))
"""

SIGNED_IN_PAGE = """
import json
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from accounts.models import User
learner = (
    User.objects.filter(groups__isnull=True, is_staff=False, is_active=True, ledger_entries__isnull=False)
    .exclude(pk__in=Authenticator.objects.values("user_id"))
    .order_by("pk")
    .first()
)
client = Client(raise_request_exception=True)
client.force_login(learner)
response = client.get(reverse("learning:my_hours"))
print(json.dumps({"status": response.status_code, "name_shown": learner.full_name in response.content.decode()}))
"""


def _previous_release_present() -> bool:
    if not shutil.which("git"):
        return False
    found = subprocess.run(
        ["git", "-C", str(pg.ROOT), "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"], capture_output=True
    )
    return found.returncode == 0


pytestmark = [
    pytest.mark.postgres,
    pg.requires_postgres(),
    pytest.mark.skipif(
        not _previous_release_present(),
        reason=f"previous release {PREVIOUS_RELEASE[:7]} is not in this clone's history (shallow clone? "
        "git fetch --unshallow)",
    ),
]


@pytest.fixture
def database():
    pg.drop(DATABASE)
    yield DATABASE
    pg.drop(DATABASE)


@pytest.fixture
def previous_release(tmp_path):
    archive = tmp_path / "previous.tar"
    pg.run(["git", "-C", str(pg.ROOT), "archive", f"--output={archive}", PREVIOUS_RELEASE])
    code = tmp_path / "previous"
    with tarfile.open(archive) as tar:
        tar.extractall(code, filter="data")
    return code


def test_previous_release_upgrades_by_migrate_with_its_data_intact(database, previous_release, tmp_path):
    started = time.monotonic()
    pg.run(["createdb", *pg.server_args(), database])
    pg.manage(database, "migrate", "--noinput", code=previous_release, media=tmp_path)
    pg.manage(database, "seed_demo", "--staff", str(STAFF), "--quiet", code=previous_release, media=tmp_path)
    pg.manage(database, "shell", "-c", PRODUCTION_EXTRAS, code=previous_release, media=tmp_path)
    printed = pg.manage(database, "shell", "-c", CERTIFICATE_PRINTED, code=previous_release, media=tmp_path)
    code, pdf_name = json.loads(printed.stdout.strip().splitlines()[-1])
    pdf_sha = hashlib.sha256((tmp_path / "private_media" / pdf_name).read_bytes()).hexdigest()
    review_script = REVIEW_ROWS.replace("MODULE", "learning.models")
    review_rows = json.loads(
        pg.manage(database, "shell", "-c", review_script, code=previous_release, media=tmp_path)
        .stdout.strip()
        .splitlines()[-1]
    )
    plan_script = PLAN_ROWS.replace("MODULE", "learning.models")
    plan_rows = json.loads(
        pg.manage(database, "shell", "-c", plan_script, code=previous_release, media=tmp_path)
        .stdout.strip()
        .splitlines()[-1]
    )
    built = time.monotonic()
    ledger = pg.ledger_fingerprint(database)
    tables = pg.data_table_counts(database)
    content_types = pg.content_types(database, MOVED_MODELS)
    trainer_permissions = pg.group_permissions(database, TRAINERS)
    assert ledger[0] > 500, "the previous release's seed should have posted credits"
    assert tables["learning_attendance"] >= 3 and tables["learning_trainingsession"] > 0
    assert tables["learning_certificate"] >= 1 and tables["learning_certificatesequence"] >= 1
    assert tables["learning_notification"] >= 1
    assert tables["learning_annualreviewrule"] >= 1 and tables["learning_annualreviewoutcome"] >= 1
    assert tables["learning_studyplan"] >= 1 and tables["learning_studyplanitem"] >= 2
    assert tables["learning_studyplan_target_units"] >= 1 and tables["learning_studyplan_target_people"] >= 2
    assert [item[1] for item in plan_rows["items"]] == ["course", "exam"] and all(plan_rows["plan"][-2:])
    assert set(content_types) == {(old, model) for model, (old, _new) in MOVED_MODELS.items()}
    assert len(trainer_permissions) >= 4 * len(MOVED_MODELS)

    pg.manage(database, "migrate", "--noinput", media=tmp_path)
    print(
        f"\nprevious release built and seeded in {built - started:.0f} s, migrated in {time.monotonic() - built:.0f} s"
    )

    assert pg.ledger_fingerprint(database) == ledger
    after = pg.data_table_counts(database)
    kept = {t: n for t, n in tables.items() if t not in MOVED}
    assert {t: after.get(t) for t in kept} == kept, "rows of our tables changed or a table went missing"
    for old, new in MOVED.items():
        if old in tables and old not in after:
            assert after[new] >= tables[old] + tables.get(new, 0), f"rows of {old} did not reach {new}"
    assert pg.balance_mismatches(database) == 0
    assert "余额与台账一致" in pg.manage(database, "rebuild_balances", "--check", media=tmp_path).stdout
    pg.manage(database, "migrate", "--check", media=tmp_path)
    pg.manage(database, "check", media=tmp_path)
    assert len(pg.ledger_refuses_rewrites(database)) == 2
    assert pg.content_types(database, MOVED_MODELS) == {
        (MOVED_MODELS[model][1], model): id_ for (_old, model), id_ in content_types.items()
    }, "the moved models' content types must keep their ids under the new app label"
    assert set(trainer_permissions) <= set(pg.group_permissions(database, TRAINERS)), "a trainer permission was lost"
    seen = json.loads(
        pg.manage(database, "shell", "-c", MOVED_MODELS_SEEN, media=tmp_path).stdout.strip().splitlines()[-1]
    )
    assert seen == {
        "content_types": {model: id_ for (_old, model), id_ in content_types.items()},
        "trainer_permissions": sorted(
            f"{new}.{action}_{model}" for model, (_old, new) in MOVED_MODELS.items() for action in CRUD
        ),
        "unknown_job_kinds": [],
        "unknown_beat_tasks": [],
        "messages": [["upgrade", "upgrade-test", "/learning/hours/"]],
    }
    seen_certificate = CERTIFICATE_SEEN.replace("CODE", repr(code))
    certificate = json.loads(
        pg.manage(database, "shell", "-c", seen_certificate, media=tmp_path).stdout.strip().splitlines()[-1]
    )
    assert certificate == [200, True, 200, pdf_sha, pdf_name], "a printed certificate no longer verifies or downloads"
    review_script = REVIEW_ROWS.replace("MODULE", "review.models")
    assert (
        json.loads(pg.manage(database, "shell", "-c", review_script, media=tmp_path).stdout.strip().splitlines()[-1])
        == review_rows
    ), "the review's rules and outcomes do not read the same through the review app's models"
    plan_script = PLAN_ROWS.replace("MODULE", "plans.models")
    assert (
        json.loads(pg.manage(database, "shell", "-c", plan_script, media=tmp_path).stdout.strip().splitlines()[-1])
        == plan_rows
    ), "the study plan does not read the same through the plans app's models"
    page = json.loads(
        pg.manage(database, "shell", "-c", SIGNED_IN_PAGE, media=tmp_path).stdout.strip().splitlines()[-1]
    )
    assert page == {"status": 200, "name_shown": True}
