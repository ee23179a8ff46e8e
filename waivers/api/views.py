"""Read-only API views. Thin: queryset -> shared FilterSet -> pagination ->
serializer. Everything public starts from Waiver.objects.public()."""

import re
from functools import cached_property

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agencies.models import Agency
from waivers import caching
from waivers.api import categories as category_api
from waivers.api import reference, schema
from waivers.api.authentication import ApiKeyAuthentication
from waivers.api.conditional import apply_caching
from waivers.api.exceptions import api_exception_handler
from waivers.api.filters import AgencyFilterSet, ApiWaiverFilterSet, NaicsFilterSet, PscFilterSet
from waivers.api.pagination import (
    PagePagination,
    WaiverPagination,
    check_cursor,
    clean_page_params,
)
from waivers.api.renderers import CHUNK_SIZE, CSVRenderer, StrictContentNegotiation, csv_lines
from waivers.api.selectors import published_waiver
from waivers.api.serializers import (
    API_READER,
    AgencyDetailSerializer,
    AgencySerializer,
    NaicsSerializer,
    PscSerializer,
    StatsSerializer,
    WaiverDetailSerializer,
    WaiverSerializer,
)
from waivers.api.throttling import ApiRateThrottle
from waivers.exports import copy_csv, export_queryset
from waivers.models import NaicsCode, PscCode, Waiver
from waivers.selectors.agencies import public_counts_by_agency
from waivers.selectors.stats import waiver_stats

# Identifiers in URLs: anything else cannot exist, so it is a 404 without a query.
_ID_SHAPE = re.compile(r"^[A-Za-z0-9-]{1,20}$")


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that keeps the bound FilterSet on the view, so the
    paginator can follow its sort (the cursor needs to know the ordering)."""

    def get_filterset(self, request, queryset, view):
        filterset = getattr(view, "filterset", None)
        if filterset is None or filterset.queryset.model is not queryset.model:
            filterset = super().get_filterset(request, queryset, view)
            view.filterset = filterset
        else:
            filterset.queryset = queryset
        return filterset


class ApiView:
    """Common behaviour of every API view: anonymous or X-Api-Key, rate
    limited, JSON errors, caching headers and conditional GET."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ApiRateThrottle]
    content_negotiation_class = StrictContentNegotiation
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return api_exception_handler

    def perform_authentication(self, request):
        """A refused key is counted against the client's address like an
        anonymous request (DRF checks the limits only after authentication
        succeeds), so keys cannot be guessed faster than the limit."""
        try:
            super().perform_authentication(request)
        except AuthenticationFailed:
            self.check_throttles(request)  # 429 once the address is over its limit
            raise

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Read before the body is built: a change made meanwhile can only make
        # the validators older than the body (the client fetches again).
        if not self.reads_version_with_body():
            self.data_version = caching.data_version()

    def reads_version_with_body(self) -> bool:
        """True where the view reads the data version in the same statement
        as the body (the same snapshot) and sets self.data_version itself."""
        return False

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(response, Response):
            # Errors are JSON whatever format was asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and hasattr(self, "data_version"):
            if isinstance(response, Response):
                response.render()
            response = apply_caching(request, response, self.data_version)
        limit = getattr(request, "rate_limit", None)
        if limit is not None:
            response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"] = map(str, limit)
        return response


class FieldsMixin:
    """`fields`: a comma-separated choice of the serializer's fields, in order."""

    @cached_property
    def chosen_fields(self) -> list[str] | None:
        """Checked once a request (the parameter check and the serializer
        both ask)."""
        raw = self.request.query_params.get("fields")
        if not raw:
            return None  # absent or empty: every field
        available = list(self.get_serializer_class()().fields)
        chosen = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in available]
        if unknown or not chosen:
            raise ValidationError(
                {
                    "fields": [
                        f"Unknown field(s): {', '.join(unknown) or repr(raw)}. "
                        f"Choose from: {', '.join(available)}."
                    ]
                }
            )
        return list(dict.fromkeys(chosen))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["fields"] = self.chosen_fields
        return context


class CsvListMixin:
    """List endpoints also answer in CSV (?format=csv or Accept: text/csv):
    every matching row, streamed; or, when `page` or `cursor` is given, the
    rows of that page (the paging links are then left to the JSON form)."""

    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_filename = "export.csv"

    def get_renderers(self):
        if self.action == "retrieve":
            return [JSONRenderer()]
        return super().get_renderers()

    def list(self, request, *args, **kwargs):
        self.check_parameters()
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer()
        columns = serializer.selected_fields
        if request.query_params.get("page") or "cursor" in request.query_params:
            page = self.paginate_queryset(queryset)
            lines = csv_lines(columns, (serializer.to_representation(obj) for obj in page))
        elif hasattr(serializer, "sql_cells"):
            # Every matching waiver: the database writes the CSV (as the site's export).
            lines = copy_csv(queryset, serializer.sql_cells())
        else:
            rows = (serializer.to_representation(obj) for obj in queryset.iterator(CHUNK_SIZE))
            lines = csv_lines(columns, rows)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}"'
        return response

    def check_parameters(self):
        """Validate filters, paging and `fields` together, so one 400 names
        every bad parameter."""
        errors = {}
        filterset = FilterBackend().get_filterset(self.request, self.get_queryset(), self)
        if filterset is not None and not filterset.is_valid():
            errors.update({name: list(messages) for name, messages in filterset.errors.items()})
        for check in (
            lambda: clean_page_params(self.request),
            lambda: check_cursor(self.request),
            lambda: self.chosen_fields,
        ):
            try:
                check()
            except ValidationError as error:
                errors.update(error.detail)
        if errors:
            raise ValidationError(errors)


class LookupMixin:
    """Detail lookups: malformed identifiers are a 404 without a query."""

    not_found_message = "Not found."

    def get_object(self):
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if not _ID_SHAPE.match(value):
            raise NotFound(self.not_found_message)
        try:
            return self.filter_queryset_for_detail(self.get_queryset()).get(
                **{self.lookup_field: value}
            )
        except self.get_queryset().model.DoesNotExist:
            raise NotFound(self.not_found_message) from None

    def filter_queryset_for_detail(self, queryset):
        return queryset


@schema.waiver_viewset
class WaiverViewSet(CsvListMixin, FieldsMixin, LookupMixin, ApiView, viewsets.ReadOnlyModelViewSet):
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"
    filter_backends = [FilterBackend]
    filterset_class = ApiWaiverFilterSet
    pagination_class = WaiverPagination
    csv_filename = "waivers.csv"
    not_found_message = "No public waiver has this identifier."

    def get_queryset(self):
        return export_queryset(Waiver.objects.public())

    def paginate_queryset(self, queryset):
        # A page of the list reads plain values, not model instances
        # (WaiverSerializer.to_representation). The total counts, a small
        # result sorts and a cursor finds its page among the filtered rows
        # alone, without the joins of the published columns; a cursor page
        # then reads its rows by id (rows_by_id), so it needs no values
        # query (building one cost a third of its time, issue 19).
        self.counted_rows = queryset
        if not WaiverPagination.cursor_mode(self.request):
            queryset = API_READER.values(queryset)
        return super().paginate_queryset(queryset)

    def rows_by_id(self, ids: list[int]) -> list:
        """The values rows of a cursor page, in the order of `ids`."""
        return API_READER.by_ids(self.counted_rows.db, ids)

    def get_serializer_class(self):
        return WaiverDetailSerializer if self.action == "retrieve" else WaiverSerializer

    def reads_version_with_body(self) -> bool:
        return self.action == "retrieve"

    def retrieve(self, request, *args, **kwargs):
        # One statement compiled once a process reads the published row by the
        # identifier, its history and the data version (issue 19: the ORM
        # built and compiled the lookup and the row in 3 ms of 5, and the
        # history and the version were a round trip each); a type's details
        # follow.
        public_id = kwargs[self.lookup_field]
        waiver = _ID_SHAPE.match(public_id) and published_waiver(Waiver.objects.db, public_id)
        if not waiver:
            raise NotFound(self.not_found_message)
        caching.remember_version(waiver.data_version)
        self.data_version = caching.data_version()
        return Response(self.get_serializer(waiver).data)

    @property
    def sort_key(self) -> str:
        return self.filterset.sort_key


@schema.agency_viewset
class AgencyViewSet(CsvListMixin, FieldsMixin, LookupMixin, ApiView, viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filter_backends = [FilterBackend]
    filterset_class = AgencyFilterSet
    pagination_class = PagePagination
    csv_filename = "agencies.csv"
    not_found_message = "No agency has this code."

    def get_queryset(self):
        return Agency.objects.select_related("parent").order_by("name", "code")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "waiver_counts": public_counts_by_agency()}

    def get_serializer_class(self):
        return AgencyDetailSerializer if self.action == "retrieve" else AgencySerializer

    def retrieve(self, request, *args, **kwargs):
        agency = self.get_object()
        return Response(self.get_serializer(agency).data)


@category_api.SCORECARD_SCHEMA
class AgencyScorecardView(ApiView, GenericAPIView):
    """/api/v1/agencies/scorecard/: the site's /agencies/ table (largest first)."""

    serializer_class = category_api.ScorecardSerializer

    def get(self, request):
        return Response(category_api.ScorecardSerializer(category_api.scorecard_body()).data)


@category_api.ranking_schema("psc")
class PscCategoryView(ApiView, category_api.CategoryRankingView):
    scheme = "psc"


@category_api.ranking_schema("naics")
class NaicsCategoryView(ApiView, category_api.CategoryRankingView):
    scheme = "naics"


@schema.naics_viewset
class NaicsViewSet(CsvListMixin, FieldsMixin, LookupMixin, ApiView, viewsets.ReadOnlyModelViewSet):
    queryset = NaicsCode.objects.order_by("code")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = NaicsSerializer
    filter_backends = [FilterBackend]
    filterset_class = NaicsFilterSet
    pagination_class = PagePagination
    csv_filename = "naics.csv"
    not_found_message = "No NAICS code like this."


@schema.psc_viewset
class PscViewSet(CsvListMixin, FieldsMixin, LookupMixin, ApiView, viewsets.ReadOnlyModelViewSet):
    queryset = PscCode.objects.order_by("code")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = PscSerializer
    filter_backends = [FilterBackend]
    filterset_class = PscFilterSet
    pagination_class = PagePagination
    csv_filename = "psc.csv"
    not_found_message = "No PSC code like this."

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()


@schema.stats_view
class StatsView(ApiView, GenericAPIView):
    """Aggregates of the waivers matching the same filters as the list."""

    filter_backends = [FilterBackend]
    filterset_class = ApiWaiverFilterSet
    serializer_class = StatsSerializer

    def get_queryset(self):
        return Waiver.objects.public()

    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return Response(StatsSerializer(waiver_stats(queryset)).data)


@require_safe
def reference_page(request):
    """/api/docs/: the API reference, server-rendered from the OpenAPI
    document (waivers.api.reference; it replaced Swagger UI, decision 0019)."""
    return render(request, "api/reference.html", {"ref": reference.reference(request)})


def guide(request):
    """The human guide to the API, with curl examples."""
    today = timezone.localdate()
    return render(
        request,
        "api/guide.html",
        {
            "base_url": request.build_absolute_uri(reverse("api:schema")).removesuffix("/schema/"),
            "year_start": today.replace(month=1, day=1).isoformat(),
            "rate_anon": settings.API_RATE_ANON.replace("/", " a "),
            "rate_key": settings.API_RATE_KEY.replace("/", " a "),
            "max_page_size": settings.API_MAX_PAGE_SIZE,
        },
    )


def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "No such API endpoint. See /api/ for the list."}, status=404)


def ending_soon(request):
    """/api/v1/waivers/ending-soon/: the waiver list filtered to those ending
    in the next 90 days, soonest first (a redirect to the list, so it pages,
    formats and caches as the list does; `format` is kept)."""
    from django.http import HttpResponseRedirect

    from waivers.views.browse import ending_soon_url

    extra = {"format": request.GET["format"]} if request.GET.get("format") else {}
    return HttpResponseRedirect(ending_soon_url("api:waiver-list", **extra))
