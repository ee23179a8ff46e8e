"""The site's Content-Security-Policy in real Chromium: the guard every
browser test ends with (tests/browser/conftest.py) notices a violation, and
the pages no other browser test opens (the staff admin) break no policy."""

import pytest

from tests.browser.conftest import assert_no_policy_messages, policy_messages
from tests.factories import UserFactory, WaiverFactory


def test_the_guard_notices_an_inline_script_the_policy_refuses(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    messages = policy_messages(page)
    page.goto("/about/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None  # refused: never ran
    context.close()
    assert len(messages) == 1 and "Content Security Policy" in messages[0]
    with pytest.raises(AssertionError):
        assert_no_policy_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_staff_admin_pages_break_no_policy(page):
    user = UserFactory(username="csp-root", is_staff=True, is_superuser=True)
    user.set_password("a long enough password")
    user.save()
    waiver = WaiverFactory()
    page.goto("/admin/login/")
    page.fill("#id_username", "csp-root")
    page.fill("#id_password", "a long enough password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for path in (
        "/admin/",
        "/admin/waivers/waiver/",
        f"/admin/waivers/waiver/{waiver.pk}/change/",
        "/admin/waivers/waiver/add/",
        "/admin/auth/user/",
    ):
        response = page.goto(path)
        assert response.status == 200, path
    # The admin's own scripts ran (the policy allows its files).
    page.goto("/admin/waivers/waiver/")
    page.check("#action-toggle")
    assert page.locator("input.action-select:checked").count() == 1
