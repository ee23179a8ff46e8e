"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright
against pytest-django's live server. Without Chromium the tests skip, unless
REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails the run."""

import os
import shutil
from pathlib import Path

import pytest

from tests import reference

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Playwright's sync API runs an event loop; Django must allow ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Live-server tests (and the others here that commit) run in
    transactional mode, and each one's teardown flushes every table, the
    reference lists included (pytest-django runs these tests after all the
    others). Put the lists back when a flush removed them."""
    if not {"live_server", "transactional_db"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    reference.ensure()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} and REQUIRE_BROWSER=1")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# What Chromium writes to the console when a Content-Security-Policy or a
# Permissions-Policy refuses something, or when it cannot read one.
POLICY_MESSAGES = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


def policy_messages(page) -> list[str]:
    """Collect, as the page runs, every console message in which the browser
    reports a policy violation (CSP refusing a script, a style, an image, a
    fetch or a frame) or a policy it could not read."""
    messages = []

    def record(message):
        if any(marker in message.text for marker in POLICY_MESSAGES):
            messages.append(f"{message.type}: {message.text} ({page.url})")

    page.on("console", record)
    return messages


def assert_no_policy_messages(messages: list[str]) -> None:
    """Every browser test ends here: a page of the site that breaks its own
    Content-Security-Policy or Permissions-Policy fails the test."""
    assert messages == [], "\n".join(messages)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    messages = policy_messages(page)
    yield page
    context.close()
    assert_no_policy_messages(messages)


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    messages = policy_messages(page)
    yield page
    context.close()
    assert_no_policy_messages(messages)


def axe_violations(page, *, rules_off: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page; return violations."""
    # Evaluated through the DevTools protocol: the site's Content-Security-Policy
    # rightly refuses an inline <script> (add_script_tag), and bypassing the
    # policy would hide the violations the page fixtures look for.
    page.evaluate(AXE_JS.read_text())
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    if rules_off:
        options["rules"] = {rule: {"enabled": False} for rule in rules_off}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
