"""Mail and alert settings come from the environment, parsed strictly."""

import pytest


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ALERTS_RATE_PER_CLIENT", "often", "ALERTS_RATE_PER_CLIENT must look like 60/minute"),
        ("ALERTS_RATE_PER_ADDRESS", "0/hour", "ALERTS_RATE_PER_ADDRESS must look like 60/minute"),
        ("ALERTS_DIGEST_HOUR", "24", "ALERTS_DIGEST_HOUR must be an hour from 0 to 23"),
        ("OUTBOX_MAX_ATTEMPTS", "0", "OUTBOX_MAX_ATTEMPTS must be at least 1"),
        ("OUTBOX_FAILING_AFTER", "three", "OUTBOX_FAILING_AFTER must be a whole number"),
        ("EMAIL_TIMEOUT", "-1", "EMAIL_TIMEOUT must be at least 1"),
    ],
)
def test_bad_mail_settings_stop_start_up_with_a_message(variable, value, message):
    from tests.miao_site.test_deploy_check import PRODUCTION, run_manage

    result = run_manage("check", **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert message in result.stderr
