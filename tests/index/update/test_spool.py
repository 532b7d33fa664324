"""The spool that keeps new documents on disk during an update gives back what was put in."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from index import ChunkingConfig
from index.sources.documents import Document
from index.storage.records import DocumentRecord
from index.update.reading import make_record
from index.update.spool import Spool
from tests.index.stories import HARBOUR, ORCHARD


def _record(doc_id: str, text: str) -> DocumentRecord:
    document = Document(doc_id, doc_id, f"/docs/{doc_id}.txt", text, "0" * 64, len(text))
    return make_record(document, ChunkingConfig())


def test_records_and_vectors_come_back_equal_and_vectors_only_once(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    harbour, orchard = _record("harbour", HARBOUR), _record("orchard", ORCHARD + "é ünïcode")
    vectors = np.random.default_rng(3).standard_normal((4, 384)).astype(np.float32)
    spool.put_record(harbour)
    spool["harbour"] = vectors
    spool.put_record(orchard)
    assert spool.records == 2 and "harbour" in spool and bool(spool)
    assert spool.record("orchard") == orchard
    assert spool.record("harbour") == harbour
    np.testing.assert_array_equal(spool.pop("harbour"), vectors)
    assert spool.pop("harbour") is None and not spool
    # A later record for the same id replaces the first.
    spool.put_record(_record("harbour", ORCHARD))
    assert "apple" in spool.record("harbour").text.lower()
    spool.close()
    assert list(tmp_path.iterdir()) == []  # the temporary file has no name to leave behind


def test_a_record_written_in_pieces_is_the_same_json_as_written_whole() -> None:
    # Quotes, backslashes, line breaks, control and non-ASCII characters, and an emoji that
    # lands on a piece boundary: the pieces must join into exactly the one-piece JSON.
    text = HARBOUR + ' He said "no" \\ then\tleft.\r\n Zoë paid €5 ✓ 🚢 ' + "\u2028" + ORCHARD
    record = _record("mixed", text)
    whole = json.dumps(record.to_json(), ensure_ascii=False)
    for piece_chars in (1, 7, 64, len(text), len(text) + 1):
        joined = "".join(record.json_pieces(piece_chars))
        assert joined == whole
    assert DocumentRecord.from_json(json.loads(whole)) == record
