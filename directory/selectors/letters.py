"""Who gets an activation letter: a unit with its subunits, or named people, through the scope rule.

The page shows the counts before anyone confirms; the job's plan asks again
when it runs (the requester's scope of that moment), and the issuing service
checks each person once more (``accounts.services.activation.manageable``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts import scope
from accounts.drilldown import in_subtree_q, tree_order
from accounts.models import AuditLog, OrgUnit, User
from accounts.selectors.activation import needs_activation_q
from accounts.services.activation import manageable

#: How many of the people the page lists by name before "及其他 N 人".
PREVIEW = 20
#: The audit action of a staff import, whose details list who still needs activation.
STAFF_IMPORT_ACTION = "staff_import"


@dataclass(frozen=True)
class LetterRequest:
    """What someone asked to print: a unit (with subunits) or named people, and how."""

    unit: OrgUnit | None = None
    employee_nos: tuple[str, ...] = ()
    only_pending: bool = True
    layout: str = "page"

    def parameters(self) -> dict:
        """As a job keeps it (the unit is the job's scope unit).

        ``digest`` sorts first in the job's dedupe key, which is cut at 500
        characters: two long lists that begin alike still make two jobs.
        """
        numbers = list(self.employee_nos)
        digest = hashlib.sha256("\n".join(numbers).encode()).hexdigest()[:16]
        return {"digest": digest, "employee_nos": numbers, "only_pending": self.only_pending, "layout": self.layout}

    @classmethod
    def from_parameters(cls, parameters: dict, *, unit: OrgUnit | None) -> LetterRequest:
        return cls(
            unit=unit,
            employee_nos=tuple(parameters.get("employee_nos") or ()),
            only_pending=bool(parameters.get("only_pending", True)),
            layout=parameters.get("layout") or "page",
        )


@dataclass
class LetterSelection:
    user_ids: list[int]
    #: The first ``PREVIEW`` people, with their units.
    preview: list[User]
    #: Numbers asked for that match nobody the viewer may see (listed only for numbers the viewer typed).
    unknown: list[str] = field(default_factory=list)
    #: Active people of the selection the viewer may not print for (privileged roles for HR, oneself).
    not_manageable: int = 0
    inactive: int = 0
    #: People who can sign in already, left out because only those still to activate were asked for.
    activated: int = 0

    @property
    def people(self) -> int:
        return len(self.user_ids)

    @property
    def more(self) -> int:
        return max(0, self.people - len(self.preview))


def _ordered(queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.order_by(tree_order(), "employee_no")


def select_recipients(viewer: User | None, request: LetterRequest) -> LetterSelection:
    """Who ``request`` prints letters for when ``viewer`` asks (``None``: a command on the server)."""
    people = User.objects.select_related("org_unit")
    if viewer is not None:
        people = scope.filter_people(viewer, people)
    if request.unit is not None:
        people = people.filter(in_subtree_q(request.unit))
    unknown: list[str] = []
    if request.employee_nos:
        people = people.filter(employee_no__in=request.employee_nos)
        found = set(people.values_list("employee_no", flat=True))
        unknown = [number for number in dict.fromkeys(request.employee_nos) if number not in found]
    counts = people.aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
    )
    eligible = manageable(viewer, people.filter(is_active=True))
    eligible_counts = eligible.aggregate(total=Count("pk"), pending=Count("pk", filter=needs_activation_q()))
    activated = 0
    if request.only_pending:
        activated = eligible_counts["total"] - eligible_counts["pending"]
        eligible = eligible.filter(needs_activation_q())
    eligible = _ordered(eligible)
    return LetterSelection(
        user_ids=list(eligible.values_list("pk", flat=True)),
        preview=list(eligible[:PREVIEW]),
        unknown=unknown,
        not_manageable=counts["active"] - eligible_counts["total"],
        inactive=counts["inactive"],
        activated=activated,
    )


def imported_needing_activation(audit_id: int) -> list[str] | None:
    """The 工号 a staff import reported as still needing activation (``None``: no such import).

    Only numbers: whoever follows the link sees of them what their scope allows.
    """
    entry = AuditLog.objects.filter(pk=audit_id, action=STAFF_IMPORT_ACTION).only("details").first()
    if entry is None:
        return None
    return [str(number) for number in entry.details.get("needs_activation", [])]


def letter_units(viewer: User) -> QuerySet[OrgUnit]:
    """The units the viewer may print a unit's letters for, in tree order."""
    return scope.filter_units(viewer).order_by(tree_order(field=None))
