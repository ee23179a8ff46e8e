"""PostgreSQL settings for one block of statements."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def local_setting(using: str, name: str, value: str) -> Iterator[None]:
    """Inside the block, PostgreSQL setting `name` is `value` on database
    `using`. It is set for a savepoint (or transaction) of its own and put
    back before the block ends, so it never outlives the block, whether the
    block is nested in a request's transaction or not (an error inside rolls
    the savepoint back, and the setting with it)."""
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value]
            )
            previous = cursor.fetchone()[0]
        yield
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, previous])
