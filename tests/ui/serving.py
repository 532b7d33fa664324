"""Starting the web page in-process on a free port for the API and browser tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from qa import QA, Settings
from ui.app import build_app, launch_options

XSS_DOCUMENT = (
    '<img src=x onerror="window.__xssTitle = 1">Harbour committee notes\n'
    "<script>window.__xss = 1;</script>\n"
    '<img src="x" onerror="window.__xss = 2">\n'
    "The harbour committee met in Zanzibar on Tuesday. The delegates agreed that the new "
    "harbour fund would open in March 2027, after the *budget* review and the "
    "[final](javascript:window.__xss=3) vote. ${window.__xss = 4}\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def page_settings(root: Path, documents: Path, **changes: object) -> Settings:
    """Settings for a page whose index, uploads and documents all live under ``root``."""
    settings = Settings(
        index_dir=root / "index",
        documents=(documents,),
        uploads_dir=root / "uploads",
        port=free_port(),
    )
    return replace(settings, **changes)  # type: ignore[arg-type]


@contextmanager
def running_page(qa: QA, settings: Settings) -> Iterator[str]:
    """Serve the page for ``qa`` until the block ends; yields its URL."""
    app = build_app(qa, settings)
    app.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    try:
        yield f"http://{settings.host}:{settings.port}/"
    finally:
        app.close()
