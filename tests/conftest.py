import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters (API, downloads) and cached figures live in the
    cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference lists (agencies, NAICS, PSC) once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes commit, as in production (a transactional test),
    for behaviour that depends on what other transactions see, such as the
    shared cache. The flush after each transactional test empties every table,
    so the reference lists are loaded again when they are missing."""
    from agencies.models import Agency

    if not Agency.objects.exists():
        call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    from tests.smtp import LoopbackSMTP

    server = LoopbackSMTP()
    server.start()
    server.configure(settings)
    yield server
    server.stop()
