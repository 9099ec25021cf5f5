"""Pure-Python batches (cleaning, redaction, segmenting) on worker processes.

One process runs Python on one core, however many the machine has; torch's embedding already
uses them all, but the stages before it would not. This module imports only the standard
library and psutil, because every worker imports it (to run its start-up function).
"""

from __future__ import annotations

import atexit
import importlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TYPE_CHECKING, TypeVar

import psutil

if TYPE_CHECKING:
    from pipelines.compute import MapBatches

R = TypeVar("R")
RUN_CHECK_SECONDS = 0.5
# Pools by number of workers: done once every worker of the pool is up.
_pools: dict[int, Future[ProcessPoolExecutor]] = {}


def on_worker_processes(workers: int) -> MapBatches:
    """A MapBatches that runs batches on `workers` processes; results come in batch order.

    Starting the processes takes seconds (spaCy and the stage's imports), so they start on
    a thread while the map runs its first batches here, and take over once they are up: a
    small run loses nothing to them. Once up, they serve later maps at once, until
    `stop_worker_processes`. They fork from a fork server, not from the caller, whose Prefect
    and torch threads a fork would copy mid-flight. A few batches per process are in flight,
    so results waiting to be written stay small.
    """
    if workers <= 1:
        return _in_this_process

    def map_batches(fn: Callable[..., R], batches: Iterable[tuple]) -> Iterator[R]:
        pending = iter(batches)
        starting = _start_pool(workers, fn.__module__)
        while not starting.done():
            args = next(pending, None)
            if args is None:
                return
            yield fn(*args)
        pool = starting.result()
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


def start_worker_processes(workers: int, module: str, warm_up: Callable[[], object] | None = None, *, wait: bool = True) -> None:
    """Start `workers` processes with `module` imported, each calling `warm_up` (loading the
    models its batches use) before its first batch; wait until they are up, or not."""
    starting = _start_pool(workers, module, warm_up)
    if wait:
        starting.result()


def stop_worker_processes() -> None:
    """Stop the processes started so far (a later map starts new ones)."""
    while _pools:
        starting = _pools.popitem()[1]
        wait([starting])
        if starting.exception() is None:
            starting.result().shutdown(cancel_futures=True)


def _in_this_process(fn: Callable[..., R], batches: Iterable[tuple]) -> Iterator[R]:
    return (fn(*args) for args in batches)


def _start_pool(workers: int, module: str, warm_up: Callable[[], object] | None = None) -> Future[ProcessPoolExecutor]:
    """The pool of `workers` processes, started on a thread (the first process start waits
    for the fork server's imports); done once each worker has imported `module` (and called
    `warm_up`). A pool already started, or starting, is the one returned."""
    if workers not in _pools:
        starting: Future[ProcessPoolExecutor] = Future()

        def start() -> None:
            try:
                # The fork server (started once) imports the module; each worker forks with it loaded.
                get_context("forkserver").set_forkserver_preload([module])
                pool = ProcessPoolExecutor(
                    workers, mp_context=get_context("forkserver"), initializer=_start_worker,
                    initargs=(os.getpid(), warm_up),
                )
                for up in [pool.submit(_import, module) for _ in range(workers)]:
                    up.result()
                starting.set_result(pool)
            except BaseException as error:  # handed to the map that waits on it
                starting.set_exception(error)

        threading.Thread(target=start, name="start-worker-processes", daemon=True).start()
        _pools[workers] = starting
    return _pools[workers]


def _import(module: str) -> None:
    importlib.import_module(module)


def _start_worker(run_pid: int, warm_up: Callable[[], object] | None) -> None:
    _exit_with_run(run_pid)
    if warm_up is not None:
        warm_up()


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
