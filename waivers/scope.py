"""Who may see and change which waivers: the one place the staff roles are
turned into querysets and permissions. Every admin entry point (change list,
change and history views, transition views, autocompletes, bulk actions,
exports, the review queue) starts from `visible_waivers()` or
`changeable_waivers()`; anything outside them is a 404.

Roles (agencies.AgencyMembership.Role; docs/decisions/0004-staff-roles-and-scope.md):

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

from agencies.models import Agency, AgencyMembership
from waivers.models import Waiver

Role = AgencyMembership.Role
Status = Waiver.Status

# Actions a user may take on a waiver (names used by the admin's URLs).
EDIT = "edit"  # change a draft, or amend a posted waiver with a reason
SUBMIT = "submit"
WITHDRAW = "withdraw"
RECORD_FINAL_DECISION = "record_final_decision"
START_REVIEW = "start_review"
RECORD_DETERMINATION = "record_determination"
WAIVE_REVIEW = "waive_review"
DELETE = "delete"

ROLE_ACTIONS = {
    Role.AGENCY_SUBMITTER: frozenset({EDIT, SUBMIT, WITHDRAW, RECORD_FINAL_DECISION, DELETE}),
    Role.AGENCY_VIEWER: frozenset(),
    Role.MIAO_REVIEWER: frozenset({START_REVIEW, RECORD_DETERMINATION, WAIVE_REVIEW}),
}
ALL_ACTIONS = frozenset().union(*ROLE_ACTIONS.values())


def _memberships(user) -> list[AgencyMembership]:
    """The user's memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_miao_memberships", None)
    if cached is None:
        cached = list(AgencyMembership.objects.filter(user=user))
        user._miao_memberships = cached
    return cached


def roles(user) -> set[str]:
    return {m.role for m in _memberships(user)}


def has_any_role(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or bool(roles(user))


def is_reviewer(user) -> bool:
    return Role.MIAO_REVIEWER in roles(user)


def agency_ids(user, *role_names: str) -> set[int]:
    """Ids of the agencies the user holds one of `role_names` for, each
    department membership expanded to its sub-tiers."""
    direct = {m.agency_id for m in _memberships(user) if m.role in role_names and m.agency_id}
    if not direct:
        return set()
    cache = user.__dict__.setdefault("_miao_agency_ids", {})
    key = frozenset(role_names)
    if key not in cache:
        cache[key] = set(
            Agency.objects.filter(Q(pk__in=direct) | Q(parent_id__in=direct)).values_list(
                "pk", flat=True
            )
        )
    return cache[key]


def submittable_agencies(user) -> QuerySet[Agency]:
    """Agencies the user may file waivers for (contracting-agency choices)."""
    if user.is_superuser:
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=agency_ids(user, Role.AGENCY_SUBMITTER))


def visible_waivers(user, queryset: QuerySet[Waiver] | None = None) -> QuerySet[Waiver]:
    """The waivers this user may see in the admin."""
    queryset = Waiver.objects.all() if queryset is None else queryset
    if not getattr(user, "is_active", False) or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    own = agency_ids(user, Role.AGENCY_SUBMITTER, Role.AGENCY_VIEWER)
    if own:
        condition |= Q(contracting_agency_id__in=own)
    if is_reviewer(user):
        condition |= ~Q(status=Status.DRAFT)
    return queryset.filter(condition)


def changeable_waivers(user, queryset: QuerySet[Waiver] | None = None) -> QuerySet[Waiver]:
    """The waivers on which this user may take at least one action (edit,
    amend, a lifecycle transition or deletion), whatever the status allows."""
    queryset = Waiver.objects.all() if queryset is None else queryset
    if not getattr(user, "is_active", False) or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    own = agency_ids(user, Role.AGENCY_SUBMITTER)
    if own:  # drafts to edit, posted ones to amend, withdraw or decide
        condition |= Q(contracting_agency_id__in=own) & ~Q(status=Status.WITHDRAWN)
    if is_reviewer(user):  # review still outstanding
        condition |= Q(status__in=Waiver.OPEN_STATUSES)
    return queryset.filter(condition)


def _status_allows(action: str, waiver: Waiver) -> bool:
    from waivers.services import TRANSITION_SOURCES

    if action == EDIT:
        return waiver.status != Status.WITHDRAWN
    if action == DELETE:
        return True  # who may delete what is decided in allowed_actions()
    return waiver.status in TRANSITION_SOURCES[action]


def allowed_actions(user, waiver: Waiver, *, ignore_status: bool = False) -> set[str]:
    """What this user may do to this waiver now (role, agency and status).
    With `ignore_status`, what their role would let them do in some state
    (to tell "not your role" (403) from "not in this state" (a message))."""
    if not getattr(user, "is_active", False) or not user.is_authenticated:
        return set()
    if user.is_superuser:
        granted = set(ALL_ACTIONS)
    else:
        granted = set()
        if waiver.contracting_agency_id in agency_ids(user, Role.AGENCY_SUBMITTER):
            granted |= ROLE_ACTIONS[Role.AGENCY_SUBMITTER]
            if waiver.status != Status.DRAFT:
                granted.discard(DELETE)  # posted waivers: superusers only
        if is_reviewer(user) and waiver.status != Status.DRAFT:
            granted |= ROLE_ACTIONS[Role.MIAO_REVIEWER]
    if ignore_status:
        return granted
    return {action for action in granted if _status_allows(action, waiver)}


def can(user, action: str, waiver: Waiver) -> bool:
    return action in allowed_actions(user, waiver)
