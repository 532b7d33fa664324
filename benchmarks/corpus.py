"""A real text corpus for benchmarks: SQuAD paragraphs plus Vim's help files (Debian vim-runtime).

Both are real English prose that is on these machines without a download: the shared SQuAD
files and /usr/share/vim/vim90/doc (package vim-runtime). Documents are written as .txt files
so the product's own loader, cleaner and chunker cut them.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
VIM_DOCS = Path("/usr/share/vim/vim90/doc")


def unpack_revision(rev: str) -> Path:
    """The code at git revision ``rev``, unpacked in a new folder beside this checkout.

    Beside it, so that the baseline finds ../shared as this checkout does; the caller removes it.
    """
    folder = Path(tempfile.mkdtemp(prefix=f".baseline-{rev}-", dir=ROOT.parent))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def squad_questions(path: Path = SHARED_EVAL / "squad2_dev_subset.json") -> list[str]:
    """All questions of a SQuAD file, in file order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        qa["question"] for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]
    ]


def write_corpus(folder: Path, max_bytes: int | None = None) -> list[Path]:
    """Write the corpus as .txt documents under ``folder``; return their paths.

    Args:
        folder: Where to write (created).
        max_bytes: Stop adding Vim files once this much text is written (default: all).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    for name in ("squad2_dev_subset.json", "squad2_fit_pool.json"):
        data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
        for a, article in enumerate(data["data"]):
            for p, paragraph in enumerate(article["paragraphs"]):
                path = folder / f"{Path(name).stem}_{a:02d}_{p:03d}.txt"
                path.write_text(paragraph["context"], encoding="utf-8")
                written.append(path)
                total += len(paragraph["context"])
    for source in sorted(VIM_DOCS.glob("*.txt")):
        if max_bytes is not None and total >= max_bytes:
            break
        text = source.read_text(encoding="utf-8", errors="replace")
        path = folder / f"vim_{source.stem}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        total += len(text)
    return written


def write_mixed_corpus(folder: Path, chars: int = 1_100_000) -> list[Path]:
    """Write about ``chars`` characters of mixed prose as .txt documents; return their paths.

    Each SQuAD article of the shared eval files becomes one document (its paragraphs joined
    by blank lines), then Vim's help files are added whole until ``chars`` is reached: about
    120 documents of very different lengths for the default.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    for name in ("squad2_dev_subset.json", "squad2_fit_pool.json"):
        data = json.loads((SHARED_EVAL / name).read_text(encoding="utf-8"))
        for a, article in enumerate(data["data"]):
            text = "\n\n".join(p["context"] for p in article["paragraphs"])
            path = folder / f"{Path(name).stem}_{a:02d}.txt"
            path.write_text(text, encoding="utf-8")
            written.append(path)
            total += len(text)
    for source in sorted(VIM_DOCS.glob("*.txt")):
        if total >= chars:
            break
        text = source.read_text(encoding="utf-8", errors="replace")
        path = folder / f"vim_{source.stem}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        total += len(text)
    return written


def chunk_texts(paths: Iterable[Path]) -> list[str]:
    """The chunk texts the index makes of the files under ``paths``, in file order.

    Reads each file with the index's own functions (``scan``, ``read_bytes``,
    ``make_document``, ``make_record``); files it would refuse give no chunks.
    """
    from index import ChunkingConfig, make_record
    from index.sources.documents import make_document, read_bytes, scan

    config = ChunkingConfig()
    texts: list[str] = []
    for source in scan(paths).files:
        raw, _ = read_bytes(source)
        document = make_document(source, raw, source.path.stem)[0] if raw is not None else None
        if document is not None:
            record = make_record(document, config)
            texts.extend(record.text[c.start : c.end] for c in record.chunks)
    return texts
