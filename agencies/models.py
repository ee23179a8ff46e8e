from django.conf import settings
from django.db import models
from django.db.models import Q

from miao_site.timestamps import TimeStampedModel


class AgencyQuerySet(models.QuerySet):
    def departments(self):
        return self.filter(kind=Agency.Kind.DEPARTMENT)

    def subtiers(self):
        return self.filter(kind=Agency.Kind.SUBTIER)

    def matching_code(self, code: str):
        """The agency with this code and, for a department, all its sub-tiers."""
        return self.filter(Q(code=code) | Q(parent__code=code))


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

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = "agency"
        verbose_name_plural = "agencies"
        ordering = ["name"]
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

    @property
    def display_name(self) -> str:
        return self.name.title() if self.name.isupper() else self.name


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
