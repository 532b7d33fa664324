"""The peak resident memory of this process since it started its program.

``getrusage(RUSAGE_SELF).ru_maxrss`` is not that for a process started by ``subprocess``: Linux
folds the peak of the memory image the child replaced at ``exec`` (its parent's, shared through
``fork`` or ``vfork``) into it, so a child started from a 1 GB pytest process reports at least
1 GB whatever it did. ``VmHWM`` in ``/proc/self/status`` is the high-water mark of the process's
own memory image, which ``exec`` starts afresh.
"""

from __future__ import annotations

import resource
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float:
    """This program's peak resident memory in MB (``ru_maxrss`` where there is no ``/proc``)."""
    try:
        lines = STATUS.read_text().splitlines()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # reported in kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
