import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    # The browser tests allow sync ORM calls beside Playwright's event loop;
    # that switch is for tests only and check --deploy rightly rejects it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60 + "-not-a-real-secret-only-for-the-check",
    "ALLOWED_HOSTS": "waivers.example.gov",
    "CSRF_TRUSTED_ORIGINS": "https://waivers.example.gov",
    # check --deploy does not connect; a server URL avoids starting the embedded one.
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/unused",
}


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_malformed_boolean_stops_start_up():
    result = run_manage("check", **{**PRODUCTION, "DEBUG": "sometimes"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_production_requires_a_second_factor_for_staff():
    """STAFF_OTP_REQUIRED is on unless DEBUG; switched off, check --deploy
    fails (the clean check above has it on)."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "STAFF_OTP_REQUIRED": "false"},
    )
    assert result.returncode != 0
    assert "miao.W001" in result.stderr + result.stdout
    shown = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.STAFF_OTP_REQUIRED)",
        **PRODUCTION,
    )
    assert shown.stdout.strip().splitlines()[-1] == "True", shown.stderr
