"""A replica alias for the tests that import this module: a mirror of the test
database, set up with it (as settings do for DATABASE_REPLICA_URLS, whose
aliases mirror the primary in tests). It is used only where a test sets
DATABASE_REPLICAS; a second connection to the same database sees what the
primary has committed, as a caught-up replica does."""

from django.db import DEFAULT_DB_ALIAS, connections

ALIAS = "replica_1"

if ALIAS not in connections.settings:
    connections.settings[ALIAS] = {
        **connections.settings[DEFAULT_DB_ALIAS],
        "TEST": {**connections.settings[DEFAULT_DB_ALIAS]["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    }
