"""Statements compiled once a process and prepared once a connection (issue 19).

A read of one waiver by its key (its API detail, its page's history) runs in
well under a millisecond, but building and compiling its queryset cost more
than that each time (4.5 ms of an API detail's 11 for the published row
alone, at a million waivers), and PostgreSQL planning the detail's eleven
joins 0.5 ms more. A `Statement` asks the ORM for the SQL of a queryset
built around a marker value once a process, and has PostgreSQL prepare it
once a connection (`PREPARE`, with the marker as its one parameter); each
read is then `EXECUTE name(value)`, planned at most a few times.

The SQL prepared is what Django's client-side cursor would send: the ORM's
parameters written in by the cursor itself (`mogrify`), except the marker.
So only querysets whose SQL depends on nothing but that one value belong
here, read as plain values (no field converts them: tests compare each
statement's rows, value by value and type by type, with the ORM's).

Prepared statements live in a database session, so they need one: behind a
connection pooler in transaction mode (PgBouncer), point DATABASE_URL at the
server or use a pooler that keeps prepared statements (README).
"""

import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from functools import cached_property

from django.db import connections
from django.db.models import QuerySet

_PLACEHOLDER = re.compile(r"%%|%s")
_numbers = itertools.count(1)


class Statement:
    """The SQL of `build(marker)` (a values_list queryset), run with any value
    in the marker's place. The marker must be a value no query passes and
    must appear exactly once among the compiled parameters."""

    def __init__(self, build: Callable[[object], QuerySet], marker: object):
        self._build = build
        self._marker = marker
        # The name it has in each connection (session) that prepared it.
        self._names: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()

    @cached_property
    def _compiled(self) -> tuple[str, tuple]:
        """The SQL with `$1` in the marker's place, and the other parameters."""
        sql, params = self._build(self._marker).query.sql_with_params()
        (position,) = (i for i, value in enumerate(params) if value == self._marker)
        placeholders = (match for match in _PLACEHOLDER.finditer(sql) if match.group() == "%s")
        marker = next(itertools.islice(placeholders, position, None))
        sql = f"{sql[: marker.start()]}$1{sql[marker.end() :]}"
        return sql, (*params[:position], *params[position + 1 :])

    def _run(self, using: str, value, fetch: Callable):
        connection = connections[using]
        with connection.cursor() as cursor:
            session = connection.connection
            name = self._names.get(session)
            if name is not None:
                cursor.execute(f"EXECUTE {name}(%s)", [value])
            else:
                # Prepared and run in one round trip (so a read counts one
                # query), under a name never used before: if the run fails, a
                # statement it may have prepared is simply left unused.
                name = f"miao_statement_{next(_numbers)}"
                sql, params = self._compiled
                body = cursor.mogrify(sql, params).replace("%", "%%")
                cursor.execute(f"PREPARE {name} AS {body}; EXECUTE {name}(%s)", [value])
                cursor.nextset()
                self._names[session] = name
            return fetch(cursor)

    def one(self, using: str, value) -> Sequence | None:
        """The first row (None when there is none)."""
        return self._run(using, value, lambda cursor: cursor.fetchone())

    def all(self, using: str, value) -> list[Sequence]:
        return self._run(using, value, lambda cursor: cursor.fetchall())
