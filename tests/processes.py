"""Run a function in several real OS processes, each with its own database connection.

Concurrency claims are only worth what the race behind them is: these are forked
processes that start together at a barrier and hit PostgreSQL at once.
"""
import multiprocessing
from urllib.parse import quote, urlencode
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

_context = multiprocessing.get_context("fork")


def _child(target: Callable, args: tuple, barrier, results, index: int) -> None:
    try:
        barrier.wait(timeout=60)
        results.put((index, "ok", target(*args)))
    except BaseException as exc:  # report everything, the parent asserts on it
        results.put((index, "error", f"{exc.__class__.__name__}: {exc}"))
    finally:
        connections.close_all()


def run_in_processes(target: Callable, args_per_process: Sequence[tuple], timeout: float = 120) -> list[Any]:
    """Start one process per args tuple at once; return their results in order.

    The parent's connections are closed first so no child inherits (and later closes)
    a socket that belongs to the parent. A child's exception fails the caller.
    """
    connections.close_all()
    barrier = _context.Barrier(len(args_per_process))
    results = _context.Queue()
    processes = [
        _context.Process(target=_child, args=(target, args, barrier, results, index))
        for index, args in enumerate(args_per_process)
    ]
    for process in processes:
        process.start()
    collected = {}
    for _ in processes:
        index, outcome, value = results.get(timeout=timeout)
        collected[index] = (outcome, value)
    for process in processes:
        process.join(timeout=timeout)
    errors = [value for outcome, value in collected.values() if outcome == "error"]
    if errors:
        raise AssertionError(f"{len(errors)} process(es) failed, first: {errors[0]}")
    return [collected[index][1] for index in range(len(processes))]


def database_url(settings_dict: dict, **extra: str | int) -> str:
    """A DATABASE_URL for another process to reach the database `settings_dict` describes
    (the embedded server passes its socket folder as the `host` option); `extra` goes in
    the query string, e.g. CONN_MAX_AGE."""
    credentials = f"{quote(settings_dict['USER'] or '', safe='')}:{quote(settings_dict['PASSWORD'] or '', safe='')}"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    options = {name: value for name, value in settings_dict["OPTIONS"].items() if isinstance(value, str | int)}
    options.update(extra)
    query = f"?{urlencode(options)}" if options else ""
    return f"postgresql://{credentials}@{settings_dict['HOST']}{port}/{settings_dict['NAME']}{query}"
