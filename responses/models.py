"""Supplier responses: a U.S. manufacturer says it can supply what a waiver
claims nobody in the U.S. makes. docs/responses.md describes the flow.

A response counts (publicly, and for staff) only once its contact has
confirmed it by email (double opt-in). Everything in it is for the agency and
MIAO; the public sees only the count of confirmed responses
(Waiver.supplier_response_count) and, for those who agreed, the company name
and state."""

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from miao_site.timestamps import TimeStampedModel

# SAM.gov Unique Entity ID: 12 characters, capital letters and digits, never
# the letters I or O, never starting with 0 (GSA's published format).
UEI_VALIDATOR = RegexValidator(
    r"^[1-9A-HJ-NP-Z][0-9A-HJ-NP-Z]{11}$",
    "A Unique Entity ID is 12 letters and digits, as SAM.gov shows it "
    "(it never contains I or O and never starts with 0).",
    code="uei",
)
# Commercial and Government Entity code: 5 letters and digits.
CAGE_VALIDATOR = RegexValidator(
    r"^[0-9A-Z]{5}$", "A CAGE code is 5 letters and digits.", code="cage"
)
HTTP_URL_VALIDATOR = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)
MAX_CAPABILITY_LENGTH = 3000

# States, the District of Columbia and the territories (USPS codes).
US_STATES = (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
    ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"),
    ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"),
    ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"),
    ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"),
    ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"),
    ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
    ("AS", "American Samoa"), ("GU", "Guam"), ("MP", "Northern Mariana Islands"),
    ("PR", "Puerto Rico"), ("VI", "U.S. Virgin Islands"),
)  # fmt: skip
STATE_NAMES = dict(US_STATES)


class SupplierResponseQuerySet(models.QuerySet):
    def confirmed(self):
        """Responses that count: their contact confirmed them by email."""
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True)

    def named_publicly(self):
        """Confirmed responses whose company agreed to be named on the waiver's
        page (company name and state only)."""
        return self.confirmed().filter(public_consent=True)


class SupplierResponse(TimeStampedModel):
    """One manufacturer's answer to one waiver: "we can supply this"."""

    class Outcome(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        CAPABLE = "capable", "Capable"
        NOT_CAPABLE = "not_capable", "Not capable"
        REFERRED_TO_MEP = "referred_to_mep", "Referred to MEP"

    waiver = models.ForeignKey(
        "waivers.Waiver", on_delete=models.CASCADE, related_name="supplier_responses"
    )
    company_name = models.CharField("company legal name", max_length=200)
    uei = models.CharField("SAM.gov Unique Entity ID", max_length=12, validators=[UEI_VALIDATOR])
    cage_code = models.CharField("CAGE code", max_length=5, blank=True, validators=[CAGE_VALIDATOR])
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(max_length=254)
    email_key = models.CharField(
        max_length=64,
        editable=False,
        help_text="outbox.addresses.address_key of the contact's address (limits, look-ups).",
    )
    contact_phone = models.CharField(max_length=40, blank=True)
    city = models.CharField("city where the item is made", max_length=100)
    state = models.CharField("state where the item is made", max_length=2, choices=US_STATES)
    capability = models.TextField(
        "what they can supply and how it meets the requirement",
        max_length=MAX_CAPABILITY_LENGTH,
    )
    us_content_percent = models.PositiveSmallIntegerField(
        "estimated U.S. content (%)", validators=[MaxValueValidator(100)]
    )
    lead_time = models.CharField(max_length=200)
    capacity = models.CharField("quantity or capacity", max_length=200)
    product_url = models.URLField(
        "product link", max_length=500, blank=True, validators=[HTTP_URL_VALIDATOR]
    )
    public_consent = models.BooleanField(
        "agrees to be named publicly",
        default=False,
        help_text="The company name and state appear on the waiver's public page.",
    )
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty until the contact confirms by email."
    )
    # Changed only by responses.services.record_outcome, which writes its history.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NEW)
    outcome_note = models.TextField(blank=True, help_text="The note of the latest outcome.")

    objects = SupplierResponseQuerySet.as_manager()

    class Meta:
        verbose_name = "supplier response"
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="response_outcome_valid",
                condition=Q(
                    outcome__in=["new", "contacted", "capable", "not_capable", "referred_to_mep"]
                ),
            ),
            models.CheckConstraint(
                name="response_us_content_percent", condition=Q(us_content_percent__lte=100)
            ),
            # Only a confirmed response has an outcome other than new.
            models.CheckConstraint(
                name="response_outcome_needs_confirmation",
                condition=Q(outcome="new") | Q(confirmed_at__isnull=False),
            ),
            # A company is counted once per waiver: one confirmed response per UEI.
            models.UniqueConstraint(
                fields=["waiver", "uei"],
                condition=Q(confirmed_at__isnull=False),
                name="response_confirmed_once_per_company",
            ),
        ]
        indexes = [
            # A waiver's confirmed responses (its page, the count, the admin inline).
            models.Index(
                fields=["waiver", "confirmed_at"],
                name="response_waiver_confirmed_idx",
                condition=Q(confirmed_at__isnull=False),
            ),
            # Lapsing requests never confirmed.
            models.Index(
                fields=["created_at"],
                name="response_unconfirmed_idx",
                condition=Q(confirmed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} on waiver {self.waiver.public_id}"

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)


class OutcomeChange(models.Model):
    """Append-only history of a response's outcome, written by
    responses.services.record_outcome in the same transaction as the change
    (and audited in the waiver's audit trail). Never public."""

    response = models.ForeignKey(
        SupplierResponse, on_delete=models.CASCADE, related_name="outcome_changes"
    )
    from_outcome = models.CharField(max_length=20, choices=SupplierResponse.Outcome.choices)
    to_outcome = models.CharField(max_length=20, choices=SupplierResponse.Outcome.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Staff user who recorded it (empty for demonstration data).",
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = "outcome change"
        ordering = ["at", "id"]
        indexes = [
            # A response's history, in order.
            models.Index(fields=["response", "at"], name="outcome_change_response_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.from_outcome} → {self.to_outcome}"
