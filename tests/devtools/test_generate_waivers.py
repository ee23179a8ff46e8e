"""`manage.py generate_waivers`: synthetic waivers that satisfy every
constraint, carry a consistent status history, and are the same for a seed."""

import io
import random
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from devtools import synthetic
from waivers import search
from waivers.importers.miao import import_paths
from waivers.models import (
    JonesActDetail,
    PricePreference,
    UrgentReport,
    Waiver,
    WaiverStatusChange,
)
from waivers.models.waiver import public_id_from_number
from waivers.search import SEARCH_VECTOR_SQL
from waivers.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

S = Waiver.Status
# Transitions the lifecycle services allow (waivers/services.py).
ALLOWED = {
    ("", S.DRAFT),
    (S.DRAFT, S.SUBMITTED),
    (S.SUBMITTED, S.IN_REVIEW),
    (S.SUBMITTED, S.REVIEWED),
    (S.IN_REVIEW, S.REVIEWED),
    (S.SUBMITTED, S.REVIEW_WAIVED),
    (S.IN_REVIEW, S.REVIEW_WAIVED),
    (S.REVIEWED, S.DECIDED),
    (S.REVIEW_WAIVED, S.DECIDED),
    *((s, S.WITHDRAWN) for s in (S.SUBMITTED, S.IN_REVIEW, S.REVIEWED, S.REVIEW_WAIVED, S.DECIDED)),
}
FIELDS = [
    "public_id",
    "source_id",
    "waiver_type",
    "status",
    "is_test_record",
    "submitted_at",
    "review_due_date",
    "determination",
    "determined_at",
    "final_decision",
    "final_decision_date",
    "withdrawn_at",
    "contracting_agency__code",
    "funding_agency__code",
    "naics_id",
    "psc_id",
    "procurement_title",
    "summary",
    "rationale",
    "piids",
    "countries",
    "solicitation_id",
    "created_at",
]


def rows(seed):
    return list(
        Waiver.objects.filter(source_id__startswith=f"synthetic-{seed}-")
        .order_by("source_id")
        .values_list(*FIELDS)
    )


def test_command_writes_n_waivers_and_reports_its_speed():
    out = io.StringIO()
    call_command("generate_waivers", "400", "--seed", "3", stdout=out)
    assert Waiver.objects.filter(source_id__startswith="synthetic-3-").count() == 400
    text = out.getvalue()
    assert "Created 400 synthetic waivers" in text
    assert "waivers/s written" in text


def test_every_row_passes_model_validation_and_has_a_search_vector():
    synthetic.generate(120, seed=4)
    waivers = list(Waiver.objects.all())
    assert len(waivers) == 120
    for waiver in waivers:
        waiver.full_clean()  # choices, lengths, constraints, uniqueness
    assert not Waiver.objects.filter(search_vector__isnull=True).exists()
    assert {w.public_id for w in waivers} == {synthetic.public_id_for(4, n) for n in range(120)}


def test_history_is_a_chain_of_allowed_transitions_ending_in_the_status():
    synthetic.generate(500, seed=5)
    history: dict[int, list] = {}
    for change in WaiverStatusChange.objects.order_by("waiver_id", "at", "id"):
        history.setdefault(change.waiver_id, []).append(change)
    statuses = set()
    for waiver in Waiver.objects.all():
        chain = history[waiver.pk]
        assert chain[0].from_status == ""
        assert chain[-1].to_status == waiver.status
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.at >= before.at
        assert all((c.from_status, c.to_status) in ALLOWED for c in chain)
        if waiver.status != S.DRAFT:
            assert waiver.submitted_at == chain[1].at
        if waiver.determination:
            assert waiver.determined_at in [c.at for c in chain if c.to_status == S.REVIEWED]
        if waiver.status == S.WITHDRAWN:
            assert waiver.withdrawn_at == chain[-1].at
        statuses.add(waiver.status)
    # 500 rows reach every state of the lifecycle.
    assert statuses >= {S.DRAFT, S.SUBMITTED, S.REVIEWED, S.DECIDED}


def test_type_specific_details_exist_for_their_types():
    synthetic.generate(1000, seed=6)
    for model, waiver_type in [
        (UrgentReport, Waiver.Type.URGENT_REPORT),
        (PricePreference, Waiver.Type.UNREASONABLE_COST),
        (JonesActDetail, Waiver.Type.JONES_ACT),
    ]:
        typed = Waiver.objects.filter(waiver_type=waiver_type)
        assert typed.exists()
        assert model.objects.count() == typed.count()
        assert not model.objects.exclude(waiver__waiver_type=waiver_type).exists()
        for detail in model.objects.all():
            detail.full_clean()


def test_same_seed_gives_identical_rows_in_one_go_or_in_parts():
    synthetic.generate(120, seed=7)
    whole = rows(7)
    synthetic.delete_synthetic(7)
    assert rows(7) == []
    synthetic.generate(50, seed=7)
    synthetic.generate(70, seed=7)  # continues at row 50
    assert rows(7) == whole
    assert len(whole) == 120


def test_different_seeds_differ_and_never_share_public_ids():
    synthetic.generate(100, seed=8)
    synthetic.generate(100, seed=9)
    eight, nine = rows(8), rows(9)
    assert [r[FIELDS.index("procurement_title")] for r in eight] != [
        r[FIELDS.index("procurement_title")] for r in nine
    ]
    assert Waiver.objects.values("public_id").distinct().count() == 200


def test_distributions_follow_the_published_record():
    synthetic.generate(2000, seed=10)
    public = Waiver.objects.public()
    # NIST (1341) files the most waivers in MIAO's published data.
    top = public.values_list("contracting_agency__code", flat=True).order_by().distinct()
    counts = {code: public.filter(contracting_agency__code=code).count() for code in top}
    assert max(counts, key=counts.get) == "1341"
    assert public.filter(waiver_type=Waiver.Type.NONAVAILABILITY).count() > 0.8 * public.count()
    assert Waiver.objects.filter(status=S.DRAFT).count() < 0.05 * 2000
    assert not public.filter(status=S.DRAFT).exists()


def test_delete_removes_rows_and_their_history():
    synthetic.generate(50, seed=11)
    assert synthetic.delete_synthetic(11) == 50
    assert not Waiver.objects.exists()
    assert not WaiverStatusChange.objects.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["0"], "positive"),
        (["10", "--seed", "70000"], "--seed"),
        (["10", "--anchor", "2026-13-01"], "--anchor"),
    ],
)
def test_bad_arguments_are_refused_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_waivers", *args, stdout=io.StringIO())


def rows_and_differing_vectors(definition: str = SEARCH_VECTOR_SQL) -> tuple[int, int]:
    """Waivers, and how many of them store a vector other than the one
    waivers.search's shared SQL (or `definition`) computes for them."""
    with connection.cursor() as cursor:
        differs = f"w.search_vector IS DISTINCT FROM ({definition})"
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {differs}) FROM waivers_waiver AS w"  # noqa: S608
        )
        return cursor.fetchone()


def test_search_vectors_equal_the_shared_definition_for_every_row():
    """The generator builds the vectors part by part (lookup tables, the text
    part in Python); every row must equal what waivers.search computes."""
    synthetic.generate(300, seed=11)
    assert rows_and_differing_vectors() == (300, 0)


def test_text_vectors_are_postgresqls_own_for_the_same_text():
    profile = synthetic.build_profile()
    gen = synthetic.Generator(profile, 12)
    block = gen.block(0, 200)
    built = [(r["search_vector"], r["summary"], r["rationale"]) for r in block.waivers]
    assert sum(v is not None for v, _, _ in built) == 200  # published lengths stay in bounds
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(v, s, r) "
            "WHERE t.v::tsvector IS DISTINCT FROM "
            "setweight(to_tsvector('english', concat_ws(' ', t.s, t.r)), 'B')",
            [[v for v, _, _ in built], [s for _, s, _ in built], [r for _, _, r in built]],
        )
        assert cursor.fetchone()[0] == 0


def test_text_vectors_of_awkward_words_match_and_limits_are_left_to_sql():
    words = ["Well-known", "the", "covid-19", "pipes", "a", "x-ray-ready", "Steel", "of"]
    vocabulary = synthetic.Table({w: 1 for w in words})
    texts = synthetic._Texts(vocabulary, random.Random(1), synthetic.text_lexicon(words, "english"))
    pieces = [(start, length) for start, length in ((0, 40), (500, 7), (9_000, 120), (77, 1))]
    with connection.cursor() as cursor:
        for a, b in zip(pieces, pieces[1:], strict=False):
            vector = texts.vector([a, b], "B")
            cursor.execute(
                "SELECT %s::tsvector = setweight(to_tsvector('english', %s), 'B')",
                [vector, texts.text(a) + " " + texts.text(b)],
            )
            assert cursor.fetchone()[0], (texts.text(a), texts.text(b))
    # Over 255 positions for one lexeme, or past position 16383, PostgreSQL's
    # own limits apply: the generator leaves such texts to SQL.
    assert texts.vector([(0, 3_000)], "B") is None  # ~375 of each word
    assert texts.vector([(0, 9_000), (10_000, 9_000)], "B") is None


def test_vectors_that_differ_from_the_shared_definition_are_refused_and_nothing_is_written():
    profile = synthetic.build_profile()
    profile.lexicon = {word: ((("'wrong'", 1),), 1) for word in profile.lexicon}
    with pytest.raises(ValueError, match="search vectors differ"):
        synthetic.generate(50, seed=13, profile=profile)
    assert Waiver.objects.count() == 0
    assert WaiverStatusChange.objects.count() == 0


def test_texts_left_to_sql_get_the_shared_definitions_vector(monkeypatch):
    monkeypatch.setattr(synthetic, "_MAX_POSITION", 5)  # every text "too long" for Python
    synthetic.generate(40, seed=14)
    assert rows_and_differing_vectors() == (40, 0)


def test_the_text_part_is_read_from_the_shared_definition():
    assert synthetic.python_text_part() == synthetic.TextPart(
        "text", "english", ("summary", "rationale"), "B"
    )
    assert synthetic.build_profile().text_part == synthetic.python_text_part()


def changed_text_part(monkeypatch, expression: str) -> str:
    """Give the generator a shared definition whose "text" part is `expression`;
    returns the whole vector's SQL."""
    parts = {**search.SEARCH_VECTOR_PARTS, "text": expression}
    sql = "\n    || ".join(parts.values())
    monkeypatch.setattr(synthetic, "SEARCH_VECTOR_PARTS", parts)
    monkeypatch.setattr(synthetic, "SEARCH_VECTOR_SQL", sql)
    return sql


def test_a_changed_text_part_is_followed_in_python_and_equals_postgresqls(monkeypatch):
    sql = changed_text_part(
        monkeypatch, "setweight(to_tsvector('simple', concat_ws(' ', w.rationale, w.summary)), 'D')"
    )
    profile = synthetic.build_profile()
    assert profile.text_part == synthetic.TextPart("text", "simple", ("rationale", "summary"), "D")
    block = synthetic.Generator(profile, 15).block(0, 60)
    assert all(row["search_vector"] for row in block.waivers)  # built in Python
    synthetic.generate(60, seed=15, profile=profile)
    assert rows_and_differing_vectors(sql) == (60, 0)


def test_a_text_part_of_another_shape_is_left_to_sql(monkeypatch):
    sql = changed_text_part(monkeypatch, "setweight(to_tsvector('english', w.summary), 'B')")
    profile = synthetic.build_profile()
    assert profile.text_part is None and profile.lexicon == {}
    assert all(
        row["search_vector"] is None
        for row in synthetic.Generator(profile, 16).block(0, 30).waivers
    )
    synthetic.generate(30, seed=16, profile=profile)
    assert rows_and_differing_vectors(sql) == (30, 0)


def test_profile_reads_the_published_record_as_the_importer_does(settings):
    """The profile uses exactly the records the importer keeps as real, with
    the importer's normalised values."""
    profile = synthetic.build_profile()
    folder = settings.SHARED_DATA_DIR / "miao"
    import_paths([folder / name for name in synthetic.PUBLISHED_FILES])
    real = Waiver.objects.filter(is_test_record=False)
    assert profile.summary["published_records_used"] == real.count()
    assert set(profile.stage.values) == set(real.values_list("procurement_stage", flat=True))
    assert set(profile.coverage.values) == set(real.values_list("coverage", flat=True))
    assert set(profile.duration.values) == set(real.values_list("expected_duration", flat=True))
    assert set(profile.countries.values) == {
        c for cs in real.values_list("countries", flat=True) for c in cs
    }
    assert set(profile.determination.values) == set(
        real.filter(status=S.REVIEWED).values_list("determination", flat=True)
    )


def test_public_ids_use_the_domains_encoder():
    assert synthetic.public_id_for(0, 0) == public_id_from_number(0)
    ids = {synthetic.public_id_for(seed, n) for seed in (0, 1, 2**16 - 1) for n in range(2_000)}
    assert len(ids) == 6_000
    assert all(re.fullmatch(r"MIA-[0-9A-HJKMNP-TV-Z]{8}", public_id) for public_id in ids)


def test_the_lifecycle_refuses_a_transition_the_services_do_not_allow():
    row = {"status": S.DRAFT}
    history = []
    with pytest.raises(ValueError, match="withdraw cannot start from draft"):
        synthetic.Generator._move(row, history, "withdraw", None)
    synthetic.Generator._move(row, history, "submit", None, submitted_at=None)
    assert row == {"status": S.SUBMITTED, "submitted_at": None}
    assert history == [(S.DRAFT, S.SUBMITTED, None)]
    assert set(synthetic._STEP_TARGETS) == set(TRANSITIONS)  # every transition named
