"""Granting and revoking staff roles (AgencyMembership), shared by the
grant_role / revoke_role commands and the membership admin. A user with at
least one membership is staff (may log in to the admin); the staff flag is
cleared when the last membership goes, unless the user is a superuser."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.models import Agency, AgencyMembership

Role = AgencyMembership.Role


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
