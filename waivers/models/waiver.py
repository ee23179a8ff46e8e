import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone

from miao_site.check_constraints_in_one_query import CheckConstraintsInOneQuery
from miao_site.timestamps import TimeStampedModel
from waivers.models.expiry import expires_expression
from waivers.search import WordPairs

# The samples of estimated counts and facets from 500,000 waivers, 1 in 100
# each (waivers.counting): keyword searches read the waivers whose id leaves
# KEYWORD_SAMPLE_REMAINDER divided by ID_SAMPLE_MODULUS (waiver_sample_search_gin),
# other figures those whose id leaves FIGURE_SAMPLE_REMAINDER
# (waiver_figure_sample_idx). Disjoint, so that PostgreSQL can never take one
# sample's index for the other's queries: an index over the keyword sample's
# rows without their vectors read each of those rows to match a word (100 ms).
ID_SAMPLE_MODULUS = 100
KEYWORD_SAMPLE_REMAINDER = 0
FIGURE_SAMPLE_REMAINDER = 1
# The columns the FilterSet's filters (keywords aside) and the facets read.
SAMPLE_COLUMNS = [
    "status",
    "is_test_record",
    "waiver_type",
    "source_id",
    "determination",
    "final_decision",
    "contracting_agency",
    "psc",
    "naics",
    "procurement_stage",
    "coverage",
    "countries",
    "submitted_at",
    "expires",
    "supplier_response_count",
]

# Crockford base32 without I, L, O, U: unambiguous when read aloud or retyped.
PUBLIC_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_ID_BITS = 40  # eight characters of five bits
_PUBLIC_ID_SHIFTS = tuple(range(PUBLIC_ID_BITS - 5, -1, -5))


def public_id_from_number(number: int) -> str:
    """The public id encoding a number below 2**40: "MIA-" and eight
    characters of PUBLIC_ID_ALPHABET, most significant first. Distinct
    numbers give distinct ids."""
    if not 0 <= number < 1 << PUBLIC_ID_BITS:
        raise ValueError(f"a public id encodes a number from 0 to 2**{PUBLIC_ID_BITS} - 1")
    return "MIA-" + "".join([PUBLIC_ID_ALPHABET[(number >> s) & 31] for s in _PUBLIC_ID_SHIFTS])


def new_public_id() -> str:
    """A random, stable public identifier such as `MIA-7KQ3M9XD`."""
    return public_id_from_number(secrets.randbits(PUBLIC_ID_BITS))


class WaiverQuerySet(models.QuerySet):
    def public(self):
        """The single definition of what the public may see: every waiver that
        was ever posted (withdrawn ones included), never drafts, never records
        flagged as test data. Site, feeds, exports and API all start here."""
        return self.exclude(status=Waiver.Status.DRAFT).filter(is_test_record=False)

    def open_for_review(self):
        """Posted waivers whose MIAO review is still outstanding (urgent reports,
        filed after award, have no review to wait for)."""
        return self.filter(Waiver.AWAITING_REVIEW)

    def with_public_relations(self):
        return self.select_related(*Waiver.PUBLIC_RELATIONS)


class Waiver(CheckConstraintsInOneQuery, TimeStampedModel):
    """A proposed waiver of a Made in America law, as published by MIAO.

    Public fields live here. Type-specific details live in one-to-one tables
    (PricePreference, JonesActDetail, UrgentReport) and government-only fields
    in WaiverInternal, which no public view, serializer or export reads.
    """

    class Type(models.TextChoices):
        NONAVAILABILITY = "nonavailability", "Nonavailability"
        UNREASONABLE_COST = "unreasonable_cost", "Unreasonable cost (price preference)"
        PUBLIC_INTEREST = "public_interest", "Public interest"
        URGENT_REPORT = "urgent_report", "Urgent requirements report"
        JONES_ACT = "jones_act", "Jones Act"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        REVIEWED = "reviewed", "Reviewed"
        REVIEW_WAIVED = "review_waived", "Review waived"
        DECIDED = "decided", "Final decision made"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Determination(models.TextChoices):
        CONSISTENT = "consistent", "Consistent with policy"
        CONDITIONALLY_CONSISTENT = (
            "conditionally_consistent",
            "Conditionally consistent with policy",
        )
        INCONSISTENT = "inconsistent", "Inconsistent with policy"

    class FinalDecision(models.TextChoices):
        GRANTED = "granted", "Granted"
        NOT_GRANTED = "not_granted", "Not granted"

    class ProcurementStage(models.TextChoices):
        PRE_SOLICITATION = "pre_solicitation", "Pre-solicitation"
        POST_SOLICITATION = "post_solicitation", "Post-solicitation"

    class Coverage(models.TextChoices):
        INDIVIDUAL = "individual", "Individual waiver"
        MULTI_PROCUREMENT = "multi_procurement", "Multi-procurement waiver"

    class Duration(models.TextChoices):
        INSTANT = "instant", "Instant delivery only"
        UP_TO_6_MONTHS = "0_6_months", "0–6 months"
        SIX_TO_12_MONTHS = "6_12_months", "6 months – 1 year"
        ONE_TO_2_YEARS = "1_2_years", "1–2 years"
        TWO_TO_3_YEARS = "2_3_years", "2–3 years"
        THREE_TO_5_YEARS = "3_5_years", "3–5 years"
        OVER_5_YEARS = "over_5_years", "More than 5 years"

    # Posted states in which MIAO's review is still outstanding.
    OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW)
    # The one definition of "open for review now": an open status on a waiver
    # type that has a review clock, whose review runs in this system (an
    # imported waiver MIAO published without a determination has no live
    # clock here: it shows "no determination published").
    AWAITING_REVIEW = (
        Q(status__in=OPEN_STATUSES) & ~Q(waiver_type=Type.URGENT_REPORT) & Q(source_id="")
    )
    # The one definition of "awaiting the agency's final decision": no decision
    # recorded and not withdrawn.
    PENDING_DECISION = Q(final_decision="") & ~Q(status=Status.WITHDRAWN)
    # States in which a determination may be on record.
    DETERMINED_STATUSES = (Status.REVIEWED, Status.DECIDED, Status.WITHDRAWN)
    # The relations every public page shows with a waiver (select_related
    # paths). jones_act: the decision on a Jones Act request is part of its
    # outcome.
    PUBLIC_RELATIONS = (
        "contracting_agency",
        "contracting_agency__parent",
        "funding_agency",
        "funding_agency__parent",
        "naics",
        "psc",
        "jones_act",
    )

    # --- identity ---------------------------------------------------------
    public_id = models.CharField(
        max_length=20,
        unique=True,
        default=new_public_id,
        editable=False,
        help_text="Stable identifier used in public URLs; never the database id.",
    )
    source_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="Identifier of the record in MIAO's published data, for imported waivers.",
    )
    waiver_type = models.CharField("waiver type", max_length=20, choices=Type.choices)
    is_test_record = models.BooleanField(
        default=False, help_text="Imported record that is obviously test data (never public)."
    )

    # --- lifecycle (changed only by waivers.services) -------------------------
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_due_date = models.DateField(
        null=True,
        blank=True,
        help_text="Submitted date plus 15 business days; derived by the submit service.",
    )
    determination = models.CharField(
        "OMB determination", max_length=30, choices=Determination.choices, blank=True
    )
    determination_conditions = models.TextField(
        blank=True, help_text="Required for a conditionally consistent determination."
    )
    determination_explanation = models.TextField(
        blank=True, help_text="Required for an inconsistent determination."
    )
    determined_at = models.DateTimeField(null=True, blank=True)
    final_decision = models.CharField(max_length=20, choices=FinalDecision.choices, blank=True)
    final_decision_date = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Optimistic-locking counter: every write through waivers.services adds one.",
    )

    # --- standard public fields -----------------------------------------------
    contracting_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="contracted_waivers",
        help_text="Contracting office agency (FPDS sub-tier).",
    )
    funding_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="funded_waivers",
        null=True,
        blank=True,
    )
    naics = models.ForeignKey(
        "waivers.NaicsCode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waivers",
        verbose_name="NAICS code",
        db_index=False,  # served by waiver_naics_pattern_idx (equality and prefix)
    )
    psc = models.ForeignKey(
        "waivers.PscCode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waivers",
        verbose_name="PSC code",
        db_index=False,  # served by waiver_psc_pattern_idx (equality and prefix)
    )
    procurement_title = models.CharField(max_length=500, blank=True)
    summary = models.TextField("summary of procurement", blank=True)
    procurement_stage = models.CharField(
        max_length=20, choices=ProcurementStage.choices, blank=True
    )
    sources_sought = models.BooleanField("sources sought or RFI issued", null=True, blank=True)
    piids = ArrayField(
        models.CharField(max_length=50),
        default=list,
        blank=True,
        verbose_name="PIIDs",
        help_text="Procurement instrument identifiers (contract numbers).",
    )
    solicitation_id = models.CharField("solicitation ID", max_length=50, blank=True)
    price_preference_included = models.BooleanField(
        "solicitation announces a price preference", null=True, blank=True
    )
    coverage = models.CharField(
        "waiver coverage", max_length=20, choices=Coverage.choices, blank=True
    )
    rationale = models.TextField("waiver rationale summary", blank=True)
    expected_duration = models.CharField(
        "expected maximum duration", max_length=20, choices=Duration.choices, blank=True
    )
    countries = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        verbose_name="countries of origin",
        help_text="ISO 3166-1 alpha-2 codes.",
    )
    supplier_response_count = models.PositiveIntegerField(
        "supplier responses",
        default=0,
        editable=False,
        help_text="Confirmed responses of U.S. manufacturers who say they can supply the item; "
        "kept by responses.services (a recount, in the transaction that confirms one).",
    )
    # --- fields of MIAO's current (2023-) form ---------------------------------
    # Yes/no questions: null is "unknown / not stated", kept apart from "no".
    end_product_cots = models.BooleanField(
        "end product is a COTS item",
        null=True,
        blank=True,
        help_text="Is the end product a commercially available off-the-shelf (COTS) item? "
        "Leave unknown when not stated.",
    )
    end_product_critical = models.BooleanField(
        "end product is or contains a critical item",
        null=True,
        blank=True,
        help_text="Is the end product a critical item, or does it contain a critical component? "
        "Leave unknown when not stated.",
    )
    end_product_iron_steel = models.BooleanField(
        "end product is wholly or predominantly iron or steel",
        null=True,
        blank=True,
        help_text="Is the end product wholly or predominantly iron, steel or a combination of "
        "both? Leave unknown when not stated.",
    )
    public_interest_justification = models.TextField(
        blank=True, help_text="Why the waiver is in the public interest (public-interest waivers)."
    )
    cost_advantage_assessment = models.TextField(
        "assessment of cost advantages",
        blank=True,
        help_text="Assessment of any cost advantages of the foreign-source product.",
    )
    public_comment_link = models.URLField(
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where the public can comment on the proposed waiver (an http or https address).",
    )
    start_date = models.DateField(
        "waiver start date", null=True, blank=True, help_text="When the waiver takes effect."
    )
    expiration_date = models.DateField(
        "waiver expiration date",
        null=True,
        blank=True,
        help_text="When the waiver ends, as stated by the agency or MIAO.",
    )
    published_determination_date = models.DateField(
        "determination date (as published)",
        null=True,
        blank=True,
        editable=False,
        help_text="The determination date MIAO's published record states.",
    )
    published_withdrawal_date = models.DateField(
        "withdrawal date (as published)",
        null=True,
        blank=True,
        editable=False,
        help_text="The withdrawal date MIAO's published record states.",
    )
    # When each field was last set from MIAO's published data: {field: [source
    # record's modified (UTC ISO 8601), format rank]}. The importer keeps, per
    # field, the value of the latest published record that carries it (see
    # waivers.importers.miao). Bookkeeping only; never published.
    source_field_times = models.JSONField(default=dict, blank=True, editable=False)
    source_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    source_modified_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- when the waiver ends (computed by the database) ------------------------
    # The published expiration date, else an estimate: the determination date
    # (or the submission date) plus the expected maximum duration; null when
    # neither can be known ("more than 5 years", no duration). Dates of
    # timestamps are taken in EXPIRY_TIME_ZONE. See waivers.models.expiry.
    expires = models.GeneratedField(
        expression=expires_expression(),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name="expires",
    )

    # --- search ---------------------------------------------------------------
    search_vector = SearchVectorField(null=True, editable=False)

    objects = WaiverQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="waiver_status_valid",
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "in_review",
                        "reviewed",
                        "review_waived",
                        "decided",
                        "withdrawn",
                    ]
                ),
            ),
            models.CheckConstraint(
                name="waiver_type_valid",
                condition=Q(
                    waiver_type__in=[
                        "nonavailability",
                        "unreasonable_cost",
                        "public_interest",
                        "urgent_report",
                        "jones_act",
                    ]
                ),
            ),
            # An imported record maps to exactly one waiver, so re-imports update it.
            models.UniqueConstraint(
                fields=["source_id"], condition=~Q(source_id=""), name="waiver_source_id_unique"
            ),
            # Posted waivers always carry their submission time and review due date.
            models.CheckConstraint(
                name="waiver_posted_has_submitted_at",
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
            ),
            # A determination exists only once MIAO has reviewed the waiver.
            models.CheckConstraint(
                name="waiver_determination_only_when_reviewed",
                condition=Q(determination="")
                | Q(status__in=["reviewed", "decided", "withdrawn"], determined_at__isnull=False),
            ),
            models.CheckConstraint(
                name="waiver_determination_valid",
                condition=Q(
                    determination__in=["", "consistent", "conditionally_consistent", "inconsistent"]
                ),
            ),
            # A reviewed waiver always has its determination.
            models.CheckConstraint(
                name="waiver_reviewed_has_determination",
                condition=~Q(status="reviewed") | ~Q(determination=""),
            ),
            # Conditional consistency must say what the conditions are.
            models.CheckConstraint(
                name="waiver_conditional_has_conditions",
                condition=~Q(determination="conditionally_consistent")
                | ~Q(determination_conditions=""),
            ),
            # Inconsistency must be explained in writing.
            models.CheckConstraint(
                name="waiver_inconsistent_has_explanation",
                condition=~Q(determination="inconsistent") | ~Q(determination_explanation=""),
            ),
            # A final decision (and its date) exists only in the decided state, or
            # after a decided waiver was withdrawn.
            models.CheckConstraint(
                name="waiver_final_decision_consistent",
                condition=(Q(final_decision="") & Q(final_decision_date__isnull=True))
                | (
                    Q(final_decision__in=["granted", "not_granted"])
                    & Q(final_decision_date__isnull=False)
                    & Q(status__in=["decided", "withdrawn"])
                ),
            ),
            models.CheckConstraint(
                name="waiver_decided_has_final_decision",
                condition=~Q(status="decided") | ~Q(final_decision=""),
            ),
            # A public comment link is an outbound http(s) address, never a
            # javascript: or other scheme (shown as a link on the public page).
            models.CheckConstraint(
                name="waiver_comment_link_http",
                condition=Q(public_comment_link="") | Q(public_comment_link__regex=r"^https?://"),
            ),
            models.CheckConstraint(
                name="waiver_withdrawn_has_date",
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
            ),
        ]
        indexes = [
            # Keyword search: to_tsquery matches against the stored vector.
            GinIndex(fields=["search_vector"], name="waiver_search_gin"),
            # Quoted phrases: the vector's adjacent word pairs (waivers.search.WordPairs),
            # so a phrase rechecks only waivers holding its words side by side (0026).
            GinIndex(WordPairs("search_vector"), name="waiver_word_pairs_gin"),
            # Estimated counts of keyword searches at a million waivers: the
            # fixed sample (the waivers whose id is a multiple of 100) has a
            # keyword index of its own, so a word's matches in it are found
            # without reading every sampled waiver's vector (waivers.counting).
            GinIndex(
                fields=["search_vector"],
                condition=Q(Exact(Mod("id", ID_SAMPLE_MODULUS), KEYWORD_SAMPLE_REMAINDER)),
                name="waiver_sample_search_gin",
            ),
            # The other estimated counts and facets at a million waivers: their
            # sample (another 1 in 100) with every column the filters and facets
            # read, so a figure over it is an index-only scan of its ~10,000
            # entries (2 MB) instead of a read of 1 % of the table's pages
            # (3.5 ms instead of 11, cold). A column missing here is read from
            # the table: slower, never wrong (test_counting.py checks the plan).
            models.Index(
                fields=["id"],
                include=SAMPLE_COLUMNS,
                condition=Q(Exact(Mod("id", ID_SAMPLE_MODULUS), FIGURE_SAMPLE_REMAINDER)),
                name="waiver_figure_sample_idx",
            ),
            # Exact PIID matches (piids @> ARRAY['...']).
            GinIndex(fields=["piids"], name="waiver_piids_gin"),
            # Country filter (countries && ARRAY['FR']).
            GinIndex(fields=["countries"], name="waiver_countries_gin"),
            # Public list sorted newest first, the default page (partial: public set only).
            models.Index(
                fields=["-submitted_at", "-id"],
                name="waiver_public_newest_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            # "Open for review" list and the review-deadline sort.
            models.Index(
                fields=["review_due_date", "id"],
                name="waiver_open_due_idx",
                condition=Q(status__in=["submitted", "in_review"]),
            ),
            # Filters by type and status (facet counts, reviewer queue).
            models.Index(fields=["waiver_type", "status"], name="waiver_type_status_idx"),
            # NAICS / PSC prefix filters (LIKE 'prefix%').
            models.Index(
                fields=["naics"], name="waiver_naics_pattern_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["psc"], name="waiver_psc_pattern_idx", opclasses=["varchar_pattern_ops"]
            ),
            # Exact solicitation ID lookups.
            models.Index(fields=["solicitation_id"], name="waiver_solicitation_idx"),
            # An agency's public waivers newest first (agency filter, agency pages):
            # an index walk that stops after one page, however many rows match.
            models.Index(
                fields=["contracting_agency", "-submitted_at", "-id"],
                name="waiver_agency_newest_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            # A waiver page's related waivers: the newest public waivers of its PSC
            # code and of its NAICS code, each a walk of a few index entries
            # (waivers.selectors.waivers.related_waivers).
            models.Index(
                fields=["psc", "-submitted_at", "-id"],
                name="waiver_psc_newest_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            models.Index(
                fields=["naics", "-submitted_at", "-id"],
                name="waiver_naics_newest_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            # has_responses=true: public waivers a manufacturer answered, newest
            # first (small: few waivers draw responses).
            models.Index(
                fields=["-submitted_at", "-id"],
                name="waiver_has_responses_idx",
                condition=~Q(status="draft")
                & Q(is_test_record=False)
                & Q(supplier_response_count__gt=0),
            ),
            # "Ending in the next 90 days" and the expiry sort (public set only).
            models.Index(
                fields=["expires", "id"],
                name="waiver_public_expires_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            # The title and review-deadline sorts of the public list and the
            # API: a page is an index walk that stops after it, instead of a
            # sort of every matching row (2.7 s at a million waivers).
            models.Index(
                fields=["procurement_title", "id"],
                name="waiver_public_title_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            models.Index(
                fields=["review_due_date", "id"],
                name="waiver_public_deadline_idx",
                condition=~Q(status="draft") & Q(is_test_record=False),
            ),
            # max(updated_at): the API's Last-Modified and the data version of
            # waivers.caching, read on every request.
            models.Index(fields=["updated_at"], name="waiver_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.procurement_title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("waivers:detail", kwargs={"public_id": self.public_id})

    @property
    def expires_is_estimate(self) -> bool:
        """The expiry date is an estimate (MIAO published no expiration date)."""
        return self.expiration_date is None and self.expires is not None

    @property
    def is_imported(self) -> bool:
        """Imported from MIAO's published data: its review did not run here."""
        return bool(self.source_id)

    @property
    def is_open_for_review(self) -> bool:
        return (
            self.status in self.OPEN_STATUSES
            and self.waiver_type != self.Type.URGENT_REPORT
            and not self.source_id
        )

    @property
    def awaits_published_determination(self) -> bool:
        """Imported, posted, and MIAO's published record has no determination."""
        return (
            self.status in self.OPEN_STATUSES
            and self.waiver_type != self.Type.URGENT_REPORT
            and bool(self.source_id)
        )

    @property
    def outcome(self) -> str:
        """What happened, in words: "Granted", "Under MIAO review (due …)", …
        (waivers.outcomes, which also gives it as SQL for the downloads)."""
        from waivers.outcomes import outcome

        return outcome(self)

    @property
    def finding(self) -> str:
        """MIAO's finding in one plain sentence (waivers.outcomes)."""
        from waivers.outcomes import finding

        return finding(self)

    def business_days_left(self, today=None) -> int | None:
        """Business days until the review is due (negative when overdue)."""
        from waivers.business_days import business_days_between

        if not self.is_open_for_review or self.review_due_date is None:
            return None
        today = today or timezone.localdate()
        return business_days_between(today, self.review_due_date)


class WaiverInternal(TimeStampedModel):
    """Government-only fields of a waiver. Never shown publicly: no public view,
    serializer, export or feed reads this model."""

    waiver = models.OneToOneField(Waiver, on_delete=models.CASCADE, related_name="internal")
    market_research = models.TextField("market research detail", blank=True)
    excluded_sources = models.TextField(blank=True)
    approving_official = models.CharField(max_length=200, blank=True)
    contacts = models.TextField(blank=True, help_text="Names, emails and phone numbers.")

    class Meta:
        verbose_name = "government-only information"
        verbose_name_plural = "government-only information"

    def __str__(self) -> str:
        return f"Government-only information for {self.waiver.public_id}"


class WaiverStatusChange(models.Model):
    """Append-only history of status changes, written by the lifecycle services
    in the same transaction as the change. Public timelines derive from it."""

    waiver = models.ForeignKey(Waiver, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Waiver.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Waiver.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Staff user who made the change (empty for imports).",
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "status change"
        indexes = [
            # A waiver's timeline, in order.
            models.Index(fields=["waiver", "at"], name="status_change_waiver_at_idx"),
        ]

    def __str__(self) -> str:
        # Staff read this (admin log, inline rows): labels, never database ids.
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"
