import pytest

from tests.waivers.search_catalogue import build_catalogue


@pytest.fixture
def catalogue(db):
    return build_catalogue()


def results(response) -> list[str]:
    """Public ids of a JSON list response, in order."""
    assert response.status_code == 200, response.content
    return [row["public_id"] for row in response.json()["results"]]


def ids(*waivers) -> set[str]:
    return {waiver.public_id for waiver in waivers}


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid request parameters."
    return body["errors"]
