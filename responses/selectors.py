"""Public reads of supplier responses: the count (kept on the waiver,
Waiver.supplier_response_count, so pages, exports and the API read one
column) and the respondents who agreed to be named: company name and state,
nothing else."""

from responses.models import STATE_NAMES, SupplierResponse
from waivers.models import Waiver


def public_respondents(waiver: Waiver) -> list[dict]:
    """Company name and state of the confirmed responses whose company agreed
    to be named, in the order they were confirmed."""
    rows = (
        SupplierResponse.objects.named_publicly()
        .filter(waiver=waiver)
        .order_by("confirmed_at", "id")
        .values_list("company_name", "state")
    )
    return [{"company_name": name, "state": STATE_NAMES.get(state, state)} for name, state in rows]


def public_summary(waiver: Waiver) -> dict:
    """What a waiver's page says about responses."""
    return {
        "response_count": waiver.supplier_response_count,
        "respondents": public_respondents(waiver) if waiver.supplier_response_count else [],
    }
