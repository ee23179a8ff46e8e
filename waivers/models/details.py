"""Type-specific details of a waiver, one table per type that has any."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from miao_site.timestamps import TimeStampedModel
from waivers.pricing import PriceEvaluation, evaluate_price, evaluation_factor

from .waiver import Waiver


class PricePreference(TimeStampedModel):
    """The figures of an unreasonable-cost waiver (FAR 25.106)."""

    class BusinessSize(models.TextChoices):
        LARGE = "large", "Large business"
        SMALL = "small", "Small business"

    waiver = models.OneToOneField(Waiver, on_delete=models.CASCADE, related_name="price_preference")
    lowest_foreign_offer = models.DecimalField(
        "lowest foreign offer (incl. duty)",
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    lowest_domestic_offer = models.DecimalField(
        max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    domestic_business_size = models.CharField(
        "business size of the lowest domestic offeror", max_length=10, choices=BusinessSize.choices
    )
    is_dod = models.BooleanField(
        "Department of Defense acquisition (DFARS factor)",
        default=False,
    )

    class Meta:
        verbose_name = "price preference"
        constraints = [
            models.CheckConstraint(
                name="price_preference_offers_not_negative",
                condition=Q(lowest_foreign_offer__gte=0) & Q(lowest_domestic_offer__gte=0),
            ),
            models.CheckConstraint(
                name="price_preference_size_valid",
                condition=Q(domestic_business_size__in=["large", "small"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Price preference for {self.waiver.public_id}"

    @property
    def factor(self):
        return evaluation_factor(
            small_business=self.domestic_business_size == self.BusinessSize.SMALL, dod=self.is_dod
        )

    @property
    def evaluation(self) -> PriceEvaluation:
        return evaluate_price(
            lowest_foreign_offer=self.lowest_foreign_offer,
            lowest_domestic_offer=self.lowest_domestic_offer,
            factor=self.factor,
        )


class JonesActDetail(TimeStampedModel):
    """A Jones Act (46 U.S.C. 501) waiver request and its outcome."""

    class Authority(models.TextChoices):
        SECDEF = "501a", "§501(a) — requested by the Secretary of Defense"
        OTHER = "501b", "§501(b) — requested by another agency or party"

    class Decision(models.TextChoices):
        GRANTED = "granted", "Granted"
        DENIED = "denied", "Denied"

    waiver = models.OneToOneField(Waiver, on_delete=models.CASCADE, related_name="jones_act")
    authority = models.CharField(max_length=4, choices=Authority.choices)
    requester = models.CharField(max_length=200, help_text="Who requested the waiver.")
    received_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    vessel_name = models.CharField(max_length=200)
    vessel_number = models.CharField("IMO / official number", max_length=20)
    vessel_flag = models.CharField("flag (ISO 3166 alpha-2)", max_length=2)
    vessel_owner = models.CharField(max_length=200, blank=True)
    vessel_operator = models.CharField(max_length=200, blank=True)
    laden_at_request = models.BooleanField(
        default=False, help_text="No waiver may be granted for a vessel already laden."
    )
    cargo_type = models.CharField(max_length=200)
    cargo_quantity = models.CharField(max_length=100, blank=True)
    load_port = models.CharField(max_length=200)
    discharge_port = models.CharField(max_length=200)
    window_start = models.DateField("requested window start")
    window_end = models.DateField("requested window end")
    marad_determination_date = models.DateField("MARAD determination date", null=True, blank=True)
    marad_finding = models.TextField("MARAD finding", blank=True)
    marad_actions = models.TextField("actions identified by MARAD", blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    terms = models.TextField(blank=True)
    valid_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Length of the waiver: at most 10 days."
    )
    extension_days = models.PositiveSmallIntegerField(
        default=0, help_text="One extension of at most 10 days; 45 days in total at most."
    )
    denial_reasons = models.TextField(blank=True)
    voyage_report_received_at = models.DateTimeField(null=True, blank=True)
    voyage_report_published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Jones Act detail"
        constraints = [
            models.CheckConstraint(
                name="jones_act_window_ordered",
                condition=Q(window_end__gte=models.F("window_start")),
            ),
            # One extension of at most 10 days.
            models.CheckConstraint(
                name="jones_act_extension_max_10", condition=Q(extension_days__lte=10)
            ),
            # Up to 10 days at first.
            models.CheckConstraint(
                name="jones_act_valid_days_max_10",
                condition=Q(valid_days__isnull=True) | Q(valid_days__lte=10),
            ),
            # A denial states its reasons.
            models.CheckConstraint(
                name="jones_act_denial_has_reasons",
                condition=~Q(decision="denied") | ~Q(denial_reasons=""),
            ),
            models.CheckConstraint(
                name="jones_act_decision_has_date",
                condition=Q(decision="") | Q(decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Jones Act: {self.vessel_name} ({self.waiver.public_id})"

    @property
    def total_days(self) -> int | None:
        if self.valid_days is None:
            return None
        return self.valid_days + self.extension_days


class UrgentReport(TimeStampedModel):
    """The post-award report of a waiver used before review (E.O. 14005 §4)."""

    class UrgencyContributed(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNCERTAIN = "uncertain", "Uncertain"

    waiver = models.OneToOneField(Waiver, on_delete=models.CASCADE, related_name="urgent_report")
    contract_number = models.CharField(max_length=50, blank=True)
    contract_signed_date = models.DateField(null=True, blank=True)
    urgency_contributed = models.CharField(
        "urgency contributed to nonavailability",
        max_length=10,
        choices=UrgencyContributed.choices,
        blank=True,
    )
    urgency_explanation = models.TextField(blank=True)
    mission_impact = models.TextField("anticipated mission impact without the waiver", blank=True)

    class Meta:
        verbose_name = "urgent requirements report"
        constraints = [
            models.CheckConstraint(
                name="urgent_report_urgency_valid",
                condition=Q(urgency_contributed__in=["", "yes", "no", "uncertain"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Urgent report for {self.waiver.public_id}"
