"""Full-text search over waivers: the stored, weighted search vector and the
query that matches it.

The vector is refreshed explicitly by the services that write waiver content
(never from save() or signals). Weights: A title and identifiers, B summary
and rationale, C agency names and NAICS/PSC titles.
"""

import re
from collections.abc import Iterable

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, connections
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Coalesce

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


# --- phrases ------------------------------------------------------------------------
# A phrase ("welding cell", or a word the parser splits, e.g. "cost-effective")
# matches only where its words stand side by side. The GIN index on the vector
# holds no word positions, so on its own it finds every waiver holding all the
# words, and PostgreSQL rechecks each one by reading its stored vector: tens of
# thousands of rows for two common words. waiver_word_pairs(vector) is the set
# of a vector's adjacent lexeme pairs ("weld cell"), indexed by
# waiver_word_pairs_gin: every waiver matching a phrase holds the phrase's
# pairs, so requiring them narrows the recheck to the waivers holding the
# words side by side, without changing what matches (decision 0026).


class WordPairs(Func):
    """waiver_word_pairs(vector): "lexeme lexeme" for each two lexemes at
    adjacent positions of the vector (SQL function, migration 0009)."""

    function = "waiver_word_pairs"
    output_field = ArrayField(TextField())


# Text from which websearch_to_tsquery can make a phrase: quotes, or
# punctuation inside a word (cost-effective, o'brien, example.com/path).
_MAY_HOLD_A_PHRASE = re.compile(r'"|\w[^\w\s]+\w')
# The tokens of a tsquery's text form: a quoted lexeme (quotes doubled inside,
# maybe with :* or weights), a phrase operator (<-> or <N>), & | ! ( ).
_TSQUERY_TOKEN = re.compile(r"\s*('(?:[^']|'')*'(?::[*A-D]+)?|<->|<\d+>|[&|!()])")
_PLAIN_LEXEME = re.compile(r"'[^'\\]+'")


def required_pairs(tsquery: str) -> list[str]:
    """The adjacent lexeme pairs every vector matching `tsquery` (its text
    form) holds: those of each chain of `<->` the whole query requires (a
    conjunct of the top-level &). Nothing for anything else (or, not,
    parentheses, <N>): leaving out a pair is always safe, it only narrows
    less."""
    tokens, position = [], 0
    tsquery = tsquery.rstrip()
    while position < len(tsquery):
        token = _TSQUERY_TOKEN.match(tsquery, position)
        if token is None:
            return []
        tokens.append(token.group(1))
        position = token.end()
    conjuncts, current, depth = [], [], 0
    for part in tokens:
        depth += {"(": 1, ")": -1}.get(part, 0)
        if depth == 0 and part == "|":
            return []  # a disjunction requires none of its sides
        if depth == 0 and part == "&":
            conjuncts.append(current)
            current = []
        else:
            current.append(part)
    conjuncts.append(current)
    pairs = set()
    for conjunct in conjuncts:
        words, operators = conjunct[0::2], conjunct[1::2]
        if (
            len(conjunct) < 3
            or len(conjunct) % 2 == 0
            or any(operator != "<->" for operator in operators)
            or not all(_PLAIN_LEXEME.fullmatch(word) for word in words)
        ):
            continue
        lexemes = [word[1:-1] for word in words]
        pairs.update(f"{left} {right}" for left, right in zip(lexemes, lexemes[1:], strict=False))
    return sorted(pairs)


def phrase_pairs(text: str, using: str = "default") -> list[str]:
    """The word pairs (as lexemes) every waiver matching the keywords `text`
    holds side by side; [] when the text holds no phrase (then without a
    query to the database)."""
    if not _MAY_HOLD_A_PHRASE.search(text):
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(%s::regconfig, %s)::text",
            [SEARCH_CONFIG, text[:MAX_QUERY_LENGTH]],
        )
        return required_pairs(cursor.fetchone()[0])


def search(queryset, text: str):
    """Filter a waiver queryset by keywords and annotate a relevance rank."""
    text = text.strip()[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    query = keyword_query(text)
    if pairs := phrase_pairs(text, queryset.db):
        # The pair index (waiver_word_pairs_gin) finds the candidates; the
        # vector is matched through an expression its own index does not
        # serve. Combined with that index, PostgreSQL would recheck every
        # condition of the scan on each candidate, the pairs included: they
        # would be computed again for every row (0.2 ms each).
        queryset = queryset.alias(
            word_pairs=WordPairs("search_vector"),
            unindexed_vector=Coalesce("search_vector", Value("", output_field=SearchVectorField())),
        )
        matches = Q(word_pairs__contains=pairs, unindexed_vector=query)
    else:
        matches = Q(search_vector=query)
    if '"' not in text:
        # No identifier holds a double quote. (With an OR here, PostgreSQL
        # would also compute the pairs of every row matching the phrase.)
        matches |= exact_identifier_match(text)
    return queryset.filter(matches).annotate(rank=SearchRank(F("search_vector"), query))


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
