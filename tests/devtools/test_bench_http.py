"""A small run of `manage.py bench_http`: a real gunicorn over a few hundred
committed synthetic waivers, a few requests of every class, and the
Datasette side run when its packages are installed (the dev install has
them) or reported as skipped when they are not. The 1M figures are in
docs/performance.md; they are not part of the test suite."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from devtools.bench import peer, randomised
from tests.factories import WaiverFactory


def _run(tmp_path, *args):
    out = tmp_path / "http.json"
    stdout = io.StringIO()
    call_command(
        "bench_http",
        "--requests-per-class",
        "3",
        "--floor-reps",
        "5",
        "--cache-url",
        "locmem://",  # no Redis needed; each worker starts with an empty cache
        "--seed",
        "7",
        "--out",
        str(out),
        *args,
        stdout=stdout,
    )
    return json.loads(out.read_text()), stdout.getvalue()


def test_every_class_is_measured_over_http_beside_the_datasette_peer(committed_db, tmp_path):
    call_command("generate_waivers", "300", "--seed", "3", stdout=io.StringIO())
    data, text = _run(tmp_path, "--datasette")

    site = data["site"]
    assert set(site["classes"]) == set(randomised.CLASS_KEYS)
    for key, figure in site["classes"].items():
        assert figure["n"] == 3, key
        assert figure["non_200"] == 0, (key, figure["non_200_samples"])
        assert figure["p99_ms"] >= figure["p95_ms"] >= figure["p50_ms"] > 0
        assert 0 <= figure["repeated_fraction"] <= 1
        assert figure["target_p95_ms"] > 0
    assert site["requests"] == 3 * len(randomised.CLASS_KEYS)  # the warm-up is not counted
    assert data["warmup_requests"] == randomised.WARMUP_PER_CLASS * len(randomised.CLASS_KEYS)
    assert site["floor"]["status"] == "ok" and site["floor"]["n"] == 5
    assert "floor: bare view" in text and "API cursor page" in text

    peer_side = data["datasette"]
    if peer.missing_packages():
        assert peer_side["status"] == "skipped"
        assert "pip install" in peer_side["reason"]
        assert "Datasette side skipped" in text
    else:
        assert peer_side["status"] == "ok"
        assert peer_side["build"]["rows"] == data["public_rows"]
        for key, figure in peer_side["classes"].items():
            assert figure["n"] == 3, key
            assert figure["non_200"] == 0, (key, figure["non_200_samples"])
        assert "Datasette p50" in text


def test_the_peer_copy_holds_only_published_columns(committed_db, tmp_path):
    pytest.importorskip("sqlite_utils", reason="the peer extra is not installed")
    import sqlite3

    from waivers.columns import EXPORT_COLUMNS

    call_command("generate_waivers", "30", "--seed", "4", stdout=io.StringIO())
    built = peer.build(tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(waivers)")]
        matches = db.execute(
            "SELECT count(*) FROM waivers_fts WHERE waivers_fts MATCH 'equipment OR system'"
        ).fetchone()[0]
    assert columns == [column.name for column in EXPORT_COLUMNS]
    assert built["rows"] > 0 and matches >= 0


def test_without_the_peer_packages_the_datasette_side_is_reported_skipped(monkeypatch):
    monkeypatch.setattr(peer.importlib.util, "find_spec", lambda name: None)
    reason = peer.missing_packages()
    assert "datasette and sqlite_utils not installed" in reason
    assert "pip install -e '.[peer]'" in reason


def test_a_cursor_query_is_written_with_the_apis_own_encoder(committed_db):
    from waivers.api.pagination import decode_cursor

    call_command("generate_waivers", "20", "--seed", "5", stdout=io.StringIO())
    import random

    from devtools import synthetic

    rng = random.Random(1)
    pools = randomised.build_pools(synthetic.build_profile(), rng, anchors=5)
    query = randomised.make_query("api_cursor", pools, rng)
    token = parse_qs(urlsplit(randomised.site_url(query)).query)["cursor"][0]
    assert decode_cursor(token, query.ordering) == (query.anchor.submitted_at, query.anchor.pk)


class RecordingSide(randomised.Side):
    """A side that writes down what it was sent, in order, instead of sending it."""

    def __init__(self, name: str, sent: list):
        super().__init__(name, port=0, urls=[f"/{name}/{i}" for i in range(3)])
        self.sent = sent

    def send(self, cls: str, url: str) -> None:
        self.sent.append(url)


@pytest.mark.parametrize(
    ("turns", "order"),
    [
        ("alternate", ["/site/0", "/peer/0", "/peer/1", "/site/1", "/site/2", "/peer/2"]),
        ("apart", ["/site/0", "/site/1", "/site/2", "/peer/0", "/peer/1", "/peer/2"]),
    ],
)
def test_the_sides_take_turns_as_asked(turns, order):
    sent = []
    workload = [randomised.Query("api_detail")] * 3
    sides = [RecordingSide("site", sent), RecordingSide("peer", sent)]
    randomised.send_workload(workload, sides, turns, log=lambda line: None)
    assert sent == order


@pytest.mark.django_db
def test_bench_http_refuses_a_database_with_real_waivers():
    WaiverFactory()
    with pytest.raises(CommandError, match="throwaway database"):
        call_command("bench_http", "--cache-url", "locmem://", stdout=io.StringIO())


@pytest.mark.parametrize(
    "args",
    [
        ["--classes", "search_page,nonsense"],
        ["--requests-per-class", "0"],
        ["--cache-url", "memcached://x"],
        ["--turns", "sometimes"],
    ],
)
def test_bench_http_rejects_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("bench_http", *args, stdout=io.StringIO())
