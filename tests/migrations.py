"""Testing a data migration on rows written before it: step back to the migration before it,
write rows with the models as they were then, and step forward to the latest again."""
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def models_as_of(app: str, migration: str) -> Iterator[Apps]:
    """Within the block the database is at `app`'s `migration`, and the yielded registry holds
    the models as they were then; on leaving, every migration is applied again."""
    executor = MigrationExecutor(connection)
    executor.migrate([(app, migration)])
    try:
        yield executor.loader.project_state([(app, migration)]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
