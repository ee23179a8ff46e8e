"""What the API returns. Field names are a public interface: add, never rename.

A waiver's base fields are the published columns of waivers.columns (the
same names and values as the site's CSV/JSON downloads, plus `api_url` and
`modified_at`), declared from that list. The detail adds the type-specific
details and the public status history. Values are JSON-ready: timestamps and
dates as ISO 8601 strings, money as decimal strings, lists as arrays, a
missing value as null.
"""

from functools import cached_property

from django.db import models
from django.urls import reverse
from rest_framework import serializers

from agencies.models import Agency
from waivers.api.selectors import DETAIL_READER, PublishedWaiver, counts_by
from waivers.columns import (
    API_COLUMNS,
    Boolean,
    Choice,
    Column,
    ColumnReader,
    Date,
    Integer,
    PageUrl,
    Text,
    TextList,
    Timestamp,
    Url,
)
from waivers.exports import csv_columns
from waivers.filters import PUBLIC_STATUSES
from waivers.models import (
    JonesActDetail,
    NaicsCode,
    PricePreference,
    PscCode,
    UrgentReport,
    Waiver,
)
from waivers.selectors.agencies import agency_waivers

# How the API list reads a waiver (values_list): its columns and its id (a
# cursor page reads its rows by id, ColumnReader.by_ids).
API_READER = ColumnReader(API_COLUMNS, extra=("id",))


def column_field(column: Column) -> serializers.Field:
    """The serializer field describing a published column (for the schema)."""
    options = {"help_text": column.help_text, "allow_null": column.nullable}
    match column.kind:
        case Text():
            return serializers.CharField(**options)
        case Choice(choices=choices):
            return serializers.ChoiceField(choices=choices, **options)
        case Boolean():
            return serializers.BooleanField(**options)
        case TextList(item_length=length):
            item = serializers.CharField(min_length=length, max_length=length)
            return serializers.ListField(child=item, **options)
        case Integer():
            return serializers.IntegerField(**options)
        case Date():
            return serializers.DateField(**options)
        case Timestamp():
            return serializers.DateTimeField(**options)
        case Url() | PageUrl():
            return serializers.URLField(**options)
    raise TypeError(f"{column.name}: no API field for {column.kind!r}")


class FieldSelectionMixin:
    """Limits the output to the `fields` chosen by the view (all by default).
    Worked out once per serializer: a list's rows share one."""

    @cached_property
    def selected_fields(self) -> list[str]:
        return list(self.context.get("fields") or self.field_names())

    @classmethod
    def field_names(cls) -> list[str]:
        """Every field's name, in order. Building the fields costs about half
        a millisecond a request (issue 19) and they never change, so their
        names are kept on the class."""
        if "_field_names" not in cls.__dict__:
            cls._field_names = list(cls().fields)
        return cls._field_names


class WaiverSerializer(FieldSelectionMixin, serializers.Serializer):
    """One waiver in a list: every standard public field."""

    def get_fields(self) -> dict:
        columns = {column.name: column_field(column) for column in API_COLUMNS}
        return {**columns, **super().get_fields()}

    def _absolute_url(self, path: str) -> str:
        return self.context["request"].build_absolute_uri(path)

    @cached_property
    def _build_row(self):
        return API_READER.row_builder(self._absolute_url)

    def to_representation(self, values) -> dict:
        """One list row, from a waiver's values row read by API_READER, as
        the list view reads waivers."""
        row = self._build_row(values)
        return {name: row[name] for name in self.selected_fields}

    def sql_cells(self) -> dict:
        """The selected fields as SQL expressions giving their CSV cells, for
        a CSV written by PostgreSQL (waivers.exports.copy_csv): the same text
        as the cells of to_representation()."""
        cells = csv_columns(self._absolute_url, API_COLUMNS)
        return {name: cells[name] for name in self.selected_fields}


class IsoDateTimeField(serializers.DateTimeField):
    """Timestamps as stored (UTC, ISO 8601), like the base fields."""

    def to_representation(self, value):
        return None if value is None else value.isoformat()


class PricePreferenceSerializer(serializers.ModelSerializer):
    """The figures of an unreasonable-cost waiver and the FAR 25.106 evaluation."""

    factor = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        read_only=True,
        help_text="Evaluation factor f: 0.20 large business, 0.30 small business, 0.50 DoD",
    )
    evaluated_foreign_price = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        read_only=True,
        source="evaluation.evaluated_foreign_price",
        help_text="E = lowest foreign offer × (1 + f), rounded to the cent",
    )
    domestic_is_reasonable = serializers.BooleanField(
        read_only=True,
        source="evaluation.domestic_is_reasonable",
        help_text="True when the lowest domestic offer is at most E (FAR 25.106)",
    )
    result = serializers.SerializerMethodField(
        help_text="reasonable (domestic offer ≤ E) or unreasonable (a ground for the waiver)"
    )

    class Meta:
        model = PricePreference
        fields = [
            "lowest_foreign_offer",
            "lowest_domestic_offer",
            "domestic_business_size",
            "is_dod",
            "factor",
            "evaluated_foreign_price",
            "domestic_is_reasonable",
            "result",
        ]

    def get_result(self, obj) -> str:
        return "reasonable" if obj.evaluation.domestic_is_reasonable else "unreasonable"


class JonesActSerializer(serializers.ModelSerializer):
    """A Jones Act (46 U.S.C. 501) request and its outcome."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: IsoDateTimeField,
    }
    total_days = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Length with the extension (at most 45 days)"
    )

    class Meta:
        model = JonesActDetail
        fields = [
            "authority",
            "requester",
            "received_at",
            "published_at",
            "vessel_name",
            "vessel_number",
            "vessel_flag",
            "vessel_owner",
            "vessel_operator",
            "laden_at_request",
            "cargo_type",
            "cargo_quantity",
            "load_port",
            "discharge_port",
            "window_start",
            "window_end",
            "marad_determination_date",
            "marad_finding",
            "marad_actions",
            "decision",
            "decided_at",
            "terms",
            "valid_days",
            "extension_days",
            "total_days",
            "denial_reasons",
            "voyage_report_received_at",
            "voyage_report_published_at",
        ]


class UrgentReportSerializer(serializers.ModelSerializer):
    """The post-award report of a waiver used before review."""

    class Meta:
        model = UrgentReport
        fields = [
            "contract_number",
            "contract_signed_date",
            "urgency_contributed",
            "urgency_explanation",
            "mission_impact",
        ]


class HistoryEntrySerializer(serializers.Serializer):
    """One public status change. Who made it and staff notes are never shown.
    (The schema of an entry: WaiverDetailSerializer writes its entries itself.)"""

    from_status = serializers.CharField(
        help_text="Status before the change; empty for the first posting"
    )
    to_status = serializers.ChoiceField(choices=PUBLIC_STATUSES, help_text="Status after")
    at = IsoDateTimeField(help_text="When the status changed")


class WaiverDetailSerializer(WaiverSerializer):
    """The full public record of one waiver."""

    price_preference = PricePreferenceSerializer(
        allow_null=True, help_text="Unreasonable-cost waivers: the price evaluation"
    )
    jones_act = JonesActSerializer(allow_null=True, help_text="Jones Act waivers: the request")
    urgent_report = UrgentReportSerializer(
        allow_null=True, help_text="Urgent requirements reports: the report"
    )
    history = HistoryEntrySerializer(many=True, help_text="Public status history, oldest first")

    def to_representation(self, waiver: PublishedWaiver) -> dict:
        row = self._build_row(waiver.values)
        data = {}
        for name in self.selected_fields:
            if name in DETAIL_SERIALIZERS:
                detail = waiver.details(name)
                data[name] = DETAIL_SERIALIZERS[name](detail).data if detail is not None else None
            elif name == "history":
                # HistoryEntrySerializer's fields, written out: instantiating it
                # (its fields deep-copied) took 7 % of an API detail (issue 19).
                data[name] = [
                    {
                        "from_status": entry["from_status"],
                        "to_status": entry["to_status"],
                        "at": entry["at"].isoformat(),
                    }
                    for entry in waiver.history()
                ]
            else:
                data[name] = row[name]
        return data

    @cached_property
    def _build_row(self):
        return DETAIL_READER.row_builder(self._absolute_url)


DETAIL_SERIALIZERS = {
    "price_preference": PricePreferenceSerializer,
    "jones_act": JonesActSerializer,
    "urgent_report": UrgentReportSerializer,
}


class AgencySerializer(FieldSelectionMixin, serializers.ModelSerializer):
    """A department (CGAC code) or sub-tier agency (FPDS code)."""

    department_code = serializers.CharField(
        source="parent.code",
        allow_null=True,
        default=None,
        help_text="The department of a sub-tier agency (null for a department)",
    )
    department_name = serializers.CharField(
        source="parent.name", allow_null=True, default=None, help_text="Department name"
    )
    waiver_count = serializers.SerializerMethodField(
        help_text="Public waivers contracted by the agency (a department: with its sub-tiers)"
    )
    url = serializers.SerializerMethodField(help_text="The agency's page on the site")
    api_url = serializers.SerializerMethodField(help_text="This agency in the API")
    waivers_api_url = serializers.SerializerMethodField(
        help_text="The agency's waivers in the API (the `agency` filter)"
    )

    class Meta:
        model = Agency
        fields = [
            "code",
            "kind",
            "name",
            "abbreviation",
            "slug",
            "department_code",
            "department_name",
            "waiver_count",
            "url",
            "api_url",
            "waivers_api_url",
        ]

    def get_waiver_count(self, agency) -> int:
        return self.context["waiver_counts"].get(agency.pk, 0)

    def get_url(self, agency) -> str:
        return self.context["request"].build_absolute_uri(agency.get_absolute_url())

    def get_api_url(self, agency) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:agency-detail", kwargs={"code": agency.code})
        )

    def get_waivers_api_url(self, agency) -> str:
        url = reverse("api:waiver-list") + f"?agency={agency.code}"
        return self.context["request"].build_absolute_uri(url)

    def to_representation(self, agency):
        data = super().to_representation(agency)
        return {name: data[name] for name in self.selected_fields}


class CountSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class SubtierSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    waiver_count = serializers.IntegerField()


class AgencyDetailSerializer(AgencySerializer):
    """An agency with its waiver counts by status and type (and, for a
    department, its sub-tier agencies)."""

    by_status = CountSerializer(many=True, help_text="Public waivers by status")
    by_type = CountSerializer(many=True, help_text="Public waivers by type")
    subtiers = SubtierSerializer(
        many=True, help_text="A department's sub-tier agencies (empty for a sub-tier)"
    )
    sao_name = serializers.CharField(
        help_text="Senior Accountable Official for domestic sourcing (empty when not recorded)"
    )
    sao_title = serializers.CharField(help_text="The SAO's job title")

    class Meta(AgencySerializer.Meta):
        fields = [
            *AgencySerializer.Meta.fields,
            "by_status",
            "by_type",
            "subtiers",
            "sao_name",
            "sao_title",
        ]

    def to_representation(self, agency):
        chosen = set(self.selected_fields)
        base_fields = [name for name in AgencySerializer.Meta.fields if name in chosen]
        data = {}
        if base_fields:
            base = AgencySerializer(agency, context={**self.context, "fields": base_fields})
            data.update(base.data)
        queryset = agency_waivers(agency)
        if "by_status" in chosen:
            data["by_status"] = counts_by(queryset, "status", PUBLIC_STATUSES)
        if "by_type" in chosen:
            data["by_type"] = counts_by(queryset, "waiver_type", Waiver.Type.choices)
        if "subtiers" in chosen:
            counts = self.context["waiver_counts"]
            data["subtiers"] = [
                {"code": sub.code, "name": sub.name, "waiver_count": counts.get(sub.pk, 0)}
                for sub in agency.subtiers.order_by("name", "code")
            ]
        data["sao_name"], data["sao_title"] = agency.sao_name, agency.sao_title
        return {name: data[name] for name in self.selected_fields}


class NaicsSerializer(FieldSelectionMixin, serializers.ModelSerializer):
    """A NAICS industry code."""

    class Meta:
        model = NaicsCode
        fields = ["code", "title", "in_reference"]

    def to_representation(self, obj):
        data = super().to_representation(obj)
        return {name: data[name] for name in self.selected_fields}


class PscSerializer(FieldSelectionMixin, serializers.ModelSerializer):
    """A Product and Service Code; `end_date` is set when it was retired."""

    is_retired = serializers.BooleanField(read_only=True, help_text="True when end_date is set")

    class Meta:
        model = PscCode
        fields = [
            "code",
            "name",
            "full_name",
            "start_date",
            "end_date",
            "is_retired",
            "in_reference",
        ]

    def to_representation(self, obj):
        data = super().to_representation(obj)
        return {name: data[name] for name in self.selected_fields}


class _ChoiceCount(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class _TypeChoice(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class _Month(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (site time zone)")
    label = serializers.CharField()
    total = serializers.IntegerField()
    by_type = serializers.DictField(child=serializers.IntegerField(), help_text="type → count")


class _TopAgency(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField()


class _TopPsc(serializers.Serializer):
    prefix = serializers.CharField(help_text="First two characters of the PSC code")
    name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class _Bucket(serializers.Serializer):
    label = serializers.CharField()
    min_days = serializers.IntegerField()
    max_days = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()


class _ReviewTime(serializers.Serializer):
    count = serializers.IntegerField(help_text="Waivers with a determination")
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True)
    max_days = serializers.FloatField(allow_null=True)
    buckets = _Bucket(many=True)


class _SupplierResponses(serializers.Serializer):
    total = serializers.IntegerField(help_text="Confirmed supplier responses")
    waivers = serializers.IntegerField(help_text="Waivers that drew at least one")
    granted_despite_response = serializers.IntegerField(
        help_text="Waivers granted although a U.S. manufacturer had said, before the decision "
        "was recorded, that it could supply the item"
    )
    by_agency = _TopAgency(many=True, help_text="Ten contracting agencies with most responses")
    by_psc_category = _TopPsc(many=True, help_text="Ten PSC categories with most responses")


class StatsSerializer(serializers.Serializer):
    """The aggregates behind the site's /stats/ page (waivers.selectors.stats)."""

    total = serializers.IntegerField(help_text="Waivers matching the filters")
    types = _TypeChoice(many=True, help_text="Every waiver type, in display order")
    per_month = _Month(many=True, help_text="By month of submission, empty months included")
    determinations = _ChoiceCount(many=True, help_text="MIAO's review outcome")
    decisions = _ChoiceCount(many=True, help_text="The agency's final decision")
    top_agencies = _TopAgency(many=True, help_text="Ten contracting agencies with most waivers")
    top_psc_categories = _TopPsc(many=True, help_text="Ten PSC categories with most waivers")
    review_time = _ReviewTime(help_text="Calendar days from submission to determination")
    supplier_responses = _SupplierResponses(
        help_text="U.S. manufacturers who said they can supply the item (confirmed responses)"
    )
    estimated = serializers.BooleanField(
        help_text="True when the figures were computed over a random sample of the waivers "
        "(counting them all exactly would take too long): counts are then estimates rounded "
        "to two significant figures and review_time.max_days is null"
    )
    sample_percent = serializers.FloatField(
        allow_null=True, help_text="The sample's share of the waivers, in percent; null when exact"
    )
