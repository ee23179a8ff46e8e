"""Settings for the Made in America waiver site.

Every value that differs between machines comes from the environment and is
parsed strictly (see miao_site/env.py); .env.example documents each variable.
"""

import datetime as dt
from pathlib import Path

import corsheaders.defaults
import csp.constants
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from miao_site.embedded_db import embedded_database_url
from miao_site.env import (
    env_bool,
    env_int,
    env_list,
    env_origins,
    env_rate,
    env_str,
    env_timezone,
    env_url,
    env_url_list,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# region Core ------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is false (for development, set DEBUG=true)."
        )
    # Development only: a fixed, obviously insecure key that never reaches production.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
# endregion

# region Applications -------------------------------------------------------
INSTALLED_APPS = [
    "miao_site.apps.StaffAdminConfig",  # django.contrib.admin with the staff site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "corsheaders",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "agencies",
    "waivers",
    "waivers.api",
    "outbox",
    "alerts",
    "responses",
    "devtools",  # development tooling: generate_waivers, bench, seed_demo
]

MIDDLEWARE = [
    # First, so it compresses the finished response; public pages only (BREACH).
    # Its weakened ETag still matches CacheHeadersMiddleware's (weak comparison).
    "miao_site.compression.PublicGZipMiddleware",
    # Next: sets Cache-Control from what every other middleware added (cookies, Vary).
    "miao_site.http_caching.CacheHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "miao_site.sessions.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waivers.caching.DataVersionMiddleware",
    # After the data version's (it reads the primary's version for the request).
    "miao_site.replicas.ReplicaMiddleware",
    # Last, as django-axes asks: turns a refused login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "miao_site.urls"
WSGI_APPLICATION = "miao_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]
# endregion

# region Database -----------------------------------------------------------
# DATABASE_URL selects a PostgreSQL server; without it an embedded server
# (pgserver) keeps its data under var/pgdata in the checkout.
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "pgsql"))
EMBEDDED_DB_DIR = BASE_DIR / "var" / "pgdata"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or embedded_database_url(EMBEDDED_DB_DIR),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# Session settings for every connection (docs/performance.md):
# - jit=off: web requests are short queries; PostgreSQL's JIT compilation (on by
#   default above jit_above_cost) costs more than it saves on them.
# - work_mem=32MB: a keyword matching a large share of the waivers needs a large
#   bitmap; under the 4 MB default it turns lossy, and PostgreSQL then re-checks
#   the search vector of every row on those pages.
# (The reads of one waiver, and of a cursor page's rows by id, are prepared
# once a connection, waivers.statements.)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c work_mem=32MB"

# Read replicas (docs/decisions/0023-read-replicas-and-cacheable-pages.md):
# DATABASE_REPLICA_URLS lists PostgreSQL streaming replicas (hot standbys),
# comma-separated. Anonymous GET and HEAD requests read from one of them
# (miao_site.replicas); writes, the admin, signed-in people and a client's
# reads for DATABASE_READ_YOUR_WRITES_SECONDS after its own write use the
# primary. A replica that is down, lags more than DATABASE_REPLICA_MAX_LAG
# seconds or has not yet replayed the primary's data version is skipped,
# with no error shown; its state is re-checked every
# DATABASE_REPLICA_CHECK_SECONDS in each process.
DATABASE_REPLICA_URLS = env_url_list(
    "DATABASE_REPLICA_URLS", schemes=("postgres", "postgresql", "pgsql")
)
DATABASE_REPLICA_MAX_LAG = env_int("DATABASE_REPLICA_MAX_LAG", 30, minimum=0)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 5, minimum=1)
DATABASE_REPLICA_CONNECT_TIMEOUT = env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2, minimum=1)
DATABASE_READ_YOUR_WRITES_SECONDS = env_int("DATABASE_READ_YOUR_WRITES_SECONDS", 15, minimum=1)
DATABASE_REPLICAS = []
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES[_alias].setdefault("OPTIONS", {}).update(
        options=DATABASES["default"]["OPTIONS"]["options"],
        connect_timeout=DATABASE_REPLICA_CONNECT_TIMEOUT,
    )
    # Tests run against one database: a replica alias there is the same database.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["miao_site.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# endregion

# region Cache --------------------------------------------------------------
# CACHE_URL: locmem:// (default; per process) or redis://host:6379/0 (shared by
# all workers; needs the `redis` package). The API's rate limits count here.
CACHE_URL = env_url("CACHE_URL", "locmem://", schemes=("locmem", "redis", "rediss"))
# Keys name the data version, whose numbers another deployment's database
# also uses: deployments sharing one Redis database need their own prefix.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "miao"}
    if CACHE_URL.startswith("locmem:")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    }
}
if not CACHE_URL.startswith("locmem:"):
    try:
        import redis  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "CACHE_URL names a Redis server, but the `redis` package is not installed "
            "(pip install redis)."
        ) from None

# Shared caches (a CDN or proxy in front of several app servers, README): an
# anonymous page may be reused for PAGE_CACHE_MAX_AGE seconds (s-maxage;
# browsers revalidate pages each time; the API's responses have max-age
# API_CACHE_MAX_AGE), and after that served stale for up to
# CACHE_STALE_WHILE_REVALIDATE seconds while the cache fetches a fresh copy.
# Pages with a form (CSRF token) or a session stay private
# (miao_site.http_caching).
PAGE_CACHE_MAX_AGE = env_int("PAGE_CACHE_MAX_AGE", 60, minimum=0)
CACHE_STALE_WHILE_REVALIDATE = env_int("CACHE_STALE_WHILE_REVALIDATE", 300, minimum=0)

# Figures over at least this many public waivers (the scorecard, a category
# or agency page) are precomputed by `manage.py refresh_figures` and read from
# their snapshot on a cold cache (waivers.snapshots). Below it they are
# computed during the request (at most about a second each on this size).
FIGURE_SNAPSHOT_MIN_WAIVERS = env_int("FIGURE_SNAPSHOT_MIN_WAIVERS", 20000, minimum=1)
# A search's result count and facet counts are exact when each query finishes
# within this many milliseconds; otherwise they are estimated from a sample of
# the table and shown as "about" (waivers.counting, decision 0025).
COUNT_BUDGET_MS = env_int("COUNT_BUDGET_MS", 50, minimum=1)
# endregion

# region Auth ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes checks every login first: it refuses a locked-out username and
# address pair before any password is compared (docs/security.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Staff login: after LOGIN_FAILURE_LIMIT failures in a row for one username
# from one address, that pair is refused for LOGIN_COOLOFF_MINUTES (each
# further try starts the wait again). A username that does not exist is
# counted and refused exactly like one that does.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "miao_site.staff_admin.client_address"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
AXES_VERBOSE = False  # no banner on every command; failures and lockouts are still logged
AXES_LOCKOUT_CALLABLE = "miao_site.staff_admin.lockout_response"

# Second factor: every staff account logs in with a password and the code of
# its authenticator app (TOTP, django-otp). On unless DEBUG; check --deploy
# warns when it is off in production (miao_site.checks).
STAFF_OTP_REQUIRED = env_bool("STAFF_OTP_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "MIAO waivers")

# Staff sessions (NIST SP 800-63B, AAL2): they end after
# STAFF_SESSION_IDLE_MINUTES without a request, STAFF_SESSION_MAX_HOURS after
# logging in, and when the browser closes (the cookie has no expiry date).
# Anonymous visitors have no session.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 3600
# endregion

# region Internationalisation ----------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True
# endregion

# region Static files -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# USWDS comes from its npm package (installed by `make install`), never a CDN:
# its fonts, images and scripts are served from there under /static/uswds/, and
# its stylesheet is built from its Sass packages into static/css/uswds.css with
# only the parts the site uses (`make css`, decision 0022).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    *(  # not dist/css: the full stylesheet is never collected nor served
        (f"uswds/{part}", BASE_DIR / "node_modules" / "@uswds" / "uswds" / "dist" / part)
        for part in ("fonts", "img", "js")
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# endregion

# region Email --------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP connection or command gives up (the outbox retries later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@madeinamerica.gov")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every message goes through the outbox (docs/outbox.md): delivery attempts
# before a message is given up, permanent refusals (5xx) in a row before an
# address is failing, and days sent or failed messages are kept.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 20, minimum=1)
OUTBOX_FAILING_AFTER = env_int("OUTBOX_FAILING_AFTER", 3, minimum=1)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7, minimum=1)
# endregion

# region Alerts ---------------------------------------------------------------
# Follow requests (and manage-link requests) per client address and per email
# address, counted in the cache (CACHE_URL): N/second, minute, hour or day.
ALERTS_RATE_PER_CLIENT = env_rate("ALERTS_RATE_PER_CLIENT", "20/hour")
ALERTS_RATE_PER_ADDRESS = env_rate("ALERTS_RATE_PER_ADDRESS", "5/hour")
# Local hour (0-23, TIME_ZONE) at which daily and weekly (Monday) digests go out.
ALERTS_DIGEST_HOUR = env_int("ALERTS_DIGEST_HOUR", 7)
if not 0 <= ALERTS_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("ALERTS_DIGEST_HOUR must be an hour from 0 to 23.")
# endregion

# region Supplier responses ----------------------------------------------------
# Responses sent per client address and per contact email address, counted in
# the cache (CACHE_URL): N/second, minute, hour or day (docs/responses.md).
RESPONSES_RATE_PER_CLIENT = env_rate("RESPONSES_RATE_PER_CLIENT", "10/hour")
RESPONSES_RATE_PER_ADDRESS = env_rate("RESPONSES_RATE_PER_ADDRESS", "5/hour")
# endregion

# region Security -----------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers check /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy on every response (django-csp): scripts, styles,
# images, fonts and fetches from this site only; no inline script or style
# unless it carries the response's nonce ({{ CSP_NONCE }}); no plugins, no
# framing (frame-ancestors, as X-Frame-Options DENY), forms post here only.
# img-src allows data: for the small SVG icons that USWDS inlines in its
# stylesheet. docs/security.md explains each directive.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.NONE],
        "script-src": [csp.constants.SELF, csp.constants.NONCE],
        "style-src": [csp.constants.SELF, csp.constants.NONCE],
        "img-src": [csp.constants.SELF, "data:"],
        "font-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],
        "manifest-src": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
        "base-uri": [csp.constants.NONE],
        "object-src": [csp.constants.NONE],
    }
}
# Permissions-Policy (django-permissions-policy): every powerful browser
# feature is denied to the site and anything it might embed; it uses none.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
}
# endregion

# region API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Proxies in front of the site: 0 means the client is REMOTE_ADDR (X-Forwarded-For
    # is not trusted); 1 means the last X-Forwarded-For entry, and so on.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0, minimum=0),
}
# Requests per client (IP address) without a key, and per key with X-Api-Key.
API_RATE_ANON = env_rate("API_RATE_ANON", "60/minute")
API_RATE_KEY = env_rate("API_RATE_KEY", "1000/minute")
# The site's downloads (/waivers/export.csv and .json) per client address.
DOWNLOAD_RATE = env_rate("DOWNLOAD_RATE", "10/minute")
# Page sizes: the default, and the most a client may ask for with page_size.
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 25)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500)
# Seconds clients and proxies may reuse an API response (Cache-Control max-age).
API_CACHE_MAX_AGE = env_int("API_CACHE_MAX_AGE", 60, minimum=0)
if not 1 <= API_PAGE_SIZE <= API_MAX_PAGE_SIZE:
    raise ImproperlyConfigured("API_PAGE_SIZE must be between 1 and API_MAX_PAGE_SIZE.")
SPECTACULAR_SETTINGS = {
    "TITLE": "Made in America waivers API",
    "DESCRIPTION": (
        "Every public proposed waiver of Made in America laws, read-only and free. "
        "The waiver list takes the website's search parameters. Guide with examples: "
        "[/api/](/api/). Anonymous clients are rate limited per IP address; an optional "
        "`X-Api-Key` raises the limit. Errors are JSON: a 400 names each bad parameter."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Operation ids (v1_waivers_list, ...) and tags are named from the path after
    # /api/, whichever endpoints exist: clients and the schema's links rely on them.
    "SCHEMA_PATH_PREFIX": r"/api/",
    # The public statuses are one choice set, whichever field shows them.
    "ENUM_NAME_OVERRIDES": {"PublicStatusEnum": "waivers.filters.PUBLIC_STATUSES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "waivers.api.schema.postprocess",
    ],
}
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
# Browser clients on other sites may send a key and read the validators and
# their rate limit (Last-Modified and Cache-Control are readable anyway).
CORS_ALLOW_HEADERS = (*corsheaders.defaults.default_headers, "x-api-key")
CORS_EXPOSE_HEADERS = ("ETag", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After")
# endregion

# region Logging ------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "miao_site.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # pgserver narrates every start and stop of the embedded server.
    "loggers": {"pgserver": {"level": "WARNING"}},
}
# endregion

# region Domain -------------------------------------------------------------
# Where the shared public data lives (reference lists and MIAO's files).
SHARED_DATA_DIR = Path(env_str("SHARED_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
# endregion
