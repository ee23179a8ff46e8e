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
