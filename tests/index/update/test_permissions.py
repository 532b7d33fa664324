"""Unreadable documents and index folders that cannot be written, met by an ordinary user.

Root ignores file modes, and the tests (and CI) run as root, so every check here runs the
``qa`` command, or the web page's upload code, in a second process that cannot bypass them.
Under root, that process keeps user id 0 but drops every capability (``setpriv``); the
kernel then checks modes as it does for any user, so a root-owned file of mode 000 cannot
be read and a folder of mode 555 cannot be written in. Under an ordinary user it is simply
that user, with the same chmods. Switching to another user id (``nobody``) would not do:
that user cannot reach pytest's temporary folders (mode 700), nor a virtualenv whose
interpreter lives under ``/root`` (mode 700, where pyenv keeps it) or a clone in a folder
only root may enter, so it would depend on where CI happens to put things.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from index import IndexBuilder, IndexStore, SentenceTransformerEmbedder
from qa import QA, Settings
from tests.conftest import ROOT
from tests.index.stories import HARBOUR, ORCHARD

FERRY_QUESTION = "When will ferry services to the mainland resume?"
LIGHTHOUSE = "The lighthouse keepers guild was founded in 1821 by seven keepers.\n"
STORIES = {"harbour.txt": HARBOUR, "orchard.txt": ORCHARD}

# The web page's upload code, run as the unprivileged user over an existing index: for each
# uploads folder given, the files offered and what DocumentLibrary.add made of them.
UPLOAD_SCRIPT = """
import json, sys
from pathlib import Path
from qa import QA, Settings
from ui.documents.uploads import DocumentLibrary, IncomingFile

index_dir, cases = Path(sys.argv[1]), json.loads(sys.argv[2])
qa = QA(Settings(index_dir=index_dir, documents=()))
results = {}
for uploads_dir, offered in cases.items():
    library = DocumentLibrary(qa, Path(uploads_dir), max_upload_bytes=1_000_000)
    result = library.add([IncomingFile(Path(path).name, Path(path)) for path in offered])
    results[uploads_dir] = {"indexed": list(result.indexed), "messages": list(result.messages)}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    """The command prefix that runs a process without the power to ignore file modes.

    Empty when this process already lacks it (an ordinary user); ``setpriv`` dropping every
    capability otherwise (root). Fails, rather than skips, when neither works: these checks
    must run wherever the tests do.
    """
    secret = tmp_path_factory.mktemp("probe") / "secret.txt"
    secret.write_text("not for you")
    with _mode(secret, 0):
        try:
            secret.read_text()
        except PermissionError:
            return ()
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail(
                "these tests run `qa` without the privilege to ignore file modes through "
                "setpriv (Debian package util-linux), which is not installed; install it"
            )
        prefix = (setpriv, "--bounding-set=-all", "--inh-caps=-all")
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", "import sys; open(sys.argv[1]).close()", str(secret)],
            capture_output=True,
            text=True,
        )
    if "PermissionError" not in probe.stderr:
        pytest.fail(
            f"a process started with {' '.join(prefix)} could still read a file of mode 000, "
            f"or did not start (exit {probe.returncode}: {probe.stderr.strip()!r}); the "
            "checks of unreadable files and unwritable folders cannot run here"
        )
    return prefix


@contextmanager
def _mode(path: Path, mode: int) -> Iterator[None]:
    """Give ``path`` the permission bits ``mode`` for the duration, then its own back."""
    before = stat.S_IMODE(path.stat().st_mode)
    path.chmod(mode)
    try:
        yield
    finally:
        path.chmod(before)


def _run_as(prefix: tuple[str, ...], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` from the project folder as the unprivileged user."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [*prefix, sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _qa_index(
    prefix: tuple[str, ...], docs: Path, index_dir: Path
) -> subprocess.CompletedProcess[str]:
    return _run_as(
        prefix, "-m", "ui", "index", str(docs), "--index-dir", str(index_dir), "--no-progress"
    )


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``, hidden ones too, with a hash of each file."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        )
        for path in sorted(folder.rglob("*"))
    }


def _answers_the_ferry_question(index_dir: Path, embedder: SentenceTransformerEmbedder) -> str:
    qa = QA(Settings(index_dir=index_dir, documents=()), embedder=embedder)
    answer = qa.answer(FERRY_QUESTION)
    assert not answer.abstained and answer.citations[0].doc_id == "harbour"
    return answer.text


def _indexed(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, files: dict[str, str] = STORIES
) -> tuple[Path, Path]:
    """A documents folder holding ``files`` (name: text), indexed; returns it and the index."""
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    for name, text in files.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    IndexBuilder(embedder, index_dir).update([docs])
    return docs, index_dir


def test_a_changed_file_that_cannot_be_read_keeps_its_old_version(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, unprivileged: tuple[str, ...]
) -> None:
    docs, index_dir = _indexed(
        tmp_path, embedder, {**STORIES, "archive/lighthouse.txt": LIGHTHOUSE}
    )
    harbour, archive = docs / "harbour.txt", docs / "archive"
    harbour.write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    (docs / "orchard.txt").write_text(ORCHARD.replace("twice", "three times"), encoding="utf-8")

    with _mode(harbour, 0), _mode(archive, 0):
        done = _qa_index(unprivileged, docs, index_dir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    problems = done.stderr.splitlines()
    assert (
        f"skipped: {harbour}: cannot read file: Permission denied; "
        "the version indexed earlier is kept"
    ) in problems
    assert f"skipped: {archive}: cannot list folder: Permission denied" in problems
    assert "indexed 0 new, 1 changed, 2 unchanged, 0 removed documents" in done.stdout

    documents = IndexStore(index_dir).load().documents
    assert set(documents) == {"harbour", "orchard", "lighthouse"}
    assert "three times" in documents["orchard"].text, "the readable change is indexed"
    assert "Saturday" in documents["harbour"].text
    assert _answers_the_ferry_question(index_dir, embedder) == "Saturday"
    # Readable again, the file's new version is indexed.
    IndexBuilder(embedder, index_dir).update([docs])
    assert "Monday" in IndexStore(index_dir).load().documents["harbour"].text


def test_a_new_file_that_cannot_be_read_is_reported_and_changes_nothing(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, unprivileged: tuple[str, ...]
) -> None:
    docs, index_dir = _indexed(tmp_path, embedder)
    before = _snapshot(index_dir)
    secret = docs / "secret.txt"
    secret.write_text("A story nobody may read.\n", encoding="utf-8")

    with _mode(secret, 0):
        done = _qa_index(unprivileged, docs, index_dir)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"skipped: {secret}: cannot read file: Permission denied"]
    assert "indexed 0 new, 0 changed, 2 unchanged, 0 removed documents" in done.stdout
    assert _snapshot(index_dir) == before, "no new version was written"


@pytest.mark.parametrize(
    ("locked", "mode", "says"),
    [
        ("", 0o555, "cannot write in the index folder {index_dir}: Permission denied"),
        ("versions", 0o555, "cannot write in the index folder {index_dir}/versions: Permission"),
        (".lock", 0o444, "cannot open the index's lock file {index_dir}/.lock: Permission"),
    ],
    ids=["index folder", "versions folder", "lock file"],
)
def test_an_index_that_cannot_be_written_is_a_clear_error_and_stays_as_it_was(
    tmp_path: Path,
    embedder: SentenceTransformerEmbedder,
    unprivileged: tuple[str, ...],
    locked: str,
    mode: int,
    says: str,
) -> None:
    docs, index_dir = _indexed(tmp_path, embedder)
    (docs / "harbour.txt").write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    before = _snapshot(index_dir)

    with _mode(index_dir / locked, mode):
        done = _qa_index(unprivileged, docs, index_dir)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("qa: error: " + says.format(index_dir=index_dir))
    assert "--index-dir or QA_INDEX_DIR" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert _snapshot(index_dir) == before
    assert _answers_the_ferry_question(index_dir, embedder) == "Saturday"


def test_an_index_folder_that_cannot_be_created_is_a_clear_error(
    tmp_path: Path, unprivileged: tuple[str, ...]
) -> None:
    docs, parent = tmp_path / "docs", tmp_path / "locked"
    docs.mkdir()
    parent.mkdir()
    (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")

    with _mode(parent, 0o555):
        done = _qa_index(unprivileged, docs, parent / "index")
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"qa: error: cannot create the index folder {parent / 'index'}: Permission denied; "
    )
    assert "--index-dir or QA_INDEX_DIR" in done.stderr and "Traceback" not in done.stderr
    assert not list(parent.iterdir())


def test_uploads_that_cannot_be_kept_or_indexed_say_why_and_lose_nothing(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, unprivileged: tuple[str, ...]
) -> None:
    uploads, index_dir, offered = tmp_path / "uploads", tmp_path / "index", tmp_path / "offered"
    for folder in (uploads, offered):
        folder.mkdir()
    (uploads / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    IndexBuilder(embedder, index_dir).update([uploads])
    (offered / "harbour.txt").write_text(HARBOUR.replace("Saturday", "Monday"), encoding="utf-8")
    (offered / "orchard.txt").write_text(ORCHARD, encoding="utf-8")
    closed_uploads, closed_parent = tmp_path / "closed-uploads", tmp_path / "closed-parent"
    closed_uploads.mkdir()
    closed_parent.mkdir()
    cases = {
        # Saved, then the index refuses: the replaced file must come back.
        str(uploads): [str(offered / "harbour.txt"), str(offered / "orchard.txt")],
        # The uploads folder refuses the file, or cannot even be made.
        str(closed_uploads): [str(offered / "orchard.txt")],
        str(closed_parent / "uploads"): [str(offered / "orchard.txt")],
    }
    before = {folder: _snapshot(folder) for folder in (uploads, index_dir, offered)}

    with _mode(index_dir, 0o555), _mode(closed_uploads, 0o555), _mode(closed_parent, 0o555):
        done = _run_as(unprivileged, "-c", UPLOAD_SCRIPT, str(index_dir), json.dumps(cases))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    results = json.loads(done.stdout)
    refused = f"not added; cannot write in the index folder {index_dir}: Permission denied; "
    messages = results[str(uploads)]["messages"]
    assert results[str(uploads)]["indexed"] == [] and len(messages) == 2
    assert messages[0].startswith(f"harbour.txt: {refused}")
    assert messages[1].startswith(f"orchard.txt: {refused}")
    for folder in (closed_uploads, closed_parent / "uploads"):
        assert results[str(folder)] == {
            "indexed": [],
            "messages": [
                f"orchard.txt: not added; cannot save it in the uploads folder {folder}: "
                "Permission denied; give the server write access to it, or set "
                "QA_UPLOADS_DIR to another folder"
            ],
        }
    assert {folder: _snapshot(folder) for folder in before} == before
    assert not list(closed_uploads.iterdir()) and not list(closed_parent.iterdir())
    assert _answers_the_ferry_question(index_dir, embedder) == "Saturday"
