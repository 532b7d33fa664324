"""The web page's /ask endpoint under load: latency for one client, then many at once.

The page is served in-process on an index of seeds/ (built in a temporary folder), with the
queue settings `qa serve` uses (two answers at a time). Each client is a gradio_client
``Client`` asking "What did Larijani say?"; the figure for N clients is the wall time until
all N have their answer, and the median and slowest single request.

Usage: .venv/bin/python benchmarks/page_concurrency.py [--clients 1 5 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradio_client import Client

from qa import QA, Settings
from ui.app import ANSWER_CONCURRENCY, build_app, launch_options

QUESTION = "What did Larijani say?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_request(url: str) -> float:
    """Seconds from a new client's first call to its answer (connection set-up included)."""
    started = time.perf_counter()
    result = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
    if not isinstance(result, dict) or result.get("abstained"):
        raise RuntimeError(f"unexpected answer: {result!r}")
    return time.perf_counter() - started


def run(clients: list[int], rounds: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        settings = Settings(
            index_dir=root / "index", uploads_dir=root / "uploads", port=free_port()
        )
        qa = QA(settings)
        qa.warm_up()
        qa.answer(QUESTION)
        app = build_app(qa, settings)
        app.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
        url = f"http://{settings.host}:{settings.port}/"
        try:
            one_request(url)  # warm the server's first-request paths
            print(f"cpus={os.cpu_count()} answer_concurrency={ANSWER_CONCURRENCY}")
            print("clients  wall_s(median)  request_s(median)  request_s(slowest)  answers/s")
            for count in clients:
                walls: list[float] = []
                requests: list[float] = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    with ThreadPoolExecutor(max_workers=count) as pool:
                        requests.extend(pool.map(lambda _: one_request(url), range(count)))
                    walls.append(time.perf_counter() - started)
                wall = statistics.median(walls)
                print(
                    f"{count:7d}  {wall:14.2f}  {statistics.median(requests):17.2f}  "
                    f"{max(requests):18.2f}  {count / wall:9.2f}"
                )
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.clients, args.rounds)


if __name__ == "__main__":
    main()
