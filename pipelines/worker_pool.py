"""Pure-Python batches (cleaning, redaction, segmenting) on worker processes.

One process runs Python on one core, however many the machine has; torch's embedding already
uses them all, but the stages before it would not. This module imports only the standard
library and psutil, because every worker imports it (to run its start-up function).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TYPE_CHECKING, TypeVar

import psutil

if TYPE_CHECKING:
    from pipelines.compute import MapBatches

R = TypeVar("R")
RUN_CHECK_SECONDS = 0.5
# About what the processes take to start (imports of spaCy and the stage's modules).
START_AFTER_SECONDS = 5.0
_pools: dict[int, ProcessPoolExecutor] = {}  # by number of workers


def on_worker_processes(workers: int, start_after_seconds: float = START_AFTER_SECONDS) -> MapBatches:
    """A MapBatches that runs batches on `workers` processes; results come in batch order.

    Starting the processes costs a few seconds of imports, so a map runs its batches here
    until they have taken `start_after_seconds`, and only the rest on the processes: a small
    run never pays for them, a large one barely notices the wait. Once started, they serve
    later maps at once, until `stop_worker_processes`. They fork from a fork server, not from
    the caller, whose Prefect and torch threads a fork would copy mid-flight. A few batches
    per process are in flight, so results waiting to be written stay small.
    """
    if workers <= 1:
        return _in_this_process

    def map_batches(fn: Callable[..., R], batches: Iterable[tuple]) -> Iterator[R]:
        pending = iter(batches)
        began = time.perf_counter()
        while workers not in _pools and time.perf_counter() - began < start_after_seconds:
            args = next(pending, None)
            if args is None:
                return
            yield fn(*args)
        # The fork server (started once) imports the first batch function's module; each
        # worker forks with it loaded.
        get_context("forkserver").set_forkserver_preload([fn.__module__])
        pool = _worker_pool(workers)
        in_flight: deque[Future] = deque()
        try:
            for args in pending:
                in_flight.append(pool.submit(fn, *args))
                if len(in_flight) >= 2 * workers:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        except BrokenProcessPool:
            _pools.pop(workers, None)  # a worker died (killed, out of memory): a retry starts anew
            raise
        finally:
            for future in in_flight:
                future.cancel()

    return map_batches


def _in_this_process(fn: Callable[..., R], batches: Iterable[tuple]) -> Iterator[R]:
    return (fn(*args) for args in batches)


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    if workers not in _pools:
        _pools[workers] = ProcessPoolExecutor(
            workers, mp_context=get_context("forkserver"), initializer=_exit_with_run, initargs=(os.getpid(),)
        )
    return _pools[workers]


def stop_worker_processes() -> None:
    """Stop the processes started so far (a later map starts new ones)."""
    while _pools:
        _pools.popitem()[1].shutdown(cancel_futures=True)


def _exit_with_run(run_pid: int) -> None:
    """A worker waits on a queue that it, and the fork server, also hold the writing end of,
    so neither would notice a killed run (SIGKILL runs no clean-up): each worker watches the
    run's process and leaves when it is gone."""
    run = psutil.Process(run_pid)  # compares start times too, so a reused pid is not the run

    def watch() -> None:
        while run.is_running():
            time.sleep(RUN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-run", daemon=True).start()


atexit.register(stop_worker_processes)
