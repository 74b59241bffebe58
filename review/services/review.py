"""The annual credential review (年审): decide each credential's outcome and move its status.

Every status change goes through ``accounts.services.credentials.change_status`` (a chunk's
new outcomes through its bulk form ``change_statuses``), so the credential's history shows
each step (valid → pending review with the reasons; pending → valid when a make-up clears
it). The review is idempotent: an outcome is written only when what it records changed, and
a status moves only when the outcome flips — so a re-run changes nothing, and an
administrator's manual decision on a credential is not overridden by the next run unless
the figures themselves change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Credential, CredentialEvent, CredentialStatus, OrgUnit
from accounts.services.credentials import StatusChange, change_status, change_statuses
from core import timeutil
from learning.templatetags.hours import format_hours
from review.models import AnnualReviewOutcome
from review.selectors.review import Evaluation, ReviewRule, evaluate, review_rule, reviewed_credentials

CHUNK = 1000
CENT = Decimal("0.01")


class ReviewError(Exception):
    """A review that cannot be run; the message is for the person who asked."""


@dataclass
class ReviewRun:
    year: int
    reviewed: int = 0
    passed: int = 0
    failed: int = 0
    created: int = 0
    updated: int = 0
    to_pending: int = 0
    cleared: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ReviewError(_("年度 %(year)s 无效。") % {"year": year})
    if year >= timeutil.current_year():
        raise ReviewError(_("%(year)s 年尚未结束，不能进行年审。") % {"year": year})


def _stored(outcome: AnnualReviewOutcome) -> dict:
    return {
        "passed": outcome.passed,
        "reasons": list(outcome.reasons or []),
        "hours": outcome.hours,
        "required_hours": outcome.required_hours,
        "category_hours": dict(sorted((outcome.category_hours or {}).items())),
        "exam_required": outcome.exam_required,
        "exam_passed": outcome.exam_passed,
        "frozen": outcome.frozen,
    }


def _decided(evaluation: Evaluation) -> dict:
    data = evaluation.snapshot()
    data["hours"] = evaluation.hours.quantize(CENT)
    data["required_hours"] = evaluation.required_hours.quantize(CENT)
    data["category_hours"] = {code: str(Decimal(v).quantize(CENT)) for code, v in data["category_hours"].items()}
    return data


def _fail_reason(year: int, reasons: list[str]) -> str:
    return (_("%(year)s 年度年审未通过：%(reasons)s") % {"year": year, "reasons": "；".join(reasons)})[:500]


def _clear_reason(before: dict, evaluation: Evaluation) -> str:
    parts = []
    if evaluation.exam_required and evaluation.exam_passed and not before["exam_passed"]:
        parts.append(_("年度考法补考通过"))
    if evaluation.hours.quantize(CENT) > before["hours"]:
        parts.append(
            _("关账后补录 %(h)s 学时，共 %(total)s 学时")
            % {"h": format_hours(evaluation.hours - before["hours"]), "total": format_hours(evaluation.hours)}
        )
    return "；".join(parts) or _("复核后符合年审要求")


def _to_pending(credential: Credential, outcome: AnnualReviewOutcome, actor, run: ReviewRun) -> None:
    if credential.status != CredentialStatus.VALID:
        return
    event = change_status(
        credential=credential,
        to_status=CredentialStatus.PENDING_REVIEW,
        reason=_fail_reason(outcome.year, outcome.reasons),
        actor=actor,
        year=outcome.year,
    )
    run.to_pending += int(event is not None)


def _restore_valid(credential: Credential, outcome: AnnualReviewOutcome, actor, run: ReviewRun) -> None:
    """Back to valid — only when the review put it on hold for this year and no other year still fails."""
    if credential.status != CredentialStatus.PENDING_REVIEW:
        return
    last = CredentialEvent.objects.filter(credential_id=credential.pk).order_by("-at", "-pk").first()
    if last is None or last.to_status != CredentialStatus.PENDING_REVIEW or last.year != outcome.year:
        return
    if AnnualReviewOutcome.objects.filter(credential_id=credential.pk, passed=False).exclude(pk=outcome.pk).exists():
        return
    event = change_status(
        credential=credential,
        to_status=CredentialStatus.VALID,
        reason=(_("%(year)s 年度年审补正通过：%(why)s") % {"year": outcome.year, "why": outcome.clear_reason})[:500],
        actor=actor,
        year=outcome.year,
    )
    run.cleared += int(event is not None)


def _new_outcome(credential: Credential, evaluation: Evaluation, actor, now) -> AnnualReviewOutcome:
    return AnnualReviewOutcome(
        credential=credential, year=evaluation.year, reviewed_at=now, reviewed_by=actor, **_decided(evaluation)
    )


def _update(outcome: AnnualReviewOutcome, credential: Credential, evaluation: Evaluation, actor, now, run) -> None:
    before, after = _stored(outcome), _decided(evaluation)
    if before == after:
        return
    was_passed = outcome.passed
    for name, value in after.items():
        setattr(outcome, name, value)
    outcome.reviewed_at, outcome.reviewed_by = now, actor
    if not was_passed and evaluation.passed:
        outcome.cleared_at, outcome.cleared_by = now, actor
        outcome.clear_reason = _clear_reason(before, evaluation)[:500]
    elif was_passed and not evaluation.passed:
        outcome.cleared_at, outcome.cleared_by, outcome.clear_reason = None, None, ""
    outcome.save()
    run.updated += 1
    if not was_passed and evaluation.passed:
        _restore_valid(credential, outcome, actor, run)
    elif was_passed and not evaluation.passed:
        _to_pending(credential, outcome, actor, run)


def _review_chunk(
    year: int, credentials: list[Credential], rule: ReviewRule, actor, run: ReviewRun, *, create_missing: bool
) -> None:
    evaluations = evaluate(year, [c.holder for c in credentials], rule)
    existing = {
        o.credential_id: o
        for o in AnnualReviewOutcome.objects.filter(year=year, credential_id__in=[c.pk for c in credentials])
    }
    now = timezone.now()
    created = []
    with transaction.atomic():
        for credential in credentials:
            evaluation = evaluations[credential.holder_id]
            outcome = existing.get(credential.pk)
            if outcome is None and not create_missing:
                continue
            run.reviewed += 1
            run.passed += int(evaluation.passed)
            run.failed += int(not evaluation.passed)
            if outcome is None:
                created.append((credential, _new_outcome(credential, evaluation, actor, now)))
            else:
                _update(outcome, credential, evaluation, actor, now, run)
        AnnualReviewOutcome.objects.bulk_create([o for _c, o in created], batch_size=CHUNK)
        run.created += len(created)
        # What ``_to_pending`` does for each failed new outcome, in one set of statements.
        holds = [
            StatusChange(credential, CredentialStatus.PENDING_REVIEW, _fail_reason(outcome.year, outcome.reasons))
            for credential, outcome in created
            if not outcome.passed and credential.status == CredentialStatus.VALID
        ]
        events = change_statuses(holds, actor=actor, year=year)
        run.to_pending += sum(event is not None for event in events)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _review(year: int, credentials: Iterable[Credential], actor, *, create_missing: bool) -> ReviewRun:
    rule = review_rule(year)
    run = ReviewRun(year)
    for chunk in _chunks(credentials, CHUNK):
        partial = ReviewRun(year)
        try:
            _review_chunk(year, chunk, rule, actor, partial, create_missing=create_missing)
        except IntegrityError:
            # A concurrent run created some of these outcomes first; evaluate against theirs.
            partial = ReviewRun(year)
            _review_chunk(year, chunk, rule, actor, partial, create_missing=create_missing)
        for name in ("reviewed", "passed", "failed", "created", "updated", "to_pending", "cleared"):
            setattr(run, name, getattr(run, name) + getattr(partial, name))
    return run


def run_annual_review(*, year: int, unit: OrgUnit | None = None, actor=None) -> ReviewRun:
    """Give every reviewed credential (of ``unit``'s subtree) its outcome for ``year``.

    Re-running is safe: unchanged outcomes are not touched; changed ones are updated and
    the credential's status follows a flip of the outcome.
    """
    check_year(year)
    run = _review(year, reviewed_credentials(unit).iterator(chunk_size=CHUNK), actor, create_missing=True)
    if run.changed:
        scope = unit.full_path if unit is not None else _("全部单位")
        record(
            actor=actor,
            action="learning.annual_review",
            summary=_("%(year)s 年度执法证年审（%(scope)s）：审核 %(n)s 人，通过 %(ok)s 人，未通过 %(bad)s 人")
            % {"year": year, "scope": scope, "n": run.reviewed, "ok": run.passed, "bad": run.failed},
            details={
                "year": year,
                "unit": unit.code if unit is not None else "",
                "created": run.created,
                "updated": run.updated,
                "to_pending": run.to_pending,
                "cleared": run.cleared,
            },
        )
    return run


def re_evaluate(*, credential: Credential, year: int, actor=None) -> AnnualReviewOutcome | None:
    """Evaluate one credential's existing outcome again (after a make-up); None when it has none."""
    if not AnnualReviewOutcome.objects.filter(credential_id=credential.pk, year=year).exists():
        return None
    credential = Credential.objects.select_related("holder").get(pk=credential.pk)
    _review(year, [credential], actor, create_missing=False)
    return AnnualReviewOutcome.objects.get(credential_id=credential.pk, year=year)


def re_evaluate_person(*, user_id: int, year: int | None = None, actor=None) -> int:
    """Re-evaluate a person's failing outcomes (and any outcome of ``year``); returns how many changed."""
    condition = Q(passed=False) if year is None else Q(passed=False) | Q(year=year)
    pairs = (
        AnnualReviewOutcome.objects.filter(condition, credential__holder_id=user_id)
        .order_by("year", "credential_id")
        .values_list("year", "credential_id")
    )
    changed = 0
    for outcome_year, credential_id in pairs:
        credential = Credential.objects.select_related("holder").get(pk=credential_id)
        changed += int(_review(outcome_year, [credential], actor, create_missing=False).changed)
    return changed


def re_evaluate_failing(*, actor=None) -> int:
    """Re-evaluate every failing outcome (the nightly safety net for make-ups no signal announced)."""
    changed = 0
    years = AnnualReviewOutcome.objects.filter(passed=False).order_by("year").values_list("year", flat=True).distinct()
    for year in list(years):
        credentials = (
            Credential.objects.filter(review_outcomes__year=year, review_outcomes__passed=False)
            .select_related("holder")
            .order_by("pk")
        )
        run = _review(year, credentials.iterator(chunk_size=CHUNK), actor, create_missing=False)
        changed += run.updated
    return changed
