# The staff users of the admin tests (submitter of agency A, submitter of
# agency B, viewer of A, MIAO reviewer, superuser, staff with no role), their
# waivers; the reference-list reload of the alert tests.
from tests.admin.conftest import (  # noqa: F401
    alice,
    bob,
    draft_a,
    draft_b,
    nobody,
    posted_a,
    posted_b,
    rita,
    root,
    victor,
)
from tests.alerts.conftest import reference_data  # noqa: F401
