import pytest
from django.core.cache import cache
from django.test import override_settings

from miao_site import ratelimit
from tests import reference

# 30 s into a minute, 30 min 30 s into an hour, 12.5 h into a day (UTC).
RATE_WINDOW_CLOCK = 20_000 * 86_400 + 45_030.0


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters (API, downloads) and cached figures live in the
    cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def steady_rate_windows(monkeypatch):
    """Rate limits count in fixed windows (miao_site.ratelimit): the clock
    they follow stands still, so no window ends in the middle of a test."""
    monkeypatch.setattr(ratelimit, "clock", lambda: RATE_WINDOW_CLOCK)


@pytest.fixture(autouse=True, scope="session")
def fast_passwords():
    """Passwords are hashed with MD5 in tests. The production hasher (PBKDF2,
    a million iterations) takes about 0.3 s a hash by design, which made
    creating staff users and logging in most of the browser tests' set-up."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference lists (agencies, NAICS, PSC) once into the test database."""
    with django_db_blocker.unblock():
        reference.load()


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes commit, as in production (a transactional test),
    for behaviour that depends on what other transactions see, such as the
    shared cache. The flush after each transactional test empties every table,
    so the reference lists are put back when they are missing."""
    reference.ensure()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    from tests.smtp import LoopbackSMTP

    server = LoopbackSMTP()
    server.start()
    server.configure(settings)
    yield server
    server.stop()
