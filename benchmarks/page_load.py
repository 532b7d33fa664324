"""The web page under load while its index changes: are concurrent answers the serial ones?

A page is served in-process (loopback only) over the seed article and two SQuAD 2.0 fit-pool
articles (eight paragraphs each, one document per article), with the queue settings
`qa serve` uses. ``--users`` gradio_client users then each ask ``--questions`` questions at
once: seed questions, SQuAD questions (answerable and not) and two about a made-up story,
mixed, in a different order per user. While they ask, the story is added to the index and,
later, removed again.

Every answer names the index version it was read from. Before the load, each distinct
question is asked serially, one at a time, with the story in the index and without it; each
answer under load must be identical (JSON equal) to the serial answer for the same documents.
Printed: errors, answers that differ, answers per index state, p50/p95 latency of one
question and answers per second.

Usage: .venv/bin/python benchmarks/page_load.py [--users 20] [--questions 50]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradio_client import Client

from qa import QA, Settings
from ui.app import ANSWER_CONCURRENCY, build_app, launch_options

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SQUAD_ARTICLES = ("Packet_switching", "Warsaw")
PARAGRAPHS_PER_ARTICLE = 8
STORY_NAME = "tarrowby-library.txt"
STORY = (
    "New library opens in Tarrowby\n\n"
    "The town of Tarrowby opened its new public library on 14 March after two years of "
    "building work. The library cost 4.2 million euros, most of it paid by the regional "
    "council. It was designed by the architect Mira Halvorsen.\n"
)
SCORE_TOLERANCE = 1e-6
STORY_QUESTIONS = (
    "When did the library in Tarrowby open?",
    "How much did the library in Tarrowby cost?",
)


@dataclass
class LoadResult:
    """What a load run saw."""

    users: int
    questions_per_user: int
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    by_state: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)
    serial_latencies_s: list[float] = field(default_factory=list)
    serial: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def answers(self) -> int:
        return len(self.latencies_s)

    def percentile(self, share: float, serial: bool = False) -> float:
        """A latency percentile in seconds, under load (or of the serial answers)."""
        ordered = sorted(self.serial_latencies_s if serial else self.latencies_s)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return (
            f"users={self.users} questions/user={self.questions_per_user} "
            f"answers={self.answers} errors={len(self.errors)} "
            f"differing_from_serial={len(self.mismatches)} "
            f"by_index_state={dict(sorted(self.by_state.items()))} "
            f"p50={self.percentile(0.5) * 1000:.0f}ms p95={self.percentile(0.95) * 1000:.0f}ms "
            f"answers/s={self.answers / self.wall_s if self.wall_s else 0.0:.1f} "
            f"wall={self.wall_s:.1f}s | serial baseline, one user: "
            f"p50={self.percentile(0.5, True) * 1000:.0f}ms "
            f"p95={self.percentile(0.95, True) * 1000:.0f}ms "
            f"answers/s={len(self.serial_latencies_s) / sum(self.serial_latencies_s or [1]):.1f}"
        )


def write_corpus(folder: Path) -> list[str]:
    """The seed article and the SQuAD paragraphs as documents; returns their questions."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = next((ROOT / "seeds").glob("*.txt"))
    (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    examples = json.loads((SHARED_EVAL / "seed_examples.json").read_text(encoding="utf-8"))
    questions = [item["q"] for item in examples["questions"]]
    pool = json.loads((SHARED_EVAL / "squad2_fit_pool.json").read_text(encoding="utf-8"))
    for article in pool["data"]:
        if article["title"] not in SQUAD_ARTICLES:
            continue
        paragraphs = article["paragraphs"][:PARAGRAPHS_PER_ARTICLE]
        text = "\n\n".join(paragraph["context"] for paragraph in paragraphs)
        title = article["title"].replace("_", " ")
        (folder / f"{article['title']}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        questions.extend(qa["question"] for p in paragraphs for qa in p["qas"][:3])
    return [*dict.fromkeys(questions), *STORY_QUESTIONS]


def user_questions(questions: list[str], count: int, user: int) -> list[str]:
    """``count`` questions in an order of the user's own (repeating the list if needed)."""
    order = questions * (count // len(questions) + 1)
    random.Random(user).shuffle(order)
    return order[:count]


def serial_answers(
    url: str, questions: list[str], latencies_s: list[float]
) -> dict[str, dict[str, Any]]:
    """Each question asked on its own, one after the other (seconds appended to the list)."""
    client = Client(url, verbose=False)
    answers = {}
    for question in questions:
        started = time.perf_counter()
        answers[question] = client.predict(question, api_name="/ask")
        latencies_s.append(time.perf_counter() - started)
    return answers


def story_id(qa: QA) -> str:
    return next(d for d, r in qa.index.documents.items() if r.source_path.endswith(STORY_NAME))


def run_load(users: int, questions_per_user: int, work: Path) -> LoadResult:
    """Serve the page, take the serial answers, then run the load with the story added/removed."""
    docs = work / "docs"
    questions = write_corpus(docs)
    extra = work / "extra" / STORY_NAME
    extra.parent.mkdir(parents=True)
    extra.write_text(STORY, encoding="utf-8")
    settings = Settings(
        index_dir=work / "index", documents=(docs,), uploads_dir=work / "uploads", port=_port()
    )
    qa = QA(settings)
    qa.warm_up()
    app = build_app(qa, settings)
    app.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    url = f"http://{settings.host}:{settings.port}/"
    result = LoadResult(users, questions_per_user)
    try:
        # The serial answers, for the documents without the story and with it.
        serial = result.serial_latencies_s
        expected = result.serial
        expected["without story"] = serial_answers(url, questions, serial)
        qa.update([extra])
        expected["with story"] = serial_answers(url, questions, serial)
        qa.remove([story_id(qa)])
        state_of = {qa.index.version: "without story"}

        asked = 0
        asked_lock = threading.Lock()
        total = users * questions_per_user

        def wait_for(share: float) -> None:
            while True:
                with asked_lock:
                    if asked >= share * total:
                        return
                time.sleep(0.01)

        def updater() -> None:
            # The story goes in after a fifth of the answers and out again after three fifths.
            wait_for(0.2)
            qa.update([extra])
            state_of[qa.index.version] = "with story"
            wait_for(0.6)
            qa.remove([story_id(qa)])
            state_of[qa.index.version] = "without story"

        def user(number: int) -> list[tuple[str, dict[str, Any] | None, float, str]]:
            nonlocal asked
            client = Client(url, verbose=False)
            seen = []
            for question in user_questions(questions, questions_per_user, number):
                started = time.perf_counter()
                try:
                    answer = client.predict(question, api_name="/ask")
                    problem = ""
                except Exception as exc:  # the load test counts every failure
                    answer, problem = None, f"{type(exc).__name__}: {exc}"
                seen.append((question, answer, time.perf_counter() - started, problem))
                with asked_lock:
                    asked += 1
            return seen

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=users + 1) as pool:
            update = pool.submit(updater)
            runs = list(pool.map(user, range(users)))
            update.result()
        result.wall_s = time.perf_counter() - started
        for seen in runs:
            for question, answer, seconds, problem in seen:
                if answer is None:
                    result.errors.append(f"{question!r}: {problem}")
                    continue
                result.latencies_s.append(seconds)
                state = state_of.get(answer.get("index_version", ""))
                if state is None:
                    result.mismatches.append(f"{question!r}: unknown version {answer!r}")
                    continue
                result.by_state[state] += 1
                differing = _differences(answer, expected[state][question])
                if differing:
                    result.mismatches.append(f"{question!r} ({state}): {'; '.join(differing)}")
    finally:
        app.close()
    return result


def _differences(seen: Any, serial: Any, where: str = "") -> list[str]:
    """Where two answers' JSON differ, as "path: value against serial value" lines."""
    if isinstance(seen, dict) and isinstance(serial, dict):
        keys = sorted(set(seen) | set(serial) - {"index_version"})
        return [
            line
            for key in keys
            if key != "index_version"
            for line in _differences(seen.get(key), serial.get(key), f"{where}.{key}")
        ]
    if isinstance(seen, list) and isinstance(serial, list) and len(seen) == len(serial):
        return [
            line
            for i, (a, b) in enumerate(zip(seen, serial, strict=True))
            for line in _differences(a, b, f"{where}[{i}]")
        ]
    if isinstance(seen, float) and isinstance(serial, float):
        # Scores are sums over vectors embedded in batches whose make-up depends on what was
        # cached, so they may differ in the eighth decimal; texts, offsets, the decision to
        # answer and every other field must be exactly equal.
        same = math.isclose(seen, serial, rel_tol=SCORE_TOLERANCE, abs_tol=SCORE_TOLERANCE)
    else:
        same = seen == serial
    return [] if same else [f"{where or '.'}: {seen!r:.80} against {serial!r:.80}"]


def _port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=50, help="questions per user")
    args = parser.parse_args()
    print(f"cpus={os.cpu_count()} answer_concurrency={ANSWER_CONCURRENCY}")
    with tempfile.TemporaryDirectory() as work:
        result = run_load(args.users, args.questions, Path(work))
    print(result.summary())
    for line in (result.errors + result.mismatches)[:20]:
        print("  ", line)


if __name__ == "__main__":
    main()
