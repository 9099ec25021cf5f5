"""Progress reporting from inside flow tasks to whoever started the run (the CLI).

Flow parameters must be JSON-serialisable, so the callback is registered here instead of
being passed through Prefect.
"""

from __future__ import annotations

from collections.abc import Callable

# (stage name, units done, units total)
StageProgress = Callable[[str, int, int], None]

_listener: StageProgress | None = None


def set_listener(listener: StageProgress | None) -> None:
    global _listener
    _listener = listener


def report(stage: str, done: int, total: int) -> None:
    if _listener is not None:
        _listener(stage, done, total)


def for_stage(stage: str) -> Callable[[int, int], None]:
    return lambda done, total: report(stage, done, total)
