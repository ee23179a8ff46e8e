"""The shared WaiverFilterSet: its fields, labels and limits, and everything
that belongs to one request (bound values, errors, the agency queryset)
stays with that request."""

import pytest
from django.conf import settings
from django.http import QueryDict

from tests.factories import AgencyFactory, DepartmentFactory, WaiverFactory, post
from tests.waivers.search_catalogue import build_catalogue, build_edge_cases, bulk_waivers
from waivers import counting
from waivers.api.filters import ApiWaiverFilterSet
from waivers.filters import (
    CODE_RANGE_END,
    COUNTRY_CHOICES,
    LARGE_WALK_BUDGET_FACTOR,
    SORT_IN_MEMORY_ROWS,
    SORT_WHOLE_ROWS,
    SORTS,
    WaiverFilterSet,
    page_rows,
    sorted_in_memory,
    sorted_page,
)
from waivers.models import NaicsCode, PscCode, Waiver
from waivers.search import MAX_QUERY_LENGTH


def filterset(query: str, filterset_class=WaiverFilterSet):
    return filterset_class(QueryDict(query), queryset=Waiver.objects.public())


def test_each_filterset_class_has_its_own_fields():
    site_form = filterset("type=nonavailability").form
    api_form = filterset("ordering=oldest", ApiWaiverFilterSet).form
    assert "ordering" in api_form.fields
    assert "ordering" not in site_form.fields
    assert set(site_form.fields) <= set(api_form.fields)


def test_fields_keep_their_labels_choices_and_limits():
    form = filterset("").form
    assert form.fields["type"].label == "Waiver type"
    assert list(form.fields["type"].choices) == list(Waiver.Type.choices)
    assert list(form.fields["country"].choices) == COUNTRY_CHOICES
    assert list(form.fields["country"].widget.choices) == COUNTRY_CHOICES
    assert form.fields["q"].widget.attrs["maxlength"] == str(MAX_QUERY_LENGTH)
    assert form.fields["sort"].label == "Sort by"


def test_each_form_has_its_own_fields_with_the_same_choices():
    first, second = filterset("").form, filterset("").form
    assert first.fields["country"] is not second.fields["country"]
    assert list(first.fields["country"].choices) == list(second.fields["country"].choices)
    assert list(second.fields["country"].widget.choices) == COUNTRY_CHOICES


def test_per_request_state_is_not_shared():
    first, second = filterset("type=nonavailability"), filterset("type=jones_act&country=FR")
    assert first.is_valid() and second.is_valid()
    assert first.form.cleaned_data["type"] == ["nonavailability"]
    assert second.form.cleaned_data["type"] == ["jones_act"]
    assert first.form.cleaned_data["country"] == []
    # Widget attributes, error messages and validators are each form's own.
    first.form.fields["country"].widget.attrs["data-test"] = "x"
    first.form.fields["type"].error_messages["invalid_choice"] = "changed"
    first.form.fields["naics"].validators.append(lambda value: None)
    fresh = filterset("").form
    assert "data-test" not in fresh.fields["country"].widget.attrs
    assert fresh.fields["type"].error_messages["invalid_choice"] != "changed"
    assert len(fresh.fields["naics"].validators) == len(second.form.fields["naics"].validators)
    # Filters are copies bound to their own FilterSet (method filters call it).
    assert first.filters["q"] is not second.filters["q"]
    assert first.filters["q"].parent is first and second.filters["q"].parent is second
    assert first.filters["q"].filter.f is first.filters["q"]


def test_bad_values_are_reported_per_request():
    bad, good = filterset("type=bogus&country=XX"), filterset("type=nonavailability")
    assert not bad.is_valid()
    assert set(bad.errors) == {"type", "country"}
    assert good.is_valid() and not good.errors


@pytest.mark.django_db
def test_each_form_reads_agencies_through_its_own_queryset():
    department = DepartmentFactory()
    AgencyFactory(code="Z901", parent=department)
    first = filterset("agency=Z901")
    assert first.is_valid()
    assert [a.code for a in first.form.cleaned_data["agency"]] == ["Z901"]
    assert not filterset("agency=Z902").is_valid()
    # An agency added after those requests is known to the next one.
    AgencyFactory(code="Z902", parent=department)
    second = filterset("agency=Z902")
    assert second.is_valid(), second.errors
    assert first.form.fields["agency"].queryset is not second.form.fields["agency"].queryset


@pytest.mark.django_db
def test_no_agency_chosen_restricts_nothing():
    chosen = filterset("type=nonavailability")
    assert chosen.is_valid()
    assert list(chosen.form.cleaned_data["agency"]) == []
    assert chosen.form.cleaned_data["type"] == ["nonavailability"]
    assert str(chosen.unordered_qs.query) == str(
        Waiver.objects.public().filter(waiver_type="nonavailability").query
    )


# 9999-12-31 is the last day a date can name: it has no following day for
# "submitted on or before" to end on. Every page, download, feed and API
# endpoint that filters refuses it by name (it was a 500 with a traceback).
LAST_DAY = {"submitted_before": "9999-12-31"}


@pytest.mark.django_db
def test_the_last_representable_day_is_a_problem_named_on_the_pages(client):
    from agencies.models import Agency

    for path in ("/waivers/", Agency.objects.filter(parent=None).first().get_absolute_url()):
        response = client.get(path, LAST_DAY)
        assert response.status_code == 200, path
        assert [p.param for p in response.context["result"].problems] == ["submitted_before"]
    response = client.get("/stats/", LAST_DAY)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["submitted_before"]
    assert "Some filters could not be used" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/waivers/export.csv", "/waivers/export.json", "/waivers/feed/"])
def test_the_last_representable_day_is_a_bad_request_for_downloads(client, path):
    response = client.get(path, LAST_DAY)
    assert response.status_code == 400
    assert "submitted_before: Enter a date before 9999-12-31." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/waivers/", {}),
        ("/api/v1/waivers/", {"format": "csv"}),
        ("/api/v1/stats/", {}),
    ],
)
def test_the_last_representable_day_is_a_json_bad_request_in_the_api(client, path, query):
    response = client.get(path, {**LAST_DAY, **query})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {"submitted_before": ["Enter a date before 9999-12-31."]}


# --- sorting a small result (issue 19, decision 0025) --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("sort", list(SORTS))
def test_a_small_result_sorted_in_memory_is_in_the_same_order(sort):
    """sorted_page and sorted_in_memory give exactly the rows and order the
    index-ordered query gives, nulls and ties included, page by page."""
    build_catalogue()
    build_edge_cases()
    bulk_waivers(7, start="2024-06-01")  # ties on title and agency
    params = {
        "sort": sort,
        **(
            {"q": "valves or laser or pump or hull or nonavailability"}
            if sort == "relevance"
            else {}
        ),
    }
    filterset = WaiverFilterSet(params, queryset=Waiver.objects.public())
    ordered = list(filterset.qs.values_list("pk", flat=True))
    assert len(ordered) > 3
    assert list(sorted_in_memory(filterset.qs).values_list("pk", flat=True)) == ordered
    for start in range(0, len(ordered), 4):
        page = sorted_page(filterset.qs, start, start + 4)
        assert [w.pk for w in page] == ordered[start : start + 4]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("total", "table", "walk"),
    [
        (10, None, "not tried"),
        (SORT_WHOLE_ROWS + 1, None, "finishes"),
        (SORT_WHOLE_ROWS + 1, None, "overruns"),
        (SORT_WHOLE_ROWS + 1, 10**9, "not tried"),
        (10**6, None, "finishes"),
        (10**6, None, "overruns"),
    ],
    ids=[
        "sorted whole",
        "walked within budget",
        "walk over budget, ids sorted",
        "too sparse to walk, ids sorted",
        "large result walked within budget",
        "large result, walk over budget, ids sorted",
    ],
)
def test_every_way_of_reading_a_page_gives_the_same_rows(total, table, walk, monkeypatch):
    build_catalogue()
    build_edge_cases()
    filterset = WaiverFilterSet({"sort": "deadline"}, queryset=Waiver.objects.public())
    ordered = list(filterset.qs.values_list("pk", flat=True))
    budgeted = []
    real_within_budget = counting.within_budget

    def within_budget(using, budget_ms, compute):
        budgeted.append(budget_ms)
        if walk == "overruns":
            raise counting.OverBudget
        return real_within_budget(using, budget_ms, compute)

    monkeypatch.setattr(counting, "within_budget", within_budget)
    if table:
        monkeypatch.setattr(counting, "table_rows", lambda using: table)
    for start in range(0, len(ordered), 3):
        page = page_rows(filterset.qs, start, start + 3, total)
        assert [w.pk for w in page] == ordered[start : start + 3]
    assert bool(budgeted) == (walk in ("finishes", "overruns"))
    if budgeted:  # a large result's walk gets longer: sorting it costs more
        factor = LARGE_WALK_BUDGET_FACTOR if total > SORT_IN_MEMORY_ROWS else 1
        assert set(budgeted) == {settings.COUNT_BUDGET_MS * factor}


@pytest.mark.parametrize(("model", "param"), [(NaicsCode, "naics"), (PscCode, "psc")])
def test_a_code_prefix_is_a_range_holding_exactly_the_codes_it_begins(db, model, param):
    """filter_code_prefix reads a prefix as a range of the column (so indexes
    serve it and the planner can estimate it): over every prefix of every
    reference code, under this database's collation, the range holds the
    codes that begin with it and no other."""
    codes = list(model.objects.values_list("code", flat=True))
    assert len(codes) > 1000
    prefixes = sorted({code[:n] for code in codes for n in range(1, len(code) + 1)})
    for prefix in prefixes:
        in_range = model.objects.filter(code__gte=prefix, code__lte=prefix + CODE_RANGE_END)
        assert set(in_range.values_list("code", flat=True)) == {
            code for code in codes if code.startswith(prefix)
        }, prefix


def test_code_prefix_filters_waivers_by_their_codes(db):
    laser = post(WaiverFactory(naics=NaicsCode.objects.get(code="334516")))
    other = post(WaiverFactory(naics=NaicsCode.objects.get(code="336611")))
    assert list(filterset("naics=3345").qs) == [laser]
    assert list(filterset("naics=334516").qs) == [laser]
    assert set(filterset("naics=33").qs) == {laser, other}
    assert list(filterset("naics=3346").qs) == []


def test_naics_digits_are_ascii_digits(db):
    """Other scripts' digits are not a code (str.isdigit accepts them): the
    value is read as title words, and none matches."""
    bad = filterset("naics=%D9%A3%D9%A3%D9%A4")  # Arabic-Indic 334
    assert not bad.is_valid()
    assert "No NAICS industry matches" in bad.errors["naics"][0]
