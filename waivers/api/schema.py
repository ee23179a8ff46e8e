"""OpenAPI description of the API (drf-spectacular): the parameters the
FilterSets do not declare (pagination, fields, format), every error response,
the optional key and the caching headers."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers

from waivers.api.filters import CURSOR_ORDERINGS
from waivers.filters import ENDING_WITHIN_MAX_DAYS
from waivers.search import MAX_QUERY_LENGTH


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in one sentence")


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Always: Invalid request parameters.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad parameter with its messages",
    )


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "waivers.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": "Optional. Raises the rate limit; keys are issued on request.",
        }


def _fields_param(serializer_class):
    names = list(serializer_class().fields)
    one = "(" + "|".join(names) + ")"
    return OpenApiParameter(
        "fields",
        {"type": "string", "pattern": f"^{one}(,{one})*$"},
        description=f"Comma-separated fields to return, in order. Any of: {', '.join(names)}. "
        "An unknown field is a 400.",
    )


FORMAT_PARAM = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description="json (default) or csv. CSV streams every matching row, unless `page` or "
    "`cursor` asks for one page. Accept: text/csv does the same.",
)
PAGE_PARAM = OpenApiParameter(
    "page", {"type": "integer", "minimum": 1}, description="Page number (page-number mode)."
)


def page_size_param():
    return OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
        description=f"Rows per page (default {settings.API_PAGE_SIZE}, "
        f"at most {settings.API_MAX_PAGE_SIZE}).",
    )


# Shapes the shared FilterSet enforces, stated in the schema (it cannot infer them).
WAIVER_FILTER_PARAMS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
        description='Keywords: words, "quoted phrases", -excluded words, or. PIIDs, '
        "solicitation IDs and codes match exactly. Sorts by relevance unless `ordering` is given.",
    ),
    OpenApiParameter(
        "agency",
        {"type": "array", "items": {"type": "string", "pattern": "^[0-9A-Z]{3,4}$"}},
        explode=True,
        description="Contracting agency: a sub-tier (FPDS, e.g. 97AS) or a department (CGAC, "
        "e.g. 097, which includes its sub-tiers) code; repeat for several. An unknown code is "
        "a 400.",
    ),
    OpenApiParameter(
        "naics",
        {"type": "string", "pattern": r"^\d{2,6}$"},
        description="NAICS code or its first 2–6 digits (33 = all manufacturing codes 33…).",
    ),
    OpenApiParameter(
        "psc",
        {"type": "string", "pattern": "^[A-Za-z0-9]{1,4}$"},
        description="PSC code or category prefix (66 = all codes 66…).",
    ),
    OpenApiParameter(
        "open",
        bool,
        description="true: only waivers whose MIAO review is "
        "still open (submitted or in review; urgent reports never are).",
    ),
    OpenApiParameter(
        "has_responses",
        bool,
        description="true: only waivers a U.S. manufacturer said it can supply (at least one "
        "confirmed supplier response); false: only waivers with none.",
    ),
    OpenApiParameter(
        "submitted_after",
        OpenApiTypes.DATE,
        description="Submitted on or after this day (YYYY-MM-DD, site time zone).",
    ),
    OpenApiParameter(
        "submitted_before",
        OpenApiTypes.DATE,
        description="Submitted on or before this day (YYYY-MM-DD).",
    ),
    OpenApiParameter(
        "ending_within",
        {"type": "integer", "minimum": 1, "maximum": ENDING_WITHIN_MAX_DAYS},
        description="Waivers, not withdrawn, whose end date (published or estimated) falls "
        "between today and this many days from today.",
    ),
]

CURSOR_PARAM = OpenApiParameter(
    "cursor",
    str,
    description="Keyset mode for bulk pulls: `*` for the first page, then the `next_cursor` "
    f"of the previous response. Ordering must be one of {', '.join(CURSOR_ORDERINGS)} "
    "(newest by default). Not combined with `page`.",
)

ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="A parameter is invalid."),
    401: OpenApiResponse(ErrorSerializer, description="X-Api-Key is unknown or revoked."),
    406: OpenApiResponse(
        ErrorSerializer, description="The Accept header asks for no format this endpoint offers."
    ),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit reached; see Retry-After."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record.")}
PAGE_NOT_FOUND = {
    404: OpenApiResponse(ErrorSerializer, description="The page is past the last page.")
}
NOT_MODIFIED = {
    304: OpenApiResponse(
        description="Your copy (If-None-Match / If-Modified-Since) is still current."
    )
}


def _list_and_detail(
    *,
    tag,
    list_serializer,
    detail_serializer,
    list_params,
    summary_list,
    summary_detail,
    lookup,
    detail_param_description,
):
    return extend_schema_view(
        list=extend_schema(
            tags=[tag],
            summary=summary_list,
            parameters=[*list_params, _fields_param(list_serializer), FORMAT_PARAM],
            responses={200: list_serializer(many=True), **NOT_MODIFIED, **ERRORS, **PAGE_NOT_FOUND},
        ),
        retrieve=extend_schema(
            tags=[tag],
            summary=summary_detail,
            parameters=[
                OpenApiParameter(
                    lookup, str, OpenApiParameter.PATH, description=detail_param_description
                ),
                _fields_param(detail_serializer),
            ],
            responses={200: detail_serializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        ),
    )


def _lazy(decorator_factory):
    """Build the decorator when applied (serializers import this module)."""

    def apply(cls):
        return decorator_factory()(cls)

    return apply


@_lazy
def waiver_viewset():
    from waivers.api.serializers import WaiverDetailSerializer, WaiverSerializer

    return _list_and_detail(
        tag="waivers",
        list_serializer=WaiverSerializer,
        detail_serializer=WaiverDetailSerializer,
        list_params=[*WAIVER_FILTER_PARAMS, PAGE_PARAM, page_size_param(), CURSOR_PARAM],
        summary_list="Search waivers (the website's filters)",
        summary_detail="One waiver: the full public record",
        lookup="public_id",
        detail_param_description="Public identifier, e.g. MIA-7KQ3M9XD",
    )


@_lazy
def agency_viewset():
    from waivers.api.serializers import AgencyDetailSerializer, AgencySerializer

    return _list_and_detail(
        tag="agencies",
        list_serializer=AgencySerializer,
        detail_serializer=AgencyDetailSerializer,
        list_params=[PAGE_PARAM, page_size_param()],
        summary_list="Agencies with waiver counts",
        summary_detail="One agency by code (CGAC department or FPDS sub-tier)",
        lookup="code",
        detail_param_description="Agency code",
    )


@_lazy
def naics_viewset():
    from waivers.api.serializers import NaicsSerializer

    return _list_and_detail(
        tag="codes",
        list_serializer=NaicsSerializer,
        detail_serializer=NaicsSerializer,
        list_params=[PAGE_PARAM, page_size_param()],
        summary_list="NAICS codes: search by code prefix or title words",
        summary_detail="One NAICS code",
        lookup="code",
        detail_param_description="Six-digit NAICS code",
    )


@_lazy
def psc_viewset():
    from waivers.api.serializers import PscSerializer

    return _list_and_detail(
        tag="codes",
        list_serializer=PscSerializer,
        detail_serializer=PscSerializer,
        list_params=[PAGE_PARAM, page_size_param()],
        summary_list="Product and Service Codes: search by code prefix or name words",
        summary_detail="One PSC code",
        lookup="code",
        detail_param_description="PSC code",
    )


@_lazy
def stats_view():
    from waivers.api.serializers import StatsSerializer

    return extend_schema_view(
        get=extend_schema(
            tags=["stats"],
            summary="Aggregates of the waivers matching the filters",
            filters=True,
            parameters=WAIVER_FILTER_PARAMS,
            responses={200: StatsSerializer, **NOT_MODIFIED, **ERRORS},
        )
    )


CACHING_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "Tag for If-None-Match"},
    "Last-Modified": {
        "schema": {"type": "string"},
        "description": "Latest change to the data; for If-Modified-Since",
    },
    "Cache-Control": {"schema": {"type": "string"}},
}


def _link(operation: str, description: str, **parameters: str) -> dict:
    return {"operationId": operation, "parameters": parameters, "description": description}


# OpenAPI links: how a response leads to related requests (for clients and
# for schemathesis's stateful run). The values are runtime expressions over
# the 200 response's JSON body.
LINKS = {
    "v1_waivers_list": {
        "FirstWaiver": _link(
            "v1_waivers_retrieve",
            "The first waiver of the page.",
            public_id="$response.body#/results/0/public_id",
        ),
    },
    "v1_waivers_retrieve": {
        "ContractingAgency": _link(
            "v1_agencies_retrieve",
            "The agency that proposed the waiver.",
            code="$response.body#/contracting_agency_code",
        ),
        "Naics": _link(
            "v1_naics_retrieve", "The waiver's NAICS code.", code="$response.body#/naics_code"
        ),
        "Psc": _link("v1_psc_retrieve", "The waiver's PSC code.", code="$response.body#/psc_code"),
    },
    "v1_agencies_list": {
        "FirstAgency": _link(
            "v1_agencies_retrieve",
            "The first agency of the page.",
            code="$response.body#/results/0/code",
        ),
    },
    "v1_agencies_retrieve": {
        "Waivers": _link("v1_waivers_list", "The agency's waivers.", agency="$response.body#/code"),
        "Stats": _link("v1_stats_retrieve", "The agency's figures.", agency="$response.body#/code"),
    },
    "v1_naics_list": {
        "FirstCode": _link(
            "v1_naics_retrieve",
            "The first code of the page.",
            code="$response.body#/results/0/code",
        ),
    },
    "v1_naics_retrieve": {
        "Waivers": _link(
            "v1_waivers_list", "Waivers with this code.", naics="$response.body#/code"
        ),
    },
    "v1_psc_list": {
        "FirstCode": _link(
            "v1_psc_retrieve", "The first code of the page.", code="$response.body#/results/0/code"
        ),
    },
    "v1_psc_retrieve": {
        "Waivers": _link("v1_waivers_list", "Waivers with this code.", psc="$response.body#/code"),
    },
}


# Objects whose fields a request may narrow with `fields`: none is required.
SELECTABLE = ("Waiver", "WaiverDetail", "Agency", "AgencyDetail", "Naics", "Psc")


def postprocess(result, generator, request, public):
    """Headers on responses, links between them, CSV as text, 304 without a
    body, and empty query values allowed (an empty value means the parameter
    was left out)."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                scalar = parameter.get("schema", {}).get("type") != "array"
                if parameter["in"] == "query" and not parameter.get("required") and scalar:
                    parameter["allowEmptyValue"] = True
            responses = operation.get("responses", {})
            for status, response in responses.items():
                if status == "200":
                    response.setdefault("headers", {}).update(CACHING_HEADERS)
                    if operation.get("operationId") in LINKS:
                        response["links"] = LINKS[operation["operationId"]]
                    content = response.get("content", {})
                    if "text/csv" in content:
                        content["text/csv"] = {"schema": {"type": "string"}}
                if status == "429":
                    response.setdefault("headers", {})["Retry-After"] = {
                        "schema": {"type": "integer"},
                        "required": True,
                        "description": "Seconds to wait before the next request",
                    }
                if status == "304":
                    response.pop("content", None)
    for name in SELECTABLE:
        component = result.get("components", {}).get("schemas", {}).get(name)
        if component is not None:
            component.pop("required", None)
            component["description"] = (
                component.get("description", "")
                + "\n\nEvery field is present unless `fields` chose some."
            ).strip()
    return result
