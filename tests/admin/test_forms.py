"""The waiver form per type: validation errors next to the field, computed
price-preference figures, amendments of posted waivers."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.admin.conftest import AGENCY_A, AGENCY_B, change_url, make_draft
from tests.admin.helpers import errors, form_data, split_dt
from tests.factories import agency, post
from waivers.models import NaicsCode, Waiver, WaiverAuditEntry

pytestmark = pytest.mark.django_db
ADD = "/admin/waivers/waiver/add/?waiver_type="


def add_form(client, waiver_type: str, **values):
    """POST the add form of this type with a complete set of common fields."""
    data = form_data(client.get(ADD + waiver_type))
    data.update(
        {
            "contracting_agency": agency(AGENCY_A).pk,
            "procurement_title": "Ship spares",
            "summary": "Spare parts.",
            "rationale": "None made here.",
            "naics": "334516",
            "psc": "6640",
            "procurement_stage": "post_solicitation",
            "coverage": "individual",
            "expected_duration": "instant",
            "piids": "1333ND22PNB680101",
            "solicitation_id": "1333ND22QNB640127",
            "countries": "FR",
        }
    )
    data.update(values)
    return client.post(ADD + waiver_type, data)


def test_type_is_chosen_first_and_only_its_inline_is_shown(client, alice):
    client.force_login(alice)
    chooser = client.get("/admin/waivers/waiver/add/")
    assert b"?waiver_type=jones_act" in chooser.content
    jones = client.get(ADD + "jones_act").content
    assert b"jones_act-0-vessel_name" in jones and b"price_preference-0" not in jones
    price = client.get(ADD + "unreasonable_cost").content
    assert b"price_preference-0-lowest_foreign_offer" in price and b"jones_act-0" not in price


def test_valid_nonavailability_waiver_is_created_as_a_draft(client, alice):
    client.force_login(alice)
    response = add_form(
        client, "nonavailability", piids="1333nd22pnb680101, 1333ND22PNB680102", countries="fra\nde"
    )
    assert response.status_code == 302, errors(response)
    waiver = Waiver.objects.get()
    assert (waiver.status, waiver.waiver_type, waiver.version) == ("draft", "nonavailability", 1)
    assert waiver.piids == ["1333ND22PNB680101", "1333ND22PNB680102"]
    assert waiver.countries == ["FR", "DE"]
    entry = WaiverAuditEntry.objects.get(waiver=waiver)
    assert (entry.action, entry.actor) == ("created", alice)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("piids", "1333-ND22-PNB68", "special characters"),
        ("piids", "1333ND22PNB", "13 to 17"),
        ("piids", "1333NDXXPNB680101", "fiscal year"),
        ("solicitation_id", "NB687040-22-00698", "special characters"),
        ("countries", "FR, XX", "not an ISO 3166-1"),
        ("psc", "1000", "retired"),
        ("psc", "66", "category"),
    ],
)
def test_bad_values_are_reported_next_to_their_field(client, alice, field, value, message):
    client.force_login(alice)
    response = add_form(client, "nonavailability", **{field: value})
    assert response.status_code == 200
    assert message in " ".join(errors(response)[field])
    assert not Waiver.objects.exists()


def test_naics_outside_the_reference_list_is_refused(client, alice):
    NaicsCode.objects.create(code="999999", title="From old data", in_reference=False)
    client.force_login(alice)
    response = add_form(client, "nonavailability", naics="999999")
    assert "not in the NAICS reference list" in " ".join(errors(response)["naics"])


def test_submitter_cannot_file_for_another_agency(client, alice):
    client.force_login(alice)
    response = add_form(client, "nonavailability", contracting_agency=agency(AGENCY_B).pk)
    assert "contracting_agency" in errors(response)
    assert not Waiver.objects.exists()


def test_save_and_submit_asks_for_every_field_posting_needs(client, alice):
    client.force_login(alice)
    response = add_form(client, "public_interest", rationale="", coverage="", _submit="1")
    found = errors(response)
    assert {"rationale", "coverage"} <= set(found)
    assert not Waiver.objects.exists()
    response = add_form(client, "public_interest", _submit="1")
    waiver = Waiver.objects.get()
    assert response["Location"].endswith(f"/{waiver.pk}/transition/submit/")


def test_price_preference_result_is_computed_and_shown(client, alice):
    client.force_login(alice)
    response = add_form(
        client,
        "unreasonable_cost",
        **{
            "price_preference-0-lowest_foreign_offer": "100000",
            "price_preference-0-lowest_domestic_offer": "125000",
            "price_preference-0-domestic_business_size": "large",
        },
    )
    assert response.status_code == 302, errors(response)
    waiver = Waiver.objects.get()
    assert waiver.price_preference.evaluation.evaluated_foreign_price == 120000
    page = client.get(change_url(waiver)).content.decode()
    assert "120,000.00" in page and "Unreasonable cost" in page


def test_price_preference_offers_must_be_positive(client, alice):
    client.force_login(alice)
    response = add_form(
        client,
        "unreasonable_cost",
        **{
            "price_preference-0-lowest_foreign_offer": "0",
            "price_preference-0-lowest_domestic_offer": "125000",
            "price_preference-0-domestic_business_size": "small",
        },
    )
    assert "price_preference.lowest_foreign_offer" in errors(response)


def jones(**values):
    received = timezone.make_aware(dt.datetime(2024, 3, 4, 9))
    data = {
        "jones_act-0-authority": "501b",
        "jones_act-0-requester": "Fuel Co",
        "jones_act-0-vessel_name": "Nordic Star",
        "jones_act-0-vessel_number": "9321483",
        "jones_act-0-vessel_flag": "NOR",
        "jones_act-0-cargo_type": "Diesel",
        "jones_act-0-load_port": "Houston, TX",
        "jones_act-0-discharge_port": "San Juan, PR",
        "jones_act-0-window_start": "2024-03-10",
        "jones_act-0-window_end": "2024-03-20",
        "jones_act-0-extension_days": "0",
        **split_dt("jones_act-0-received_at", received),
        **split_dt("jones_act-0-published_at", received + dt.timedelta(hours=2)),
    }
    data.update(values)
    return data


def test_valid_jones_act_request_is_saved_with_flag_normalised(client, alice):
    client.force_login(alice)
    response = add_form(client, "jones_act", **jones())
    assert response.status_code == 302, errors(response)
    assert Waiver.objects.get().jones_act.vessel_flag == "NO"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        # decided 47 hours after publication
        (
            {
                "jones_act-0-decision": "granted",
                "jones_act-0-valid_days": "10",
                **split_dt(
                    "jones_act-0-decided_at", timezone.make_aware(dt.datetime(2024, 3, 6, 10))
                ),
            },
            "decided_at",
            "48 hours",
        ),
        (
            {
                "jones_act-0-decision": "granted",
                "jones_act-0-valid_days": "11",
                **split_dt(
                    "jones_act-0-decided_at", timezone.make_aware(dt.datetime(2024, 3, 8, 10))
                ),
            },
            "valid_days",
            "at most 10",
        ),
        (
            {
                "jones_act-0-decision": "granted",
                "jones_act-0-valid_days": "10",
                "jones_act-0-extension_days": "11",
                **split_dt(
                    "jones_act-0-decided_at", timezone.make_aware(dt.datetime(2024, 3, 8, 10))
                ),
            },
            "extension_days",
            "at most 10",
        ),
        (
            {
                "jones_act-0-decision": "granted",
                "jones_act-0-valid_days": "5",
                "jones_act-0-laden_at_request": "on",
                **split_dt(
                    "jones_act-0-decided_at", timezone.make_aware(dt.datetime(2024, 3, 8, 10))
                ),
            },
            "laden_at_request",
            "already laden",
        ),
        (
            {
                "jones_act-0-decision": "denied",
                **split_dt(
                    "jones_act-0-decided_at", timezone.make_aware(dt.datetime(2024, 3, 8, 10))
                ),
            },
            "denial_reasons",
            "reasons",
        ),
        ({"jones_act-0-vessel_flag": "ZZ"}, "vessel_flag", "ISO 3166"),
        ({"jones_act-0-vessel_name": ""}, "vessel_name", "required"),
    ],
)
def test_jones_act_rules_are_reported_next_to_their_field(client, alice, values, field, message):
    client.force_login(alice)
    response = add_form(client, "jones_act", **jones(**values))
    assert response.status_code == 200
    assert message in " ".join(errors(response)[f"jones_act.{field}"])
    assert not Waiver.objects.exists()


def test_jones_act_decision_48_hours_after_publication_is_accepted(client, alice):
    client.force_login(alice)
    response = add_form(
        client,
        "jones_act",
        **jones(
            **{
                "jones_act-0-decision": "granted",
                "jones_act-0-valid_days": "10",
                "jones_act-0-extension_days": "10",
                **split_dt(
                    "jones_act-0-decided_at", timezone.make_aware(dt.datetime(2024, 3, 6, 11))
                ),
            }
        ),
    )
    assert response.status_code == 302, errors(response)
    assert Waiver.objects.get().jones_act.total_days == 20


def urgent(**values):
    data = {
        "urgent_report-0-contract_number": "75F40122C00019",
        "urgent_report-0-contract_signed_date": "2022-03-01",
        "urgent_report-0-urgency_contributed": "yes",
        "urgent_report-0-urgency_explanation": "Outbreak response.",
        "urgent_report-0-mission_impact": "Tests could not run.",
    }
    data.update(values)
    return data


def test_valid_urgent_report_is_saved(client, alice):
    client.force_login(alice)
    response = add_form(client, "urgent_report", **urgent())
    assert response.status_code == 302, errors(response)
    assert Waiver.objects.get().urgent_report.contract_number == "75F40122C00019"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"urgent_report-0-urgency_explanation": ""}, "urgency_explanation"),
        ({"urgent_report-0-mission_impact": ""}, "mission_impact"),
        ({"urgent_report-0-contract_number": "75F401-22-C"}, "contract_number"),
        ({"urgent_report-0-contract_signed_date": "2999-01-01"}, "contract_signed_date"),
    ],
)
def test_urgent_report_fields_are_checked(client, alice, values, field):
    client.force_login(alice)
    response = add_form(client, "urgent_report", **urgent(**values))
    assert f"urgent_report.{field}" in errors(response)
    assert not Waiver.objects.exists()


def test_posted_waiver_changes_only_by_an_amendment_with_a_reason(client, alice):
    waiver = post(make_draft(contracting_agency=agency(AGENCY_A)))
    client.force_login(alice)
    page = client.get(change_url(waiver))
    assert b"amendment_reason" in page.content
    data = form_data(page)
    data["summary"] = "Corrected summary."
    response = client.post(change_url(waiver), data)
    assert "amendment_reason" in errors(response)
    waiver.refresh_from_db()
    assert waiver.summary != "Corrected summary."
    data["amendment_reason"] = "Typo in the quantity."
    assert client.post(change_url(waiver), data).status_code == 302
    waiver.refresh_from_db()
    assert waiver.summary == "Corrected summary."
    entry = WaiverAuditEntry.objects.filter(waiver=waiver).first()
    assert (entry.action, entry.reason, entry.actor) == ("amended", "Typo in the quantity.", alice)
    assert [c["field"] for c in entry.changes] == ["summary"]


def test_amendment_keeps_published_identifiers_that_predate_the_format(client, alice):
    waiver = post(
        make_draft(
            contracting_agency=agency(AGENCY_A),
            piids=["NB645040-22-00745"],
            solicitation_id="NIST-NOI-22-7701173",
        )
    )
    client.force_login(alice)
    data = form_data(client.get(change_url(waiver)))
    data.update(summary="Clarified.", amendment_reason="Clarify scope.")
    assert client.post(change_url(waiver), data).status_code == 302
    waiver.refresh_from_db()
    assert (waiver.summary, waiver.piids) == ("Clarified.", ["NB645040-22-00745"])
