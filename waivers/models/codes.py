from django.db import models
from django.db.models import Q

from miao_site.timestamps import TimeStampedModel


class NaicsCode(TimeStampedModel):
    """A NAICS industry code. Codes seen in waiver data but absent from the
    reference list are kept with `in_reference=False` rather than dropped."""

    code = models.CharField(max_length=6, primary_key=True)
    title = models.CharField(max_length=255, blank=True)
    in_reference = models.BooleanField(
        default=True, help_text="False when the code came from waiver data, not the NAICS list."
    )

    class Meta:
        verbose_name = "NAICS code"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="naics_code_six_digits", condition=Q(code__regex=r"^\d{6}$")
            ),
        ]
        indexes = [
            # Prefix lookups (naics=33, naics=3345): LIKE 'prefix%' without pg_trgm.
            models.Index(
                fields=["code"], name="naics_code_pattern_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


class PscCode(TimeStampedModel):
    """A Product and Service Code (4 characters) or a category (1-3 characters).
    A code with an end date is retired and may not be used on new waivers."""

    code = models.CharField(max_length=4, primary_key=True)
    name = models.CharField(max_length=255, blank=True)
    full_name = models.CharField(max_length=255, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Set when the code is retired.")
    in_reference = models.BooleanField(
        default=True, help_text="False when the code came from waiver data, not the PSC list."
    )

    class Meta:
        verbose_name = "PSC code"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="psc_code_shape", condition=Q(code__regex=r"^[A-Z0-9]{1,4}$")
            ),
        ]
        indexes = [
            # Category prefix lookups (psc=66, psc=R4) with LIKE 'prefix%'.
            models.Index(
                fields=["code"], name="psc_code_pattern_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.name

    @property
    def is_retired(self) -> bool:
        return self.end_date is not None
