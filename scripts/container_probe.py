"""Checks run inside the app's container by container_smoke.sh (standard library only).

The smoke test runs the container with no network, so these checks reach the app the way a
client on the same host would: over HTTP on the container's own loopback.

    python3 - page                            < container_probe.py
    python3 - ask QUESTION EXPECTED SOURCE_PART < container_probe.py
    python3 - abstains QUESTION               < container_probe.py

Each prints one line of JSON on success and exits non-zero with a reason otherwise.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

PORT = int(os.environ.get("QA_PORT", "7860"))
BASE_URL = f"http://127.0.0.1:{PORT}"
TIMEOUT_S = 120
TCP_LISTEN = "0A"


class ProbeError(Exception):
    """A check failed; the message says which and why."""


def fetch(path: str, body: dict[str, Any] | None = None) -> tuple[int, str, str]:
    """GET (or POST ``body`` as JSON) ``path``; returns status, content type and text."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        BASE_URL + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        text = response.read().decode("utf-8", errors="replace")
        return response.status, response.headers.get("Content-Type", ""), text


def listening_addresses(port: int) -> set[str]:
    """IPv4 addresses with a socket listening on ``port``, read from /proc/net/tcp."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address_hex, port_hex = fields[1].split(":")
        if int(port_hex, 16) == port and fields[3] == TCP_LISTEN:
            octets = bytes.fromhex(address_hex)[::-1]
            addresses.add(".".join(str(octet) for octet in octets))
    return addresses


def check_page() -> dict[str, Any]:
    """The page answers, the app listens on all interfaces, and it offers the ``ask`` API."""
    status, content_type, html = fetch("/")
    if status != 200 or "text/html" not in content_type or "<html" not in html.lower():
        raise ProbeError(f"GET / gave {status} {content_type!r}, not an HTML page")
    addresses = listening_addresses(PORT)
    if "0.0.0.0" not in addresses:
        raise ProbeError(f"port {PORT} listens on {sorted(addresses)}, not on 0.0.0.0")
    _, _, info_text = fetch("/gradio_api/info")
    endpoints = json.loads(info_text).get("named_endpoints", {})
    if "/ask" not in endpoints:
        raise ProbeError(f"no /ask endpoint among {sorted(endpoints)}")
    return {"page_bytes": len(html), "listening": sorted(addresses), "ask_endpoint": True}


def ask(question: str) -> dict[str, Any]:
    """The answer object from Gradio's call API for the ``ask`` endpoint.

    The call API wants every parameter; those after the question get the defaults that the
    app's API description gives, as Gradio's own client does.
    """
    _, _, info_text = fetch("/gradio_api/info")
    parameters = json.loads(info_text)["named_endpoints"]["/ask"]["parameters"]
    later = [parameter.get("parameter_default") for parameter in parameters[1:]]
    _, _, started = fetch("/gradio_api/call/ask", {"data": [question, *later]})
    event_id = json.loads(started)["event_id"]
    _, _, stream = fetch(f"/gradio_api/call/ask/{event_id}")
    event = ""
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:") and event in {"complete", "error"}:
            payload = json.loads(line.removeprefix("data:"))
            if event == "error":
                raise ProbeError(f"the ask endpoint failed: {payload}")
            result: dict[str, Any] = payload[0]
            return result
    raise ProbeError(f"no result in the event stream: {stream[:500]!r}")


def check_answer(question: str, expected: str, source_part: str) -> dict[str, Any]:
    """``question`` is answered with ``expected``, cited exactly from a file whose path holds
    ``source_part``."""
    result = ask(question)
    if result["abstained"] or expected not in result["answer"]:
        got = {key: result[key] for key in ("answer", "abstained", "confidence")}
        raise ProbeError(f"{question!r}: expected {expected!r}, got {got}")
    if not result["citations"]:
        raise ProbeError(f"{question!r}: the answer has no citation")
    citation = result["citations"][0]
    source = Path(citation["source_path"])
    if source_part not in str(source):
        raise ProbeError(f"{question!r}: cited {source}, not a file like {source_part}")
    text = source.read_text(encoding="utf-8", errors="replace")
    if text[citation["start"] : citation["end"]] != citation["quote"]:
        raise ProbeError(
            f"{question!r}: characters {citation['start']}-{citation['end']} of {source} are "
            f"{text[citation['start'] : citation['end']]!r}, not the quote {citation['quote']!r}"
        )
    if expected not in citation["quote"] and citation["quote"] not in result["answer"]:
        raise ProbeError(f"{question!r}: the quote {citation['quote']!r} is not the answer")
    return {
        "question": question,
        "answer": result["answer"],
        "confidence": result["confidence"],
        "cited": f"{source} [{citation['start']}:{citation['end']}]",
        "quote": citation["quote"],
    }


def check_abstains(question: str) -> dict[str, Any]:
    """The documents do not answer ``question``, and the app says so."""
    result = ask(question)
    if not result["abstained"]:
        raise ProbeError(f"{question!r}: expected no answer, got {result['answer']!r}")
    return {"question": question, "abstained": True, "confidence": result["confidence"]}


def main(argv: list[str]) -> int:
    """Run the check named by ``argv[0]`` with the rest as its arguments."""
    checks: dict[str, Callable[..., dict[str, Any]]] = {
        "page": check_page,
        "ask": check_answer,
        "abstains": check_abstains,
    }
    if not argv or argv[0] not in checks:
        print(f"usage: container_probe.py {{{'|'.join(checks)}}} ARGS...", file=sys.stderr)
        return 2
    try:
        outcome = checks[argv[0]](*argv[1:])
    except (ProbeError, OSError, KeyError, ValueError) as exc:
        print(f"probe {argv[0]} failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(outcome, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
