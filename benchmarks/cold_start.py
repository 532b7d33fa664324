"""Cold start: wall time of ``qa ask`` on a built index, and of the web app until it serves.

Each figure is the median of several fresh processes. The index of seeds/ is built once first.
Usage: .venv/bin/python benchmarks/cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QA_BIN = str(Path(sys.executable).with_name("qa"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_ask(index_dir: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(
        [QA_BIN, "ask", "What did Larijani say?", "--index-dir", str(index_dir)],
        check=True,
        capture_output=True,
        env=env,
    )
    return time.perf_counter() - began


def time_serve(index_dir: Path, env: dict[str, str]) -> float:
    port = free_port()
    began = time.perf_counter()
    server = subprocess.Popen(
        [QA_BIN, "serve", "--port", str(port), "--index-dir", str(index_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = began + 180
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the web app did not serve within 180 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="qa-bench-cold-") as work:
        index_dir = Path(work) / "index"
        subprocess.run(
            [QA_BIN, "index", str(ROOT / "seeds"), "--index-dir", str(index_dir)],
            check=True,
            capture_output=True,
            env=env,
        )
        asks = [time_ask(index_dir, env) for _ in range(args.runs)]
        serves = [time_serve(index_dir, env) for _ in range(max(1, args.runs // 2))]
    print(
        f"qa ask (fresh process, built index): median {statistics.median(asks):.2f} s "
        f"(min {min(asks):.2f}, max {max(asks):.2f}, {len(asks)} runs)"
    )
    print(
        f"qa serve until the page answers HTTP 200: median {statistics.median(serves):.2f} s "
        f"({len(serves)} runs)"
    )


if __name__ == "__main__":
    main()
