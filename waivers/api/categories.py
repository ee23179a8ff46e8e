"""/api/v1/categories/psc/, /api/v1/categories/naics/ (rankings) and
/api/v1/agencies/scorecard/ (the scorecard): the figures of the site's
/categories/ and /agencies/ pages, from the same selectors."""

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from waivers import categories as cat
from waivers.api.schema import ERRORS, NOT_MODIFIED
from waivers.selectors import categories as category_selectors
from waivers.selectors import scorecard


class _Period(serializers.Serializer):
    key = serializers.CharField(help_text='"all" or a year')
    label = serializers.CharField(help_text="The period in words")
    start = serializers.DateField(allow_null=True, help_text="First day (submission date)")
    end = serializers.DateField(allow_null=True, help_text="Day after the last")


class _Category(serializers.Serializer):
    rank = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField(help_text="From the PSC list / the 2022 NAICS hierarchy")
    count = serializers.IntegerField(help_text="Public waivers submitted in the period")
    previous_count = serializers.IntegerField(
        allow_null=True, help_text="In the previous period (null for every year)"
    )
    change = serializers.IntegerField(allow_null=True)
    change_percent = serializers.IntegerField(
        allow_null=True, help_text="Whole percent; null when the previous count is 0"
    )


class CategoryRankingSerializer(serializers.Serializer):
    scheme = serializers.CharField()
    level = serializers.IntegerField(help_text="Leading characters of the code")
    level_name = serializers.CharField()
    type = serializers.CharField(help_text="Waiver type counted; empty for every type")
    period = _Period()
    previous_period = _Period(allow_null=True)
    total = serializers.IntegerField()
    rows = _Category(many=True)


def _period(period):
    if period is None:
        return None
    return {"key": period.key, "label": period.label, "start": period.start, "end": period.end}


def _ranking_params(scheme: str) -> list[OpenApiParameter]:
    levels = list(cat.LEVELS[scheme])
    return [
        OpenApiParameter(
            "level",
            int,
            enum=levels,
            description="Leading characters of the code: "
            + ", ".join(f"{n} {name.lower()}" for n, name in cat.LEVELS[scheme].items())
            + f". Default {cat.DEFAULT_LEVEL[scheme]}.",
        ),
        OpenApiParameter(
            "period",
            # The years as of when the schema is built (each deploy): a year that
            # has begun since is accepted but not yet listed.
            str,
            enum=["all", *(str(y) for y in range(cat.FIRST_YEAR, timezone.localdate().year + 1))],
            description="A year from 2021 to this year (this year runs to today, compared with "
            'the same days a year earlier), or "all". Default: last year.',
        ),
        OpenApiParameter(
            "type",
            str,
            enum=[value for value, _ in cat.RankingForm.base_fields["type"].choices if value],
            description="Count only this waiver type.",
        ),
    ]


class CategoryRankingView(GenericAPIView):
    scheme = cat.PSC
    serializer_class = CategoryRankingSerializer

    def get(self, request):
        data = QueryDict(mutable=True)
        for name in ("level", "period", "type"):
            if name in request.query_params:
                data[name] = request.query_params[name]
        data["scheme"] = self.scheme
        form = cat.RankingForm(data)
        if not form.is_valid():
            raise ValidationError(form.errors)
        choice = form.choice()
        ranking = category_selectors.ranking(
            self.scheme, level=choice["level"], period=choice["period"], waiver_type=choice["type"]
        )
        body = {
            **ranking,
            "period": _period(choice["period"]),
            "previous_period": _period(choice["period"].previous),
        }
        return Response(CategoryRankingSerializer(body).data)


class _YearCount(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()


class _TopCategory(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()


class ScorecardRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    department = serializers.CharField(help_text="A sub-tier's department; empty for one")
    total = serializers.IntegerField(
        help_text="Public waivers (a department counts its sub-tiers')"
    )
    determined = serializers.IntegerField(help_text="Waivers with an OMB determination")
    consistent = serializers.FloatField(allow_null=True, help_text="% of determined")
    conditional = serializers.FloatField(allow_null=True, help_text="% of determined")
    inconsistent = serializers.FloatField(allow_null=True, help_text="% of determined")
    timed = serializers.IntegerField(help_text="Waivers with submission and determination dates")
    median_days = serializers.FloatField(allow_null=True, help_text="Calendar days, median")
    p90_days = serializers.FloatField(allow_null=True, help_text="Calendar days, 90th percentile")
    within_15 = serializers.FloatField(
        allow_null=True, help_text="% of timed determined within 15 business days"
    )
    decided = serializers.FloatField(allow_null=True, help_text="% with a final decision")
    withdrawn = serializers.FloatField(allow_null=True, help_text="% withdrawn")
    per_year = _YearCount(many=True, help_text="Waivers by year of submission")
    top_categories = _TopCategory(many=True, help_text="Three PSC category groups with most")


class ScorecardSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text="null when the figures are current; else when they were computed (before the "
        "latest change to the record, or on an earlier day) while they are brought up to date",
    )
    years = serializers.ListField(child=serializers.IntegerField())
    departments = ScorecardRowSerializer(many=True)
    subtiers = ScorecardRowSerializer(many=True)


SCORECARD_SCHEMA = extend_schema(
    tags=["agencies"],
    summary="The agency scorecard: figures of every department and sub-tier with waivers",
    responses={200: ScorecardSerializer, **NOT_MODIFIED, **ERRORS},
)


def scorecard_body() -> dict:
    data = scorecard.scorecard()
    return {
        "as_of": data["as_of"],
        "years": data["years"],
        "departments": scorecard.sorted_rows(data["departments"], "-total"),
        "subtiers": scorecard.sorted_rows(data["subtiers"], "-total"),
    }


def ranking_schema(scheme: str):
    return extend_schema(
        tags=["categories"],
        summary=f"{cat.SCHEMES[scheme]} categories ranked by public waivers in a period",
        parameters=_ranking_params(scheme),
        responses={200: CategoryRankingSerializer, **NOT_MODIFIED, **ERRORS},
    )
