from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from miao_site.timestamps import TimeStampedModel


class AgencyQuerySet(models.QuerySet):
    def departments(self):
        return self.filter(kind=Agency.Kind.DEPARTMENT)

    def subtiers(self):
        return self.filter(kind=Agency.Kind.SUBTIER)

    # A department covers its sub-tier agencies: a department's waivers include
    # its sub-tiers' waivers, and a staff role held for a department holds for
    # them too. `covering`, `containing` and `counted` are the one statement
    # of that rule.

    def covering(self, agencies: Iterable["Agency | int"]):
        """These agencies (objects or ids) and the sub-tiers of the departments
        among them."""
        ids = [getattr(agency, "pk", agency) for agency in agencies]
        return self.filter(Q(pk__in=ids) | Q(parent_id__in=ids))

    def containing(self, agency: "Agency"):
        """The agencies whose staff roles cover `agency`: itself and, for a
        sub-tier, its department (the other direction of `covering`)."""
        return self.filter(pk__in=[pk for pk in (agency.pk, agency.parent_id) if pk])

    def counted(
        self, counts: Mapping[int, int], *, names_only: bool = False
    ) -> list["AgencyCount"]:
        """Departments with counts, from `counts` ({agency id: n}): each
        department counts its own n and its sub-tiers', and lists those of its
        sub-tiers that are in `counts`. Departments in name order.

        One query for the whole (short) list of agencies, each sub-tier's
        department found among them: selecting the counted ones by id with
        their departments joined took 64 ms for the 1,475 agencies of a
        million waivers; this, 14 ms. `names_only`: the agencies as
        AgencyName (code and name), not model instances: 2 ms instead of 14,
        for a list that shows only names (the search page's agency facet)."""
        agencies = self._by_pk(names_only)
        outside = {
            agency.parent_id
            for agency in agencies.values()
            if agency.parent_id and agency.parent_id not in agencies
        }
        if outside:  # a queryset without some departments: fetch them
            agencies.update(self.model.objects.filter(pk__in=outside)._by_pk(names_only))
        departments: dict[int, AgencyCount] = {}
        subtiers: list[AgencyCount] = []
        for pk, count in counts.items():
            agency = agencies.get(pk)
            if agency is None:
                continue
            if agency.parent_id is None:
                departments.setdefault(pk, AgencyCount(agency)).count += count
            else:
                agency.parent = agencies[agency.parent_id]
                subtiers.append(AgencyCount(agency, count))
        for subtier in subtiers:
            parent = subtier.agency.parent
            department = departments.setdefault(parent.pk, AgencyCount(parent))
            department.count += subtier.count
            department.subtiers.append(subtier)
        for department in departments.values():
            department.subtiers.sort(key=AgencyCount.sort_key)
        return sorted(departments.values(), key=AgencyCount.sort_key)

    def _by_pk(self, names_only: bool) -> dict:
        if names_only:
            rows = self.order_by().values_list("pk", "code", "name", "parent_id")
            return {row[0]: AgencyName(*row) for row in rows}
        return {agency.pk: agency for agency in self.defer("created_at", "updated_at")}


def display_name(name: str) -> str:
    """An agency's name as pages show it: reference lists shout some of them."""
    return name.title() if name.isupper() else name


@dataclass
class AgencyName:
    """An agency's code and name, for lists that show nothing else (see
    AgencyQuerySet.counted)."""

    pk: int
    code: str
    name: str
    parent_id: int | None
    parent: "AgencyName | None" = None

    @property
    def display_name(self) -> str:
        return display_name(self.name)


class Agency(TimeStampedModel):
    """A department (CGAC code) or a sub-tier agency (FPDS code) under one.

    Departments and sub-tiers share one table so that one slug space serves
    /agencies/<slug>/ and one `agency` filter accepts either kind of code.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "Department"
        SUBTIER = "subtier", "Sub-tier agency"

    code = models.CharField(
        max_length=4,
        unique=True,
        help_text="CGAC department code (3 digits) or FPDS sub-tier code (4 characters).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subtiers",
        help_text="The department a sub-tier agency belongs to.",
    )
    name = models.CharField(max_length=200)
    abbreviation = models.CharField(max_length=40, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    # The agency's Senior Accountable Official for domestic sourcing (E.O.
    # 14005): public, shown on the agency page and in the API; MIAO staff
    # keep it current in the admin.
    sao_name = models.CharField(
        "SAO name",
        max_length=200,
        blank=True,
        help_text="Senior Accountable Official for domestic sourcing (public).",
    )
    sao_title = models.CharField(
        "SAO title",
        max_length=200,
        blank=True,
        help_text="The official's job title, e.g. Senior Procurement Executive (public).",
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = "agency"
        verbose_name_plural = "agencies"
        ordering = ["name"]
        indexes = [
            # The agency sort of the waiver list: agencies walked in name order,
            # each one's waivers by waivers_waiver_contracting_agency_id, so a
            # page is an incremental sort that stops after it.
            models.Index(fields=["name", "id"], name="agency_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="agency_kind_valid",
                condition=Q(kind__in=["department", "subtier"]),
            ),
            # A department stands alone; a sub-tier always names its department.
            models.CheckConstraint(
                name="agency_parent_matches_kind",
                condition=(Q(kind="department", parent__isnull=True))
                | Q(kind="subtier", parent__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("agencies:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        return display_name(self.name)


class SeniorAccountableOfficial(Agency):
    """The admin's view of agencies for editing their SAO (MIAO reviewers
    change the SAO's name and title there, nothing else)."""

    class Meta:
        proxy = True
        verbose_name = "senior accountable official"
        verbose_name_plural = "senior accountable officials"


@dataclass
class AgencyCount:
    """An agency with a count (of waivers, followers, ...) and, for a
    department, the sub-tiers counted in it (AgencyQuerySet.counted)."""

    agency: "Agency | AgencyName"
    count: int = 0
    subtiers: list["AgencyCount"] = field(default_factory=list)

    def sort_key(self) -> str:
        return self.agency.display_name.lower()


class AgencyMembership(TimeStampedModel):
    """A staff user's role, for one agency or (MIAO reviewers) for all.

    A membership of a department covers all of its sub-tier agencies. Roles
    are granted with `manage.py grant_role` or by a superuser in the admin;
    what each role may see and do is decided in `waivers.scope`.
    """

    class Role(models.TextChoices):
        AGENCY_SUBMITTER = "agency_submitter", "Agency submitter"
        AGENCY_VIEWER = "agency_viewer", "Agency viewer"
        MIAO_REVIEWER = "miao_reviewer", "MIAO reviewer"

    # Roles held for a particular agency (the others span all agencies).
    AGENCY_ROLES = (Role.AGENCY_SUBMITTER, Role.AGENCY_VIEWER)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships"
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text="Department or sub-tier agency; empty for MIAO reviewers, who cover all.",
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "agency membership"
        ordering = ["user__username", "role", "agency__code"]
        constraints = [
            models.CheckConstraint(
                name="membership_role_valid",
                condition=Q(role__in=["agency_submitter", "agency_viewer", "miao_reviewer"]),
            ),
            # Agency roles name their agency; MIAO reviewers cover every agency.
            models.CheckConstraint(
                name="membership_agency_matches_role",
                condition=Q(role="miao_reviewer", agency__isnull=True)
                | Q(role__in=["agency_submitter", "agency_viewer"], agency__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "agency"],
                name="membership_unique_agency_role",
                condition=Q(agency__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_unique_global_role",
                condition=Q(agency__isnull=True),
            ),
        ]
        indexes = [
            # Notification look-ups: every submitter / reviewer of an agency.
            models.Index(fields=["role", "agency"], name="membership_role_agency_idx"),
        ]

    def __str__(self) -> str:
        where = self.agency.code if self.agency_id else "all agencies"
        return f"{self.user} — {self.get_role_display()} ({where})"
