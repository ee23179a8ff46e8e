"""Who on the staff sees and acts on which supplier responses. A response is
seen exactly by those who see its waiver (waivers.scope.visible_waivers:
the waiver's agency staff, a department's covering its sub-tiers, MIAO
reviewers and superusers), and only once confirmed: an unconfirmed request
is nobody's work yet.

Outcomes are recorded by the agency's submitters, MIAO reviewers and
superusers; agency viewers read only."""

from django.db.models import Q, QuerySet

from agencies import roles
from responses.models import SupplierResponse
from waivers import scope

Role = roles.Role


def visible_responses(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = SupplierResponse.objects.all() if queryset is None else queryset
    return queryset.confirmed().filter(waiver__in=scope.visible_waivers(user).values("pk"))


def outcome_recordable(user, queryset: QuerySet | None = None) -> QuerySet:
    """The responses on which this user may record an outcome."""
    queryset = visible_responses(user, queryset)
    if getattr(user, "is_superuser", False):
        return queryset
    condition = Q(pk__in=[])
    own = roles.agency_ids(user, Role.AGENCY_SUBMITTER)
    if own:
        condition |= Q(waiver__contracting_agency_id__in=own)
    if roles.is_reviewer(user):
        condition = Q()  # every response a reviewer sees (posted waivers only)
    return queryset.filter(condition)


def can_record_outcome(user, response: SupplierResponse) -> bool:
    return outcome_recordable(user).filter(pk=response.pk).exists()
