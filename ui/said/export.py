"""The Who said what listing as text to copy, and as CSV and JSON files to download."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

from ui.said.listing import ListedPlace, ListedStatement, Listing

__all__ = ["citation_text", "export_rows", "listing_csv", "listing_json", "write_exports"]

CSV_COLUMNS = (
    "speaker",
    "kind",
    "quoted",
    "statement",
    "verb",
    "document",
    "file",
    "paragraph",
    "start",
    "end",
    "paragraph_text",
    "also_in",
    "similarity",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _where(place: ListedPlace) -> str:
    return f"{place.title} ({place.file_name}), paragraph {place.paragraph}"


def citation_text(listed: ListedStatement) -> str:
    """What "Copy with citation" puts on the clipboard: the words, who said them and how,
    and where they stand.

    Example:
        “There are limits to what Iran can offer” — Hassan Ahmadian (quoted, “told”).
        Source: Iran says missile programme … (seed.txt), paragraph 9.
    """
    item, place = listed.item, listed.shown
    verb = f", “{place.verb}”" if place.verb else ""
    if item.direct:
        said = f"“{' '.join(item.text.split())}” — {item.speaker} (quoted{verb})."
    else:
        said = (
            f"{' '.join(item.text.split())} — {item.speaker} (reported, not their exact "
            f"words{verb})."
        )
    also = "".join(f" Also in {_where(other)}." for other in listed.others)
    return f"{said}\nSource: {_where(place)}.{also}"


def export_rows(listing: Listing) -> list[dict[str, object]]:
    """The listing as rows: one per statement, in the order shown."""
    rows: list[dict[str, object]] = []
    for listed in listing.statements:
        place = listed.shown
        rows.append(
            {
                "speaker": listed.item.speaker,
                "kind": listed.kind,
                "quoted": listed.item.direct,
                "statement": listed.item.text,
                "verb": place.verb,
                "document": place.title,
                "file": place.file_name,
                "paragraph": place.paragraph,
                "start": place.citation.start,
                "end": place.citation.end,
                "paragraph_text": place.citation.passage,
                "also_in": [
                    {"document": o.title, "file": o.file_name, "paragraph": o.paragraph}
                    for o in listed.others
                ]
                + [{"file": path} for path in listed.item.also_in],
                "similarity": (None if listed.similarity is None else round(listed.similarity, 3)),
            }
        )
    return rows


def listing_json(listing: Listing) -> str:
    """The listing as JSON: what was asked for, and its rows."""
    query = listing.query
    asked = {"speaker": query.speaker} if query.speaker else {"topic": query.topic}
    filters = {"said": query.said, "document": query.document or None}
    return json.dumps(
        {**asked, "filters": filters, "statements": export_rows(listing)},
        indent=2,
        ensure_ascii=False,
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = "; ".join(
            ", ".join(str(v) for v in (part.values() if isinstance(part, dict) else [part]))
            for part in value
        )
    shown = str(value)
    return f"'{shown}" if shown.startswith(_FORMULA_STARTS) else shown


def listing_csv(listing: Listing) -> str:
    """The listing as CSV, one row per statement; cells a spreadsheet would run as formulas
    are written with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in export_rows(listing):
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _slug(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.casefold()).strip("-")
    return slug[:60] or "statements"


def write_exports(listing: Listing, folder: Path) -> tuple[Path, Path]:
    """Write the listing's CSV and JSON files under ``folder`` for download.

    Each pair is kept in a folder named by its content, so a file already offered is never
    rewritten under a person downloading it.

    Returns:
        The CSV file and the JSON file, named after the speaker or topic.
    """
    query = listing.query
    name = _slug(query.speaker or f"about {query.topic}")
    as_csv, as_json = listing_csv(listing), listing_json(listing)
    digest = hashlib.sha256((as_csv + as_json).encode()).hexdigest()[:16]
    target = folder / digest
    target.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = target / f"{name}.csv", target / f"{name}.json"
    if not csv_path.exists():
        csv_path.write_text(as_csv, encoding="utf-8", newline="")
    if not json_path.exists():
        json_path.write_text(as_json, encoding="utf-8")
    return csv_path, json_path
