"""Staff roles (AgencyMembership): granting and revoking them, shared by the
grant_role / revoke_role commands and the membership admin, and reading a
user's roles and agencies. A user with at least one membership is staff (may
log in to the admin); the staff flag is cleared when the last membership
goes, unless the user is a superuser. What each role may see and do with
waivers is decided in waivers.scope."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from agencies.models import Agency, AgencyMembership

Role = AgencyMembership.Role


# --- granting and revoking ------------------------------------------------------


def parse_role(value: str) -> str:
    role = (value or "").strip().lower().replace("-", "_")
    if role not in Role.values:
        raise ValidationError(
            f"Unknown role “{value}”. Roles: {', '.join(Role.values)}.", code="role"
        )
    return role


def find_user(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise ValidationError(f"No user named “{username}”.", code="user") from None


def find_agencies(codes: Iterable[str]) -> list[Agency]:
    codes = [c.strip().upper() for c in codes if c.strip()]
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(
            f"Unknown agency code{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            "(use a CGAC department code such as 013 or an FPDS sub-tier code such as 1341).",
            code="agency",
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _check_agencies_for_role(role: str, agencies: list[Agency]) -> None:
    if role == Role.MIAO_REVIEWER and agencies:
        raise ValidationError(
            "MIAO reviewers cover every agency; do not give --agency.", code="agency"
        )
    if role != Role.MIAO_REVIEWER and not agencies:
        raise ValidationError(
            f"The {Role(role).label.lower()} role needs at least one --agency CODE.", code="agency"
        )


def sync_staff_flag(user) -> None:
    """Staff exactly while the user holds a membership (superusers stay staff)."""
    should_be_staff = user.is_superuser or user.agency_memberships.exists()
    if user.is_staff != should_be_staff:
        user.is_staff = should_be_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def grant_role(*, user, role: str, agencies: list[Agency]) -> list[AgencyMembership]:
    """Give `user` the role (for each agency); returns the new memberships
    (already-held ones are left as they are)."""
    _check_agencies_for_role(role, agencies)
    created = []
    for agency in agencies or [None]:
        membership, was_created = AgencyMembership.objects.get_or_create(
            user=user, role=role, agency=agency
        )
        if was_created:
            created.append(membership)
    sync_staff_flag(user)
    return created


@transaction.atomic
def revoke_role(*, user, role: str, agencies: list[Agency]) -> int:
    """Remove the role (for each agency given; for all agencies when none is
    given). Returns how many memberships were removed."""
    memberships = AgencyMembership.objects.filter(user=user, role=role)
    if agencies:
        memberships = memberships.filter(agency__in=agencies)
    removed, _ = memberships.delete()
    sync_staff_flag(user)
    return removed


# --- a user's roles (cached on the user object for the request) ---------------------


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
        cache[key] = set(Agency.objects.covering(direct).values_list("pk", flat=True))
    return cache[key]


def submittable_agencies(user) -> QuerySet[Agency]:
    """Agencies the user may file waivers for (contracting-agency choices)."""
    if user.is_superuser:
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=agency_ids(user, Role.AGENCY_SUBMITTER))
