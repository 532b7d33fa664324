"""``qa quotes``: who said what, by speaker or about a topic, people and organisations apart."""

from __future__ import annotations

import argparse
import json
import sys

from index.statements.statement import ORGANISATION, PERSON
from qa import QA, Settings
from qa.readers.quotes.statements import SpeakerStatement, StatementStore, statements_json

_KIND_HEADINGS = ((PERSON, "People"), (ORGANISATION, "Organisations"))


def run_quotes(args: argparse.Namespace, settings: Settings) -> int:
    """List the speakers, one speaker's statements, or every statement about a topic."""
    qa = QA(settings)
    if not qa.store.exists():
        raise FileNotFoundError(
            f"no index in {settings.index_dir}; run `qa index` (or `qa ask`) first"
        )
    statements = qa.statements
    if args.about:
        return _about(qa, args.about, args.json)
    if args.speaker:
        return _speaker(statements, args.speaker, args.json)
    if args.json:
        rows = [
            {"speaker": name, "kind": kind, "statements": count}
            for kind, _ in _KIND_HEADINGS
            for name, count in statements.speakers(kind)
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not statements.speakers():
        print("No statements were found in the indexed documents (nobody is quoted).")
        return 0
    for kind, heading in _KIND_HEADINGS:
        speakers = statements.speakers(kind)
        if speakers:
            print(f"{heading} ({len(speakers)})")
            for name, count in speakers:
                print(f"{count:5d}  {name}")
    return 0


def _speaker(statements: StatementStore, name: str, as_json: bool) -> int:
    found = statements.statements(name)
    if as_json:
        print(json.dumps(statements_json(found, statements), indent=2, ensure_ascii=False))
        return 0 if found else 1
    if not found:
        print(f"No statements by {name} in the indexed documents.", file=sys.stderr)
        return 1
    for number, item in enumerate(found, start=1):
        _print_statement(statements, number, item, with_speaker=True)
    return 0


def _about(qa: QA, topic: str, as_json: bool) -> int:
    found = qa.said_about(topic)
    statements = qa.statements
    if as_json:
        rows = statements_json([f.item for f in found], statements)
        for row, about in zip(rows, found, strict=True):
            row["kind"] = statements.kind(about.item.speaker)
            row["similarity"] = round(about.similarity, 3)
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0 if found else 1
    if not found:
        print(f"Nobody in the indexed documents said anything about {topic}.", file=sys.stderr)
        return 1
    speakers = list(dict.fromkeys(f.item.speaker for f in found))
    print(f"Who said what about {topic}: {len(found)} statements by {len(speakers)} speakers")
    number = 0
    for speaker in speakers:
        kind = "organisation" if statements.kind(speaker) == ORGANISATION else "person"
        print(f"\n{speaker} ({kind})")
        for said in (f.item for f in found if f.item.speaker == speaker):
            number += 1
            _print_statement(statements, number, said, with_speaker=False)
    return 0


def _print_statement(
    statements: StatementStore, number: int, item: SpeakerStatement, with_speaker: bool
) -> None:
    kind = "quoted" if item.direct else "reported"
    verb = f", {item.verb}" if item.verb else ", quotation goes on"
    who = f"{item.speaker} " if with_speaker else ""
    print(f"[{number}] {who}({kind}{verb}): “{item.text}”")
    for citation in statements.citations(item):
        where = f"chars {citation.start}-{citation.end}"
        print(f"      {citation.title} ({citation.source_path}, {where})")
    for path in item.also_in:
        print(f"      also in {path}")
