"""waivers.planning: joins planned in the written order, only inside the block."""

import pytest
from django.db import connection, transaction

from waivers.planning import joins_as_written

pytestmark = pytest.mark.django_db


def setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


def test_joins_are_planned_as_written_inside_the_block_only():
    before = setting()
    assert before != "1"
    with joins_as_written("default"):
        assert setting() == "1"
    assert setting() == before


def test_the_setting_is_put_back_inside_an_outer_transaction():
    before = setting()
    with transaction.atomic():
        with joins_as_written("default"):
            assert setting() == "1"
        assert setting() == before


def test_an_error_inside_the_block_puts_the_setting_back():
    before = setting()
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), joins_as_written("default"):
            1 / 0  # noqa: B018
        assert setting() == before
