"""What the site writes to its log (LOGGING in settings)."""

import io
import logging

import pytest

from tests.factories import UserFactory


@pytest.fixture
def log_output():
    """What the configured console handler writes, for the test's duration."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_client_errors_are_logged_as_one_line_without_a_traceback(client, log_output):
    client.force_login(UserFactory(username="norole", is_staff=True))
    assert client.get("/admin/waivers/waiver/").status_code == 403
    assert client.get("/waivers/feed/", {"type": "bogus"}).status_code == 400
    output = log_output.getvalue()
    assert "Traceback" not in output
    client_errors = [line for line in output.splitlines() if line.endswith("/")]
    assert client_errors == [
        "Forbidden (Permission denied): /admin/waivers/waiver/",
        "Bad Request: /waivers/feed/",
    ]


def test_server_errors_keep_their_traceback(log_output):
    try:
        raise RuntimeError("broken")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback" in log_output.getvalue()
    assert "RuntimeError: broken" in log_output.getvalue()
