"""A `map` over the machine's cores, for the curation core's independent pieces of work.

`curation.propose_bundles` packs its groups, builds its bundles and diagnoses its leftovers
through a `mapper` it is given (the core starts no process). This one forks: each child
inherits the function and its inputs as they are in memory (a province's catalog is never
pickled), takes items one at a time until none is left, and sends back only its results.
The calling process takes its share meanwhile (the first item always), so n processes use
n cores. Results come back in the items' order, as `map` gives them, which keeps a proposal
identical to the one-process run (tested).

Forking is only worth it on a large catalog: below `PARALLEL_FILMS` films the curation runs
in the calling process (`mapper_for`).
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

from threadpoolctl import threadpool_limits

from curation import Mapper

# Films that fit the slot, from which a proposal spreads over the cores: 4,201 such films
# (10,000 in the catalog) were proposed in 3.2 s instead of 4.6 s, 1,298 in 0.42 s
# instead of 0.51 s (bench data, 2 cores); a small catalog stays in the calling process.
PARALLEL_FILMS = 2_000


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def mapper_for(films: int, processes: int | None = None) -> Mapper | None:
    """A forking map for a catalog of `films` that fit the slot, None (the plain `map`) for a
    small one, a single core or a platform without fork."""
    processes = processes or cores()
    if films < PARALLEL_FILMS or processes < 2:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return lambda fn, items: forked_map(fn, items, processes)


def forked_map(fn: Callable[[Any], Any], items: Sequence[Any], processes: int = 2) -> list[Any]:
    """`[fn(x) for x in items]`, the items shared out among `processes` processes: this one
    runs the first item, then each process takes the next item not yet taken (so a long item
    does not hold the others back). A child's error is raised here with its traceback."""
    items = list(items)
    processes = max(1, min(processes, len(items)))
    if processes == 1:
        return [fn(x) for x in items]
    context = multiprocessing.get_context("fork")
    following = context.Value("q", 1)  # the next item to take: the first is this process's
    children = []
    # One BLAS thread in each process (children inherit it): n processes already fill n
    # cores, and BLAS threads that spin waiting for work took a second core from the other
    # process (100k films: 23.5 s of CPU for a 12.5 s proposal).
    limits = threadpool_limits(limits=1, user_api="blas")
    try:
        for _ in range(processes - 1):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(fn, items, following, send), daemon=True)
            child.start()
            send.close()
            children.append((child, receive))
        results: list[Any] = [None] * len(items)
        results[0] = fn(items[0])
        for i in _taken(following, len(items)):
            results[i] = fn(items[i])
        for child, receive in children:
            try:
                status, payload = receive.recv()
            except EOFError:
                child.join()
                raise RuntimeError(
                    f"a curation process stopped without an answer (exit code {child.exitcode})"
                ) from None
            if status == "error":
                raise RuntimeError(f"a curation process failed:\n{payload}")
            for i, result in payload:
                results[i] = result
            child.join()
        return results
    finally:
        limits.restore_original_limits()
        for child, receive in children:
            receive.close()
            if child.is_alive():
                child.terminate()
                child.join()


def _taken(following: Any, n: int) -> Iterator[int]:
    """The items this process takes, one at a time, until none is left."""
    while True:
        with following.get_lock():
            i = following.value
            following.value = i + 1
        if i >= n:
            return
        yield i


def _child(fn: Callable[[Any], Any], items: list[Any], following: Any, send: Connection) -> None:
    try:
        answer: tuple[str, Any] = ("ok", [(i, fn(items[i])) for i in _taken(following, len(items))])
    except BaseException:  # every failure goes back to the parent, with its traceback
        answer = ("error", traceback.format_exc())
    send.send(answer)
    send.close()
