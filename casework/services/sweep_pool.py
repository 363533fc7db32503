"""Schools swept on a pool of worker processes, each school in its own transaction, so that
an LA's machine sweeps with all its cores.

A worker is given the database's URL and a school's URN, does that school's work (reads its
register, runs its rules, does its case work in one transaction) and hands back its result;
the caller gets the results in the order of the URNs given. Workers are forked where the
system can (they start at once, with the rules already loaded; spawned, each would spend
about a second importing them), and open connections of their own: the connections they
inherit are let go without being closed, as SQLAlchemy's guide to pools across processes
says, so that the parent's stay good.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from casework.store.database import Database

# Below this many schools to sweep, one process does it sooner than a pool.
SCHOOLS_FOR_A_POOL = 4

T = TypeVar("T")

_DATABASES: dict[str, Database] = {}  # one per database URL in each worker process
_INHERITED: list[Database] = []  # the parent's, in a forked worker: never used there


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def pool_fits(db: Database, schools: int, workers: int) -> bool:
    """Whether a pool of `workers` would sweep `schools` schools sooner than this process: a
    second process must see the same database (not an in-memory SQLite one)."""
    url = db.engine.url
    shared = not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))
    return shared and workers > 1 and schools >= SCHOOLS_FOR_A_POOL


def _let_go_of_inherited() -> None:
    """In a forked worker: drop the parent's pooled connections without closing them."""
    for parent in _INHERITED:
        parent.engine.dispose(close=False)
    _INHERITED.clear()
    _DATABASES.clear()


def database(url: str) -> Database:
    """In a worker: the database at `url`, opened once per process."""
    found = _DATABASES.get(url)
    if found is None:
        found = _DATABASES[url] = Database(url)
    return found


def run_schools(
    db: Database,
    urns: Sequence[str],
    work: Callable[[str, str], T],
    *,
    workers: int,
    progress: Callable[[str], None] | None = None,
) -> list[T]:
    """`work(url, urn)` for every school on a pool of `workers` processes (`work` is a
    module's function, or a partial of one); the results in the order of `urns`. A school
    that fails stops the rest (the schools done stay done) and its error is raised here."""
    url = db.engine.url.render_as_string(hide_password=False)
    results: dict[str, T] = {}
    forks = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forks else "spawn")
    _INHERITED[:] = [db]
    with ProcessPoolExecutor(
        max_workers=min(workers, len(urns)),
        mp_context=context,
        initializer=_let_go_of_inherited,
    ) as pool:
        pending: dict[Future[T], str] = {pool.submit(work, url, urn): urn for urn in urns}
        while pending:
            done, _ = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                urn = pending.pop(future)
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    raise error
                results[urn] = future.result()
                if progress:
                    progress(urn)
    return [results[urn] for urn in urns]
