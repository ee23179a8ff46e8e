"""The API's human pages in real headless Chromium: the guide passes axe-core
(WCAG 2.1 A/AA) and the interactive reference loads from our own files."""

import pytest

from tests.browser.conftest import axe_violations


@pytest.mark.django_db(transaction=True)
def test_api_guide_has_no_accessibility_violations(page):
    page.goto("/api/")
    assert page.locator("h1").inner_text() == "The waivers API"
    assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_interactive_reference_renders_without_any_outside_request(page, live_server):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto("/api/docs/")
    page.wait_for_selector("text=/api/v1/waivers/", timeout=15_000)
    assert outside == []
