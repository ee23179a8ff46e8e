"""waivers.planning: a PostgreSQL setting changed only inside the block."""

import pytest
from django.db import connection, transaction

from waivers.planning import local_setting

pytestmark = pytest.mark.django_db


def setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


def test_the_setting_holds_inside_the_block_only():
    before = setting()
    assert before != "1"
    with local_setting("default", "join_collapse_limit", "1"):
        assert setting() == "1"
    assert setting() == before


def test_the_setting_is_put_back_inside_an_outer_transaction():
    before = setting()
    with transaction.atomic():
        with local_setting("default", "join_collapse_limit", "1"):
            assert setting() == "1"
        assert setting() == before


def test_an_error_inside_the_block_puts_the_setting_back():
    before = setting()
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), local_setting("default", "join_collapse_limit", "1"):
            1 / 0  # noqa: B018
        assert setting() == before
