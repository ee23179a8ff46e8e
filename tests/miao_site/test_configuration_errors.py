"""A configuration error stops every manage.py command with one clear line
naming the variable (and a hint), never a traceback."""

import pytest

from tests.miao_site.test_deploy_check import PRODUCTION, run_manage


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"SECRET_KEY": ""},
            "SECRET_KEY must be set when DEBUG is false (for development, set DEBUG=true).",
        ),
        (
            {"TIME_ZONE": "Mars/Base"},
            "TIME_ZONE must be an IANA time zone such as America/New_York, not 'Mars/Base'.",
        ),
        (
            {"DATABASE_CONN_MAX_AGE": "-5"},
            "DATABASE_CONN_MAX_AGE must be at least 0, not -5.",
        ),
        (
            {"LOGIN_FAILURE_LIMIT": "0"},
            "LOGIN_FAILURE_LIMIT must be at least 1, not 0.",
        ),
    ],
    ids=["no secret key", "unknown time zone", "negative connection age", "no login failures"],
)
def test_a_configuration_error_is_one_line(overrides, message):
    result = run_manage("migrate", "--check", **{**PRODUCTION, **overrides})
    assert result.returncode == 1
    assert result.stderr == f"Configuration error: {message}\n"
    assert result.stdout == ""
