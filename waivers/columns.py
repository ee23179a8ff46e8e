"""The published columns of a waiver: one list that every output is derived from.

Each column has a public name, a description, a kind (what its value is) and
a source (how it is read: an ORM path from `Waiver`, or an expression over
it). From COLUMNS come the site's CSV and JSON exports (the CSV's COPY
statement included, waivers.exports), the API's list and detail fields and so
its OpenAPI schema (waivers.api.serializers), and the column tables of
docs/exports.md and docs/api.md (`manage.py document_columns`). Publishing a
new field is one entry below, then `manage.py document_columns`.

Only public fields of `Waiver` and its public relations (agencies, NAICS,
PSC) are sources; nothing of `WaiverInternal`. Column names are a public
interface (people build spreadsheets on them): add columns at the end, never
rename, move or remove one.

Values are read as plain values (`values_list`), never as model instances,
and published JSON-ready: codes as the search parameters take them, dates
`YYYY-MM-DD`, timestamps ISO 8601 with their offset (as Python's isoformat()
writes the UTC time Django reads), lists as lists, a missing value as None.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.db.models import BooleanField, Case, Expression, F, Lookup, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.urls import get_script_prefix, reverse

from waivers.filters import PUBLIC_STATUSES
from waivers.models import Waiver
from waivers.outcomes import finding_sql, outcome_sql
from waivers.statements import Statement

# --- kinds ---------------------------------------------------------------------
# What a column's value is. Each output writes a kind its own way: the JSON
# value below (row_builder), the CSV cell (waivers.exports.csv_cell), the API
# field (waivers.api.serializers.column_field) and the docs (`label`).


@dataclass(frozen=True)
class Text:
    """Free text or an identifier."""

    label = "text"


@dataclass(frozen=True)
class Choice:
    """A stable code out of `choices` (value, label)."""

    choices: tuple[tuple[str, str], ...]
    label = "code"


@dataclass(frozen=True)
class Boolean:
    label = "true/false"


@dataclass(frozen=True)
class TextList:
    """An array of texts, each `item_length` characters long when given."""

    item_length: int | None = None
    label = "list"


@dataclass(frozen=True)
class Integer:
    label = "integer"


@dataclass(frozen=True)
class Date:
    label = "date"


@dataclass(frozen=True)
class Timestamp:
    label = "timestamp"


@dataclass(frozen=True)
class Url:
    """An address stored as text."""

    label = "URL"


@dataclass(frozen=True)
class PageUrl:
    """The absolute address of the waiver's page named `url_name`, built from
    the public identifier the column reads."""

    url_name: str
    label = "URL"


Kind = Text | Choice | Boolean | TextList | Integer | Date | Timestamp | Url | PageUrl


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    kind: Kind
    # An ORM path from Waiver ("naics__title"), or an expression over it.
    source: str | Expression
    # The value may be missing: null in JSON, an empty CSV cell.
    nullable: bool = False
    # An empty text (a blank field) is published as missing.
    blank_is_null: bool = False
    # Only in the API (not in the site's downloads).
    api_only: bool = False

    def __post_init__(self):
        if self.blank_is_null and not self.nullable:
            raise ValueError(f"{self.name}: a blank value published as null needs nullable")

    @property
    def help_text(self) -> str:
        """The description as published (API schema, docs): a code column
        lists its codes."""
        if isinstance(self.kind, Choice):
            codes = ", ".join(value for value, _ in self.kind.choices)
            return f"{self.description}: {codes}"
        return self.description

    @property
    def expression(self) -> Expression:
        return F(self.source) if isinstance(self.source, str) else self.source


def _codes(choices) -> Choice:
    return Choice(tuple(choices))


# The published waiver, in column order. The API shows every column (its
# `api_only` ones too); the site's CSV and JSON downloads the others.
COLUMNS: tuple[Column, ...] = (
    Column("public_id", "Stable public identifier, e.g. MIA-7KQ3M9XD", Text(), "public_id"),
    Column("url", "Address of the waiver's page", PageUrl("waivers:detail"), "public_id"),
    Column(
        "api_url",
        "Address of this waiver in the API",
        PageUrl("api:waiver-detail"),
        "public_id",
        api_only=True,
    ),
    Column("type", "Waiver type code", _codes(Waiver.Type.choices), "waiver_type"),
    Column("status", "Status code", _codes(PUBLIC_STATUSES), "status"),
    Column("title", "Procurement title", Text(), "procurement_title"),
    Column("summary", "Summary of procurement", Text(), "summary"),
    Column("rationale", "Waiver rationale summary", Text(), "rationale"),
    Column(
        "contracting_agency_code",
        "Contracting office agency, FPDS sub-tier code",
        Text(),
        "contracting_agency__code",
    ),
    Column(
        "contracting_agency_name",
        "Contracting office agency name",
        Text(),
        "contracting_agency__name",
    ),
    Column(
        "contracting_department_code",
        "Department (CGAC code) of the contracting agency",
        Text(),
        "contracting_agency__parent__code",
        nullable=True,
    ),
    Column(
        "contracting_department_name",
        "Department name of the contracting agency",
        Text(),
        "contracting_agency__parent__name",
        nullable=True,
    ),
    Column(
        "funding_agency_code", "Funding agency code", Text(), "funding_agency__code", nullable=True
    ),
    Column(
        "funding_agency_name", "Funding agency name", Text(), "funding_agency__name", nullable=True
    ),
    Column("naics_code", "NAICS code", Text(), "naics_id", nullable=True),
    Column("naics_title", "NAICS title", Text(), "naics__title", nullable=True),
    Column("psc_code", "Product and Service Code", Text(), "psc_id", nullable=True),
    Column(
        "psc_name",
        "PSC name",
        Text(),
        # The full name, or the short one when there is no full name (PscCode.display_name).
        Coalesce(NullIf(F("psc__full_name"), Value("")), F("psc__name"), output_field=TextField()),
        nullable=True,
    ),
    Column(
        "stage",
        "Procurement stage code",
        _codes(Waiver.ProcurementStage.choices),
        "procurement_stage",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "coverage",
        "Waiver coverage code",
        _codes(Waiver.Coverage.choices),
        "coverage",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "duration",
        "Expected maximum duration code",
        _codes(Waiver.Duration.choices),
        "expected_duration",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "sources_sought",
        "Sources sought or RFI issued (true/false; empty when not stated)",
        Boolean(),
        "sources_sought",
        nullable=True,
    ),
    Column(
        "price_preference_included",
        "Solicitation announces a price preference (true/false)",
        Boolean(),
        "price_preference_included",
        nullable=True,
    ),
    Column("piids", "Procurement instrument identifiers (';'-joined in CSV)", TextList(), "piids"),
    Column(
        "solicitation_id",
        "Solicitation ID",
        Text(),
        "solicitation_id",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "countries",
        "Countries of origin, ISO 3166-1 alpha-2 (';'-joined in CSV)",
        TextList(item_length=2),
        "countries",
    ),
    Column(
        "submitted_at",
        "When the waiver was posted (review clock start)",
        Timestamp(),
        "submitted_at",
    ),
    Column(
        "review_due_date",
        "Date MIAO's review is due (15 business days after posting)",
        Date(),
        "review_due_date",
        nullable=True,
    ),
    Column(
        "determination",
        "OMB determination code",
        _codes(Waiver.Determination.choices),
        "determination",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "conditions",
        "Conditions of a conditionally consistent determination",
        Text(),
        "determination_conditions",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "explanation",
        "Explanation of an inconsistent determination",
        Text(),
        "determination_explanation",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "determined_at",
        "When the determination was recorded",
        Timestamp(),
        "determined_at",
        nullable=True,
    ),
    Column(
        "final_decision",
        "Agency's final decision code",
        _codes(Waiver.FinalDecision.choices),
        "final_decision",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "final_decision_date",
        "Date of the final decision",
        Date(),
        "final_decision_date",
        nullable=True,
    ),
    Column(
        "withdrawn_at",
        "When the agency withdrew the waiver",
        Timestamp(),
        "withdrawn_at",
        nullable=True,
    ),
    Column(
        "modified_at",
        "When the public record last changed",
        Timestamp(),
        "updated_at",
        api_only=True,
    ),
    Column(
        "supplier_responses",
        "How many U.S. manufacturers said they can supply the item (confirmed responses)",
        Integer(),
        "supplier_response_count",
    ),
    # --- MIAO's current form (added 2026) ---
    Column(
        "start_date", "Date the waiver takes effect, as stated", Date(), "start_date", nullable=True
    ),
    Column(
        "expiration_date",
        "Expiration date, as published (empty when none was published)",
        Date(),
        "expiration_date",
        nullable=True,
    ),
    Column(
        "expires",
        "When the waiver ends: the published expiration date, else an estimate (the "
        "determination or submission date plus the expected maximum duration; see "
        "expires_is_estimate); empty when it cannot be told",
        Date(),
        "expires",
        nullable=True,
    ),
    Column(
        "expires_is_estimate",
        "true when `expires` is an estimate, not a published expiration date",
        Boolean(),
        Case(
            When(expires__isnull=True, then=Value(None)),
            When(expiration_date__isnull=False, then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        ),
        nullable=True,
    ),
    Column(
        "determination_date",
        "Determination date as MIAO's published record states it",
        Date(),
        "published_determination_date",
        nullable=True,
    ),
    Column(
        "withdrawal_date",
        "Withdrawal date as MIAO's published record states it",
        Date(),
        "published_withdrawal_date",
        nullable=True,
    ),
    Column(
        "end_product_cots",
        "End product is a commercially available off-the-shelf item (true/false; empty when "
        "unknown or not stated)",
        Boolean(),
        "end_product_cots",
        nullable=True,
    ),
    Column(
        "end_product_critical",
        "End product is a critical item or contains a critical component (true/false; empty "
        "when unknown or not stated)",
        Boolean(),
        "end_product_critical",
        nullable=True,
    ),
    Column(
        "end_product_iron_steel",
        "End product is wholly or predominantly iron or steel (true/false; empty when unknown "
        "or not stated)",
        Boolean(),
        "end_product_iron_steel",
        nullable=True,
    ),
    Column(
        "public_interest_justification",
        "Why the waiver is in the public interest",
        Text(),
        "public_interest_justification",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "cost_advantage_assessment",
        "Assessment of any cost advantages of the foreign-source product",
        Text(),
        "cost_advantage_assessment",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "public_comment_link",
        "Where the public can comment (an http or https address)",
        Url(),
        "public_comment_link",
        nullable=True,
        blank_is_null=True,
    ),
    Column(
        "source_modified_at",
        "For a waiver imported from MIAO's published data: when its latest published record "
        "was modified (the date the published state is as of); empty for waivers filed here",
        Timestamp(),
        "source_modified_at",
        nullable=True,
    ),
    Column(
        "outcome",
        "What happened, in words: Granted, Not granted, Awaiting the agency's decision, "
        "Under MIAO review (due <date>), Withdrawn or No determination published",
        Text(),
        outcome_sql(),
    ),
    Column("miao_finding", "MIAO's finding in one plain sentence", Text(), finding_sql()),
)
EXPORT_COLUMNS = tuple(column for column in COLUMNS if not column.api_only)
API_COLUMNS = COLUMNS


# --- page addresses --------------------------------------------------------------

# A public identifier the URL patterns accept, standing for each row's own.
PUBLIC_ID_PLACEHOLDER = "ID-PLACEHOLDER"


def url_template(url_name: str, absolute_url: Callable[[str], str]) -> str:
    """The absolute address of the page `url_name` of a waiver whose public
    identifier is PUBLIC_ID_PLACEHOLDER."""
    return absolute_url(reverse(url_name, kwargs={"public_id": PUBLIC_ID_PLACEHOLDER}))


# --- reading -----------------------------------------------------------------------


# How many row builders a reader keeps: one per address the site answers at (ALLOWED_HOSTS).
_BUILDERS_KEPT = 16

# Stands for the public identifier while a one-row statement is compiled
# (ColumnReader.one_public): a value no identifier has.
_PUBLIC_ID_MARK = "~one-row-marker~"
# Stands for the identifiers while the statement reading rows by id is
# compiled (ColumnReader.by_ids): no waiver has a negative id.
_IDS_MARK = [-1]


def _isoformat(value):
    return None if value is None else value.isoformat()


def _or_none(value):
    return value or None


class _AnyOf(Lookup):
    """`column = ANY(array)`: one parameter however many values (Django's
    `in` writes one a value, so a prepared statement could not take them)."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


class ColumnReader:
    """Reads `columns` as plain values (one values_list) and turns each
    values row into a published row: {column name: JSON-ready value}, in
    column order. `extra` fields are read after the columns' own (a paginator
    may need them), then `annotations` (name: expression); a field read twice
    is fetched once."""

    def __init__(
        self,
        columns: Sequence[Column],
        extra: Sequence[str] = (),
        annotations: Mapping[str, Expression] | None = None,
    ):
        self.columns = tuple(columns)
        self.fields: list[str] = []  # values_list arguments, in order
        self.annotations: dict[str, Expression] = {}
        self.positions: list[int] = []  # of each column's value in a values row
        for column in self.columns:
            if isinstance(column.source, str):
                field = column.source
            else:
                field = f"published_{column.name}"
                self.annotations[field] = column.source
            self.positions.append(self._position(field))
        for field in extra:
            self._position(field)
        for name, expression in (annotations or {}).items():
            self.annotations[name] = expression
            self._position(name)
        self._builders: dict[str, Callable[[Sequence], dict]] = {}  # by site root

    def _position(self, field: str) -> int:
        if field not in self.fields:
            self.fields.append(field)
        return self.fields.index(field)

    def values(self, queryset, *, named: bool = False):
        """The queryset as values rows that row_builder() reads."""
        return queryset.annotate(**self.annotations).values_list(*self.fields, named=named)

    def one_public(self, using: str, public_id: str) -> Sequence | None:
        """The values row of the public waiver `public_id` (as values() reads
        it; None when no public waiver has it), by a statement prepared once
        a connection (waivers.statements): building and compiling the
        annotated query cost about 4.5 ms of an API detail's 11, running it
        1 ms (issue 19)."""
        return self._by_public_id.one(using, public_id)

    @cached_property
    def _by_public_id(self) -> Statement:
        return Statement(
            lambda public_id: self.values(Waiver.objects.public().filter(public_id=public_id)),
            _PUBLIC_ID_MARK,
        )

    def by_ids(self, using: str, ids: Sequence[int]) -> list[Sequence]:
        """The values rows of the public waivers with these ids, in the order
        of `ids` (one no longer public is left out), by a statement prepared
        once a connection: for a page of the API cursor walk, building and
        compiling the annotated query cost more than running it (issue 19).
        The reader must read "id" (an `extra` field)."""
        if not ids:
            return []
        position = self.fields.index("id")
        found = {row[position]: row for row in self._by_ids.all(using, list(ids))}
        return [found[pk] for pk in ids if pk in found]

    @cached_property
    def _by_ids(self) -> Statement:
        return Statement(
            lambda ids: self.values(Waiver.objects.public().filter(_AnyOf(F("id"), ids))),
            _IDS_MARK,
        )

    def row_builder(self, absolute_url: Callable[[str], str]) -> Callable[[Sequence], dict]:
        """A function from a values row to its published row. Page addresses
        are made absolute by `absolute_url` (e.g. request.build_absolute_uri).

        Made once for each address of the site's root (the scheme, host and
        script prefix every absolute address starts with), then kept: making
        it for each request took a tenth of an API detail's time (issue 19)."""
        site_root = absolute_url(get_script_prefix())
        builder = self._builders.get(site_root)
        if builder is None:
            if len(self._builders) >= _BUILDERS_KEPT:
                self._builders.clear()
            builder = self._builders[site_root] = self._make_builder(absolute_url)
        return builder

    def _make_builder(self, absolute_url: Callable[[str], str]) -> Callable[[Sequence], dict]:
        names = [column.name for column in self.columns]
        positions = self.positions
        conversions = []
        for column in self.columns:
            match column.kind:
                case Date() | Timestamp():
                    conversions.append((column.name, _isoformat))
                case PageUrl(url_name=url_name):
                    template = url_template(url_name, absolute_url)
                    conversions.append(
                        (
                            column.name,
                            lambda value, t=template: t.replace(PUBLIC_ID_PLACEHOLDER, value),
                        )
                    )
                case _ if column.blank_is_null:
                    conversions.append((column.name, _or_none))

        def build(values: Sequence) -> dict:
            row = dict(zip(names, map(values.__getitem__, positions), strict=True))
            for name, convert in conversions:
                row[name] = convert(row[name])
            return row

        return build

    def rows(self, queryset, absolute_url: Callable[[str], str], chunk_size: int) -> Iterator[dict]:
        """The published row of every waiver in the queryset, in its order,
        fetched `chunk_size` rows a round trip."""
        build = self.row_builder(absolute_url)
        for values in self.values(queryset).iterator(chunk_size=chunk_size):
            yield build(values)


EXPORT_READER = ColumnReader(EXPORT_COLUMNS)
