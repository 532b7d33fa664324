"""Run ``qa`` with a crash injected: SIGKILL this process at the N-th index progress event.

Crash-safety tests start it as ``python -m tests.index.crashing_cli N qa-arguments...``. It
wraps ``IndexBuilder.update`` so every progress event is counted (after the CLI's own
callback, if any), then calls the real CLI. With N = 0 nothing is injected. The shipped CLI
has no fault switch; this module is the only way to get one.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from typing import Any

from index import IndexBuilder, IndexProgress
from ui import cli


def _killing(events: int, then: Any) -> Any:
    seen = 0

    def progress(event: IndexProgress) -> None:
        nonlocal seen
        if then is not None:
            then(event)
        seen += 1
        if seen >= events:
            os.kill(os.getpid(), signal.SIGKILL)

    return progress


def main(argv: list[str]) -> int:
    events = int(argv[0])
    if events > 0:
        real_update = IndexBuilder.update

        @functools.wraps(real_update)
        def update(self: IndexBuilder, *args: Any, **kwargs: Any) -> Any:
            kwargs["progress"] = _killing(events, kwargs.get("progress"))
            return real_update(self, *args, **kwargs)

        IndexBuilder.update = update  # type: ignore[method-assign]
    return cli.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
