"""The reference lists (agencies, NAICS and PSC codes) in the test database.

They are loaded from the CSV files once per test process (conftest's
django_db_setup). A test that commits for real (a transactional or live-server
test) ends with a flush of every table, the lists included; `ensure()` puts
them back from a copy of their rows taken after the first load, with one COPY
a table instead of reading and checking the CSV files again.
"""

import os

from django.core.management import call_command
from django.db import connection, transaction

_rows: dict[str, bytes] = {}  # table -> its rows in COPY's text format


def _tables() -> list[str]:
    from agencies.models import Agency
    from waivers.models import NaicsCode, PscCode

    return [model._meta.db_table for model in (Agency, NaicsCode, PscCode)]


def load() -> None:
    """Load the lists from the CSV files and keep a copy of their rows."""
    with open(os.devnull, "w") as devnull:
        call_command("load_reference", verbosity=0, stdout=devnull)
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                _rows[table] = b"".join(bytes(block) for block in copy)


def ensure() -> None:
    """Put the lists back when a flush removed them."""
    from agencies.models import Agency

    if Agency.objects.exists():
        return
    if not _rows:
        load()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(_rows[table])
