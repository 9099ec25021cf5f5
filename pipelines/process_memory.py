"""Peak resident memory of this process, stage by stage.

Linux keeps a process's peak RSS (VmHWM in /proc/self/status) and lets the process reset it
(writing 5 to /proc/self/clear_refs), so each stage's own peak is exact, not sampled. Where
either is unavailable (another OS, a locked-down /proc) the peak is unknown: None.
"""

from __future__ import annotations

import re
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_PEAK_LINE = re.compile(r"^VmHWM:\s+(\d+) kB$", re.MULTILINE)


def reset_peak_rss() -> bool:
    """Start a new peak at the current RSS; False where the OS does not allow it."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> int | None:
    """This process's peak RSS in MiB since it started or since the last reset_peak_rss()."""
    try:
        match = _PEAK_LINE.search(_STATUS.read_text())
    except OSError:
        return None
    return round(int(match.group(1)) / 1024) if match else None
