"""Two ways through a list.

- Page numbers (`page`, `page_size`) with the total `count`: for browsing.
  The count is exact when it is cheap, else estimated (`count_exact` false;
  waivers.counting). Pages reach the first counting.PAGING_LIMIT rows.
- A keyset `cursor` (waiver list only) for bulk pulls: `cursor=*` starts, each
  response's `next` continues. The cursor is the signed position
  (ordering, submitted_at, id) of the last row sent, so every page is one
  indexed range query at any depth, and rows added during a walk never shift
  it: each row present when the walk started comes back exactly once.

Bad values (page=abc, page_size above the maximum, a cursor that was
altered or belongs to another ordering) are 400 errors naming the
parameter; a page past the last one is a 404.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.core import signing
from django.db.models import DateTimeField, F, Func, Value
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from waivers import counting
from waivers.api.filters import CURSOR_ORDERINGS
from waivers.filters import page_rows

CURSOR_SALT = "waivers.api.cursor"
CURSOR_START = "*"


class PageParams(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, required=False)
    cursor = forms.CharField(required=False, strip=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The maximum is a setting, read per request.
        self.fields["page_size"] = forms.IntegerField(
            min_value=1, max_value=settings.API_MAX_PAGE_SIZE, required=False
        )


def clean_page_params(request) -> dict:
    form = PageParams(request.query_params)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    data = form.cleaned_data
    data["page_size"] = data["page_size"] or settings.API_PAGE_SIZE
    return data


class PagePagination(BasePagination):
    """page / page_size with the total count."""

    def paginate_queryset(self, queryset, request, view=None):
        params = clean_page_params(request)
        self.request = request
        self.page_size = params["page_size"]
        self.page = params["page"] or 1
        # Cached under the data version; a view may name cheaper rows to count
        # and sort (without the joins of what it shows).
        rows = getattr(view, "counted_rows", queryset)
        self.count = counting.result_count(rows)
        self.num_pages = max(1, -(-self.count.value // self.page_size))
        start = (self.page - 1) * self.page_size
        if self.page > self.num_pages:
            last = "last page" if self.count.exact else "estimated last page"
            raise NotFound(f"Page {self.page} is past the {last} ({self.num_pages}).")
        if start >= counting.PAGING_LIMIT:
            # Only a list longer than the limit (the waivers, which have the cursor).
            raise NotFound(
                f"Page numbers reach the first {counting.PAGING_LIMIT:,} rows "
                f"(page {-(-counting.PAGING_LIMIT // self.page_size)} at this page_size). "
                "Walk the whole list with cursor=* instead, or narrow it with filters."
            )
        page = page_rows(queryset, start, start + self.page_size, self.count.value, rows)
        if not page and self.page > 1:
            # The estimate was above the true number: this page is past the end.
            raise NotFound(f"Page {self.page} is past the last page.")
        # The last page is known once it is reached.
        self.has_next = (
            len(page) == self.page_size
            and self.page < self.num_pages
            and start + self.page_size < counting.PAGING_LIMIT
        )
        return page

    def _page_url(self, number):
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count.value,
                "count_exact": self.count.exact,
                "page": self.page,
                "page_size": self.page_size,
                "num_pages": self.num_pages,
                "next": self._page_url(self.page + 1) if self.has_next else None,
                "previous": self._page_url(self.page - 1) if self.page > 1 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": [
                *("count", "count_exact", "page", "page_size", "num_pages", "next", "previous"),
                "results",
            ],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Rows matching the query: exact, or an estimate when "
                    "`count_exact` is false",
                },
                "count_exact": {
                    "type": "boolean",
                    "description": "False when `count` (and so `num_pages`) was estimated from "
                    "a sample, because counting exactly would take too long",
                },
                "page": {"type": "integer", "minimum": 1},
                "page_size": {"type": "integer", "minimum": 1},
                "num_pages": {"type": "integer", "minimum": 1},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }


class _Row(Func):
    """A SQL row value, for keyset comparisons: (submitted_at, id) < (%s, %s)."""

    function = "ROW"
    output_field = DateTimeField()


def encode_cursor(sort_key: str, submitted_at: dt.datetime, pk: int) -> str:
    return signing.dumps([sort_key, submitted_at.isoformat(), pk], salt=CURSOR_SALT)


def _read_cursor(token: str) -> tuple[str, dt.datetime, int]:
    """The ordering and position a cursor holds, or a 400 naming `cursor`."""
    invalid = ValidationError(
        {
            "cursor": [
                "This cursor is not valid. Start a walk with cursor=* and follow each "
                "response's `next` link unchanged."
            ]
        }
    )
    try:
        key, when, pk = signing.loads(token, salt=CURSOR_SALT)
        position = dt.datetime.fromisoformat(when)
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    if not isinstance(pk, int) or position.tzinfo is None:
        raise invalid
    return key, position, pk


def check_cursor(request) -> None:
    """Validate a cursor up front, so a 400 names it beside other bad parameters."""
    token = request.query_params.get("cursor", "")
    if token not in ("", CURSOR_START):
        _read_cursor(token)


def decode_cursor(token: str, sort_key: str) -> tuple[dt.datetime, int]:
    """The position in a cursor, or a 400 naming `cursor`."""
    key, position, pk = _read_cursor(token)
    if key != sort_key:
        raise ValidationError(
            {
                "cursor": [
                    f"This cursor belongs to ordering={key}; "
                    "keep the same ordering for the whole walk."
                ]
            }
        )
    return position, pk


class KeysetPagination(BasePagination):
    """cursor / page_size over (submitted_at, id), newest or oldest first.

    A page is two reads: the positions of its rows, from the filtered
    waivers alone (the view's `counted_rows`, without the joins of the
    published columns), then their published rows by id (the view's
    `rows_by_id`, a statement prepared once a connection). Building,
    compiling and planning a single query that did both cost more than
    running it: at a million waivers, a third of a cursor page's time
    (issue 19)."""

    def paginate_queryset(self, queryset, request, view=None):
        params = clean_page_params(request)
        if params["page"] is not None:
            raise ValidationError({"page": ["Use either page or cursor, not both."]})
        sort_key = view.sort_key
        if sort_key not in CURSOR_ORDERINGS:
            raise ValidationError(
                {
                    "ordering": [
                        "Cursor paging follows ordering=newest or ordering=oldest; "
                        "use page numbers for other orderings."
                    ]
                }
            )
        self.request = request
        self.sort_key = sort_key
        self.page_size = params["page_size"]
        rows = view.counted_rows
        token = params["cursor"]
        if token not in ("", CURSOR_START):
            when, pk = decode_cursor(token, sort_key)
            position = _Row(Value(when), Value(pk))
            row = _Row(F("submitted_at"), F("id"))
            lookup = "lt" if sort_key == "newest" else "gt"
            rows = rows.alias(keyset=row).filter(**{f"keyset__{lookup}": position})
        keys = list(rows.values_list("submitted_at", "id")[: self.page_size + 1])
        self.has_next = len(keys) > self.page_size
        keys = keys[: self.page_size]
        self.next_cursor = encode_cursor(sort_key, *keys[-1]) if self.has_next else None
        return view.rows_by_id([pk for _, pk in keys])

    def get_paginated_response(self, data):
        next_url = None
        if self.next_cursor:
            url = remove_query_param(self.request.build_absolute_uri(), "page")
            next_url = replace_query_param(url, "cursor", self.next_cursor)
        return Response(
            {
                "ordering": self.sort_key,
                "page_size": self.page_size,
                "next_cursor": self.next_cursor,
                "next": next_url,
                "results": data,
            }
        )


class WaiverPagination(BasePagination):
    """Page numbers by default; the keyset cursor when `cursor` is given."""

    @staticmethod
    def cursor_mode(request) -> bool:
        return "cursor" in request.query_params

    def paginate_queryset(self, queryset, request, view=None):
        self.delegate = KeysetPagination() if self.cursor_mode(request) else PagePagination()
        return self.delegate.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.delegate.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        cursor_page = {
            "type": "object",
            "description": "Cursor mode (when `cursor` is given)",
            "required": ["ordering", "page_size", "next_cursor", "next", "results"],
            "properties": {
                "ordering": {"type": "string", "enum": list(CURSOR_ORDERINGS)},
                "page_size": {"type": "integer", "minimum": 1},
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Pass as `cursor` for the next page",
                },
                "next": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }
        number_page = PagePagination().get_paginated_response_schema(schema)
        number_page["description"] = "Page-number mode (default)"
        return {"oneOf": [number_page, cursor_page]}
