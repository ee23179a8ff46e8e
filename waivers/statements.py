"""Statements compiled once a process and prepared once a connection (issue 19).

A read of one waiver by its key (its API detail, its page, its history, the
waivers related to it) runs in well under a millisecond, but building and
compiling its queryset cost more than that each time (4.5 ms of an API
detail's 11 for the published row alone, at a million waivers), and
PostgreSQL planning its joins 0.4-0.5 ms more. A `Statement` asks the ORM
for the SQL of a queryset built around marker values once a process, and
has PostgreSQL prepare it once a connection (`PREPARE`, each marker a
parameter); each read is then `EXECUTE name(values)`, planned at most a few
times.

The SQL prepared is what Django's client-side cursor would send: the ORM's
parameters written in by the cursor itself (`mogrify`), the markers left as
parameters. So only querysets whose SQL depends on nothing but those values
belong here. A `Statement` gives the values_list() rows; `Instances` gives
model instances with their relations, as select_related() does (tests
compare both with the ORM's, value by value and type by type).

Prepared statements live in a database session, so they need one: a
connection pooler must keep one server session a client connection
(PgBouncer's session mode; README, "Several servers").
"""

import itertools
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

from django.db import connections
from django.db.models import Expression, Model, QuerySet

_PLACEHOLDER = re.compile(r"%%|%s")
_numbers = itertools.count(1)


class Statement:
    """The SQL of `build(*markers)` (a values_list queryset), run with other
    values in the markers' places. Each marker must be a value no query
    passes (so it is found among the compiled parameters, where it may
    appear more than once)."""

    def __init__(self, build: Callable[..., QuerySet], *markers: object):
        self._build = build
        self._markers = markers
        # The name it has in each connection (session) that prepared it.
        self._names: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()

    @cached_property
    def _compiled(self) -> tuple[str, tuple]:
        """The SQL with $1, $2, ... in the markers' places, and the other
        parameters."""
        sql, params = self._build(*self._markers).query.sql_with_params()
        numbers = {}
        for number, marker in enumerate(self._markers, start=1):
            found = [i for i, value in enumerate(params) if value == marker]
            if not found:
                raise ValueError(f"the marker {marker!r} is not among the parameters")
            numbers.update(dict.fromkeys(found, number))
        pieces, rest, position = [], [], 0
        placeholders = (match for match in _PLACEHOLDER.finditer(sql) if match.group() == "%s")
        for index, match in enumerate(placeholders):
            if index in numbers:
                pieces.append(f"{sql[position : match.start()]}${numbers[index]}")
                position = match.end()
            else:
                rest.append(params[index])
        pieces.append(sql[position:])
        return "".join(pieces), tuple(rest)

    def _run(self, using: str, values: Sequence, fetch: Callable):
        connection = connections[using]
        arguments = ", ".join(["%s"] * len(values))
        with connection.cursor() as cursor:
            session = connection.connection
            name = self._names.get(session)
            if name is not None:
                cursor.execute(f"EXECUTE {name}({arguments})", values)
            else:
                # Prepared and run in one round trip (so a read counts one
                # query), under a name never used before: if the run fails, a
                # statement it may have prepared is simply left unused.
                name = f"miao_statement_{next(_numbers)}"
                sql, params = self._compiled
                body = cursor.mogrify(sql, params).replace("%", "%%")
                cursor.execute(f"PREPARE {name} AS {body}; EXECUTE {name}({arguments})", values)
                cursor.nextset()
                self._names[session] = name
            return fetch(cursor)

    def one(self, using: str, *values) -> Sequence | None:
        """The first row (None when there is none)."""
        return self._run(using, values, lambda cursor: cursor.fetchone())

    def all(self, using: str, *values) -> list[Sequence]:
        return self._run(using, values, lambda cursor: cursor.fetchall())


def _read_fields(model: type[Model], leave_out: Sequence[str] = ()) -> list:
    """The model's columns that an instance is read with."""
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete and not field.many_to_many and field.name not in leave_out
    ]


class Instances:
    """Model instances read by a `Statement`, with the relations named in
    `related` (ORM paths, e.g. "agency" and "agency__parent") joined and set
    on them as select_related() would, a missing one as None. `leave_out`:
    fields of the model itself left unread (deferred). `annotations`: read
    after the columns and set as attributes, as annotate() would."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *markers: object,
        related: Sequence[str] = (),
        leave_out: Sequence[str] = (),
        annotations: Mapping[str, Expression] | None = None,
    ):
        root = build(*markers).model
        self._parts = [("", root, _read_fields(root, leave_out))]
        for path in sorted(related, key=lambda path: path.count("__")):  # parents first
            parent_path, _, name = path.rpartition("__")
            parent = next(model for at, model, _ in self._parts if at == parent_path)
            model = parent._meta.get_field(name).related_model
            self._parts.append((path, model, _read_fields(model)))
        columns = [
            f"{path}__{field.attname}" if path else field.attname
            for path, _, fields in self._parts
            for field in fields
        ]
        self._annotations = dict(annotations or {})
        names = list(self._annotations)
        self._statement = Statement(
            lambda *values: (
                build(*values).annotate(**self._annotations).values_list(*columns, *names)
            ),
            *markers,
        )

    def _instance(self, using: str, row: Sequence) -> Model:
        objects: dict[str, Model | None] = {}
        start = 0
        for path, model, fields in self._parts:
            values = row[start : start + len(fields)]
            start += len(fields)
            instance = None
            if values[[field.primary_key for field in fields].index(True)] is not None:
                values = [
                    field.from_db_value(value, None, connections[using])
                    if value is not None and hasattr(field, "from_db_value")
                    else value
                    for field, value in zip(fields, values, strict=True)
                ]
                instance = model.from_db(using, [field.attname for field in fields], values)
            objects[path] = instance
            if path:
                parent_path, _, name = path.rpartition("__")
                parent = objects[parent_path]
                if parent is not None:
                    relation = parent._meta.get_field(name)
                    if instance is None and relation.auto_created:
                        # No row on the other side of a reverse one-to-one: cached
                        # as missing, as select_related() leaves it.
                        relation.set_cached_value(parent, None)
                    else:
                        setattr(parent, name, instance)
        root = objects[""]
        for name, value in zip(self._annotations, row[start:], strict=True):
            setattr(root, name, value)
        return root

    def one(self, using: str, *values) -> Model | None:
        row = self._statement.one(using, *values)
        return None if row is None else self._instance(using, row)

    def all(self, using: str, *values) -> list[Model]:
        return [self._instance(using, row) for row in self._statement.all(using, *values)]
