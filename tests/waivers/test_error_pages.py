"""The site's own 404 and 500 pages."""

import pytest
from django.template.loader import render_to_string


def test_500_page_renders_without_a_request_or_the_database():
    # Django's server_error view renders 500.html with an empty context. This
    # test has no database access (pytest-django blocks it), so a page that
    # needed the database would fail here.
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "css/uswds.css" in html
    assert "usa-banner" in html


@pytest.mark.django_db
def test_404_page_is_in_the_site_style(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/waivers/"' in html
    assert "usa-header" in html
