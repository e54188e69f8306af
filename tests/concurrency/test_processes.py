"""The race harness itself: children really run in parallel, on their own connections."""
import os

import pytest
from django.db import connection

from tests.processes import run_in_processes

pytestmark = pytest.mark.django_db(transaction=True)


def backend_pid_and_os_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0], os.getpid()


def test_each_process_has_its_own_os_process_and_database_session():
    results = run_in_processes(backend_pid_and_os_pid, [()] * 6)
    assert len({backend for backend, _ in results}) == 6
    assert len({pid for _, pid in results}) == 6
    assert os.getpid() not in {pid for _, pid in results}


def fail():
    raise RuntimeError("boom")


def test_a_failing_child_fails_the_caller():
    with pytest.raises(AssertionError, match="boom"):
        run_in_processes(fail, [()] * 2)
