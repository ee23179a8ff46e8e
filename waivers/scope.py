"""Who may see and change which waivers: the one place the staff roles are
turned into querysets and permissions. Every admin entry point (change list,
change and history views, transition views, autocompletes, bulk actions,
exports, the review queue) starts from `visible_waivers()` or
`changeable_waivers()`; anything outside them is a 404.

Roles (agencies.AgencyMembership.Role; docs/decisions/0004-staff-roles-and-scope.md),
with the actions and statuses of waivers.workflow.ACTIONS:

- superuser: every waiver, every action the waiver's status allows.
- agency submitter: the waivers whose contracting agency is one of theirs
  (a department membership covers its sub-tiers), drafts included; edits
  drafts, amends posted content (recorded with a reason), submits, withdraws,
  records the final decision, deletes drafts.
- agency viewer: sees the same waivers as a submitter would, read-only.
- MIAO reviewer: every posted waiver of every agency (never another agency's
  draft: a draft is the agency's work in progress until it is submitted);
  starts review, records determinations, waives review; never edits content.
"""

from django.db.models import Q, QuerySet

from agencies import roles
from waivers import workflow
from waivers.models import Waiver
from waivers.workflow import ACTIONS, AMEND, EDIT

Role = workflow.Role
Status = Waiver.Status


def _active(user) -> bool:
    return bool(getattr(user, "is_active", False) and user.is_authenticated)


def visible_waivers(user, queryset: QuerySet[Waiver] | None = None) -> QuerySet[Waiver]:
    """The waivers this user may see in the admin."""
    queryset = Waiver.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    own = roles.agency_ids(user, Role.AGENCY_SUBMITTER, Role.AGENCY_VIEWER)
    if own:
        condition |= Q(contracting_agency_id__in=own)
    if roles.is_reviewer(user):
        condition |= ~Q(status=Status.DRAFT)
    return queryset.filter(condition)


def changeable_waivers(user, queryset: QuerySet[Waiver] | None = None) -> QuerySet[Waiver]:
    """The waivers on which this user may take at least one action (edit,
    amend, a lifecycle transition or deletion) in their present status."""
    queryset = Waiver.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    own = roles.agency_ids(user, Role.AGENCY_SUBMITTER)
    if own:
        statuses = workflow.statuses_acted_on(Role.AGENCY_SUBMITTER)
        condition |= Q(contracting_agency_id__in=own, status__in=statuses)
    if roles.is_reviewer(user):
        condition |= Q(status__in=workflow.statuses_acted_on(Role.MIAO_REVIEWER))
    return queryset.filter(condition)


def _roles_for(user, waiver: Waiver) -> set[str]:
    """The roles the user holds for this waiver."""
    held = set()
    if waiver.contracting_agency_id in roles.agency_ids(user, Role.AGENCY_SUBMITTER):
        held.add(Role.AGENCY_SUBMITTER)
    if roles.is_reviewer(user) and waiver.status != Status.DRAFT:
        held.add(Role.MIAO_REVIEWER)  # never another agency's work in progress
    return held


def allowed_actions(user, waiver: Waiver, *, ignore_status: bool = False) -> set[str]:
    """What this user may do to this waiver now (role, agency and status).
    With `ignore_status`, what their role would let them do in some state
    (to tell "not your role" (403) from "not in this state" (a message))."""
    if not _active(user):
        return set()
    held = _roles_for(user, waiver)
    granted = {name for name, action in ACTIONS.items() if user.is_superuser or action.role in held}
    if ignore_status:
        return granted
    return {
        name
        for name in granted
        if waiver.status in ACTIONS[name].allowed_from(superuser=user.is_superuser)
    }


def can(user, action: str, waiver: Waiver) -> bool:
    return action in allowed_actions(user, waiver)


def can_change_content(user, waiver: Waiver) -> bool:
    """Edit a draft or amend a posted waiver."""
    return bool({EDIT, AMEND} & allowed_actions(user, waiver))
