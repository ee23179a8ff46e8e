"""Full-text search over waivers: the stored, weighted search vector and the
query that matches it.

The vector is refreshed explicitly by the services that write waiver content
(never from save() or signals). Weights: A title and identifiers, B summary
and rationale, C agency names and NAICS/PSC titles.
"""

from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
# Ranking by relevance reads the stored vector of every match (a TOAST fetch
# and a decompression per row) before the first row can be shown, so its cost
# grows with the number of matches. Above this limit, results come newest
# first (an index walk that stops after one page) and the page says so. The
# limit and its measured cost: decision 0009 and docs/performance.md.
RANK_LIMIT = 5_000

# The stored search vector: these parts, concatenated in this order. Each is a
# tsvector expression over the waiver row `w`; `tsvector || tsvector` shifts
# the right operand's positions past the left's. The bulk generator
# (devtools.synthetic) evaluates the same parts, some through lookup tables.
SEARCH_VECTOR_PARTS = {
    "title": "setweight(to_tsvector('english', w.procurement_title), 'A')",
    "identifiers": """setweight(to_tsvector('simple',
        concat_ws(' ', w.public_id, w.solicitation_id, array_to_string(w.piids, ' '),
                  w.naics_id, w.psc_id)), 'A')""",
    "text": "setweight(to_tsvector('english', concat_ws(' ', w.summary, w.rationale)), 'B')",
    "contracting_agency": """setweight(to_tsvector('english', coalesce((
        SELECT concat_ws(' ', a.name, a.abbreviation, d.name, d.abbreviation)
        FROM agencies_agency a LEFT JOIN agencies_agency d ON d.id = a.parent_id
        WHERE a.id = w.contracting_agency_id), '')), 'C')""",
    "funding_agency": """setweight(to_tsvector('english', coalesce((
        SELECT concat_ws(' ', a.name, a.abbreviation)
        FROM agencies_agency a WHERE a.id = w.funding_agency_id), '')), 'C')""",
    "naics": """setweight(to_tsvector('english', coalesce((
        SELECT n.title FROM waivers_naicscode n WHERE n.code = w.naics_id), '')), 'C')""",
    "psc": """setweight(to_tsvector('english', coalesce((
        SELECT concat_ws(' ', p.name, p.full_name)
        FROM waivers_psccode p WHERE p.code = w.psc_id), '')), 'C')""",
}
SEARCH_VECTOR_SQL = "\n    || ".join(SEARCH_VECTOR_PARTS.values())
_REFRESH_SQL = f"UPDATE waivers_waiver AS w SET search_vector =\n    {SEARCH_VECTOR_SQL}"  # noqa: S608


def refresh_search_vectors(waiver_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored search vector for the given waivers (all when None)."""
    with connection.cursor() as cursor:
        if waiver_ids is None:
            cursor.execute(_REFRESH_SQL)
        else:
            ids = list(waiver_ids)
            if ids:
                cursor.execute(_REFRESH_SQL + " WHERE w.id = ANY(%s)", [ids])


def keyword_query(text: str) -> SearchQuery:
    """Web-search syntax: "quoted phrases", -exclusion, or."""
    return SearchQuery(text[:MAX_QUERY_LENGTH], search_type="websearch", config=SEARCH_CONFIG)


def exact_identifier_match(text: str) -> Q:
    """Exact matches on codes and identifiers, which full-text parsing may split."""
    token = text.strip().upper()
    return (
        Q(public_id=token)
        | Q(piids__contains=[token])
        | Q(solicitation_id=token)
        | Q(naics_id=token)
        | Q(psc_id=token)
    )


def search(queryset, text: str):
    """Filter a waiver queryset by keywords and annotate a relevance rank."""
    text = text.strip()[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    query = keyword_query(text)
    return queryset.filter(Q(search_vector=query) | exact_identifier_match(text)).annotate(
        rank=SearchRank(F("search_vector"), query)
    )


# ts_headline marks the matched words with these; they cannot occur in stored
# text typed by people, so the rest is escaped before they become <mark>.
_START, _STOP = "\x02", "\x03"
HEADLINE_OPTIONS = {
    "max_words": 30,
    "min_words": 12,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


def headlines(waiver_ids: Iterable[int], text: str) -> dict[int, str]:
    """For a page of results (a few dozen ids): the summary and rationale
    words around the keywords, the matched words in <mark>, as safe HTML;
    waivers whose text does not hold a match (e.g. an agency-name match) are
    left out. One query over the page's rows only, so it costs the same
    however many waivers the keywords match."""
    from django.contrib.postgres.search import SearchHeadline
    from django.db.models import TextField, Value
    from django.db.models.functions import Concat
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from waivers.models import Waiver

    ids = list(waiver_ids)
    text = text.strip()[:MAX_QUERY_LENGTH]
    if not ids or not text:
        return {}
    query = keyword_query(text)
    rows = (
        Waiver.objects.filter(pk__in=ids)
        .annotate(
            headline=SearchHeadline(
                Concat("summary", Value(" "), "rationale", output_field=TextField()),
                query,
                config=SEARCH_CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                **HEADLINE_OPTIONS,
            )
        )
        .values_list("pk", "headline")
    )
    result = {}
    for pk, headline in rows:
        if not headline or _START not in headline:
            continue
        html = escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>")
        result[pk] = mark_safe(html)  # noqa: S308 - escaped above; only <mark> added
    return result
