"""waivers.statements: SQL compiled once a process, prepared once a connection.
A statement must read exactly what its queryset reads, and keep working on
connections where it was prepared, never prepared, or failed."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.http import Http404

from tests import site_data
from tests.waivers.search_catalogue import build_catalogue, build_edge_cases
from waivers.models import Waiver, WaiverStatusChange
from waivers.selectors.waivers import (
    HISTORY_ANNOTATIONS,
    get_public_waiver_or_404,
    public_timeline,
)
from waivers.statements import Instances, Statement

MARK = -1


def by_pk(pk):
    # A literal "%" among the ORM's own parameters, a boolean, choices: the
    # prepared SQL has them written in by the cursor, the marker left as $1.
    return (
        Waiver.objects.public()
        .filter(pk=pk)
        .annotate(label=Concat("public_id", Value(" 100% "), "status"))
        .values_list("public_id", "label", "submitted_at", "countries", "is_test_record")
    )


@pytest.fixture
def waivers(db):
    build_catalogue()
    build_edge_cases()
    site_data.every_type()
    return list(Waiver.objects.values_list("pk", flat=True))


def test_a_statement_reads_what_its_queryset_reads(waivers):
    statement = Statement(by_pk, MARK)
    assert len(waivers) > 10  # drafts and test records among them: not public
    for pk in waivers:
        expected = list(by_pk(pk))
        rows = statement.all("default", pk)
        assert rows == expected
        assert [list(map(type, row)) for row in rows] == [list(map(type, row)) for row in expected]
        assert statement.one("default", pk) == (expected[0] if expected else None)
    assert statement.one("default", max(waivers) + 1) is None


def test_prepared_once_a_connection_then_executed(waivers, django_assert_num_queries):
    statement = Statement(by_pk, MARK)
    with django_assert_num_queries(1) as first:
        statement.one("default", waivers[0])
    assert first.captured_queries[0]["sql"].startswith("PREPARE miao_statement_")
    for pk in waivers[:3]:
        with django_assert_num_queries(1) as later:
            statement.one("default", pk)
        assert later.captured_queries[0]["sql"].startswith("EXECUTE miao_statement_")


def test_a_failed_first_run_leaves_the_statement_usable(waivers):
    statement = Statement(by_pk, MARK)
    with pytest.raises(DatabaseError), transaction.atomic():
        statement.one("default", "not a key")  # fails in EXECUTE, after PREPARE
    # Prepared again under another name: no "already exists".
    assert statement.one("default", waivers[0]) == next(iter(by_pk(waivers[0])), None)


def test_a_new_connection_prepares_it_again(committed_db, django_assert_num_queries):
    waiver = site_data.nonavailability()
    statement = Statement(by_pk, MARK)
    expected = list(by_pk(waiver.pk))
    assert expected and statement.all("default", waiver.pk) == expected
    connection.close()  # e.g. CONN_MAX_AGE or a failed health check
    with django_assert_num_queries(1) as queries:
        assert statement.all("default", waiver.pk) == expected
    assert queries.captured_queries[0]["sql"].startswith("PREPARE ")


def test_a_marker_may_appear_twice_but_must_appear(waivers):
    twice = Statement(lambda pk: Waiver.objects.filter(pk=pk, id=pk).values_list("pk"), MARK)
    assert twice.one("default", waivers[0]) == (waivers[0],)
    missing = Statement(lambda pk: Waiver.objects.filter(pk=1).values_list("pk"), MARK)
    with pytest.raises(ValueError, match="not among the parameters"):
        missing.one("default", 1)


def test_the_page_waiver_reads_its_public_history_as_the_orm_does(
    waivers, django_assert_num_queries
):
    """The history comes in the waiver's own statement (HISTORY_ANNOTATIONS):
    the same entries, in the same order, as a query of the history table."""
    public = set(Waiver.objects.public().values_list("pk", flat=True))
    with_history = 0
    for waiver_id in public:
        expected = list(
            WaiverStatusChange.objects.filter(waiver_id=waiver_id)
            .exclude(to_status=Waiver.Status.DRAFT)
            .order_by("at", "id")
            .values_list("at", "from_status", "to_status")
        )
        public_id = Waiver.objects.get(pk=waiver_id).public_id
        with django_assert_num_queries(1):
            waiver = get_public_waiver_or_404(public_id)
        timeline = public_timeline(waiver.history_at, waiver.history_from, waiver.history_to)
        assert [(row["at"], row["from_status"], row["to_status"]) for row in timeline] == [
            (at, "" if before == Waiver.Status.DRAFT else before, after)
            for at, before, after in expected
        ]
        with_history += len(expected) > 1
    assert with_history > 5  # several waivers have a history of several steps


def test_instances_set_annotations_as_annotate_does(waivers):
    annotations = {"history_to": HISTORY_ANNOTATIONS["history_to"]}
    instances = Instances(lambda pk: Waiver.objects.filter(pk=pk), MARK, annotations=annotations)
    for expected in Waiver.objects.annotate(**annotations):
        waiver = instances.one("default", expected.pk)
        assert waiver.history_to == expected.history_to
        assert field_values(waiver) == field_values(expected)


RELATIONS = (*Waiver.PUBLIC_RELATIONS, "price_preference", "urgent_report")


def field_values(instance):
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in instance.get_deferred_fields()
    }


def test_instances_are_what_select_related_gives(waivers, django_assert_num_queries):
    """The waiver page's lookup: every field and relation of every public
    waiver as the ORM's select_related() reads it, the missing relations
    known to be missing (no query when they are asked for)."""
    public = Waiver.objects.public().select_related(*RELATIONS).defer("search_vector")
    assert public.count() > 10
    for expected in public:
        with django_assert_num_queries(1):
            waiver = get_public_waiver_or_404(expected.public_id)
        assert waiver.get_deferred_fields() == {"search_vector"}
        assert field_values(waiver) == field_values(expected)
        assert {k: type(v) for k, v in field_values(waiver).items()} == {
            k: type(v) for k, v in field_values(expected).items()
        }
        assert not waiver._state.adding and waiver._state.db == "default"
        with django_assert_num_queries(0):
            for path in RELATIONS:
                got, want = waiver, expected
                for name in path.split("__"):
                    got = getattr(got, name, None) if got is not None else None
                    want = getattr(want, name, None) if want is not None else None
                assert (got is None) == (want is None), path
                if want is not None:
                    assert type(got) is type(want) and field_values(got) == field_values(want)
    for hidden in Waiver.objects.exclude(pk__in=public.values("pk")):
        with pytest.raises(Http404):
            get_public_waiver_or_404(hidden.public_id)
