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
