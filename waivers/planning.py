"""PostgreSQL settings for one block of statements: `local_setting`, and the
joins of reads of a few rows by key planned in the written order."""

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


@contextmanager
def joins_as_written(using: str) -> Iterator[None]:
    """Inside the block, PostgreSQL joins tables in the order the statement
    names them (join_collapse_limit = 1) instead of searching every order.

    For statements that find a few waivers by key (a page after a cursor;
    the reads of one waiver are prepared once a connection instead,
    waivers.statements) and join their lookup tables to them (agencies and
    their departments, codes, type details), that order is the best one and
    the search costs more than running them: at a million waivers, planning
    an API cursor page took 9.5 ms to run it in 0.5 ms; in the written
    order, 1.1 ms. Not for searches: sorted on a joined table (agency name),
    the written order read every match (2 s instead of 8 ms)."""
    with local_setting(using, "join_collapse_limit", "1"):
        yield
