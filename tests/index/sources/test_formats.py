"""Each file format gives the text a reader sees, with clutter, scripts and page breaks handled."""

from __future__ import annotations

import random

import pytest

from index import ChunkingConfig, ExtractionError, extract
from index.sources.documents import Document
from index.sources.formats import reflow_pdf_text
from index.update.reading import make_record
from tests.index.pdf_files import encrypt_pdf, make_pdf

GUILD_PAGES = [
    [
        "Annual report",
        "The lighthouse keepers guild was founded in 1821 by seven keepers who",
        "worked along the northern coast and met twice a year in Tromsø.",
    ],
    [
        "Page two: the guild has 42 members today.",
        "Its treasurer is Mara Lindqvist, who keeps the accounts in a ledger.",
    ],
    ["3"],
]

NEWS_HTML = """<!doctype html><html><head><title>Storm closes schools</title>
<script>window.dataLayer = [{"page": "storm"}]; function track() { return 1; }</script>
<style>.nav { color: red }</style></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Storm closes schools across the region</h1>
<p>Heavy snow closed schools on Monday, officials said, as the storm moved east.</p>
<p>Share this article</p>
<p>The mayor said roads would reopen by Tuesday and crews worked through the night.</p>
</article>
<aside><h2>Most read</h2><a href="/a">Celebrity wedding photos</a></aside>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
<script>track();</script></body></html>"""


def test_pdf_text_is_extracted_page_by_page_with_page_offsets() -> None:
    extracted = extract(make_pdf(GUILD_PAGES), "pdf")
    text = extracted.text
    assert extracted.format == "pdf" and len(extracted.page_starts) == 3
    # Wrapped lines are joined into one sentence; the page break stays a paragraph break.
    assert "founded in 1821 by seven keepers who worked along the northern coast" in text
    assert text.index("Mara Lindqvist") > extracted.page_starts[1]
    assert text.index("Tromsø") < extracted.page_starts[1]


def test_record_page_at_names_the_page_of_any_offset() -> None:
    extracted = extract(make_pdf(GUILD_PAGES), "pdf")
    document = Document(
        "guild",
        "Annual report",
        "/docs/guild.pdf",
        extracted.text,
        "h",
        100,
        "pdf",
        extracted.page_starts,
    )
    record = make_record(document, ChunkingConfig())
    assert record.page_at(record.text.index("Tromsø")) == 1
    assert record.page_at(record.text.index("Mara")) == 2
    # The bare page number on page 3 is clutter, never part of a chunk.
    assert all(record.text[s.start : s.end] != "3" for s in record.chunks)
    plain = make_record(Document("t", "t", "/docs/t.txt", "Plain text.", "h", 11), ChunkingConfig())
    assert plain.page_at(3) is None


def test_reflow_keeps_headings_and_rejoins_hyphenated_words() -> None:
    page = (
        "Results\nThe committee found that the re-\nsults were consistent with the\n"
        "earlier study.\nNext steps"
    )
    assert reflow_pdf_text(page) == (
        "Results\nThe committee found that the results were consistent with the earlier study."
        "\nNext steps"
    )


def test_reflow_joins_wrapped_lines_but_not_a_heading_above_them() -> None:
    page = (
        "Annual report of the lighthouse keepers guild\n"
        "The guild was founded in 1821 by seven keepers who worked along the\n"
        "northern coast of the country and met twice a year in the harbour town\n"
        "Tromsø, where the guild hall still stands today."
    )
    assert reflow_pdf_text(page).splitlines() == [
        "Annual report of the lighthouse keepers guild",
        "The guild was founded in 1821 by seven keepers who worked along the northern coast "
        "of the country and met twice a year in the harbour town Tromsø, where the guild hall "
        "still stands today.",
    ]


def test_encrypted_pdf_is_refused_with_a_clear_message() -> None:
    locked = encrypt_pdf(make_pdf(GUILD_PAGES), "secret")
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(locked, "pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog",
        b"not a pdf at all, just words",
        make_pdf(GUILD_PAGES)[:200],
    ],
)
def test_malformed_pdf_is_refused_with_a_clear_message(data: bytes) -> None:
    with pytest.raises(ExtractionError, match=r"malformed PDF|no text"):
        extract(data, "pdf")


def test_html_keeps_the_article_and_drops_navigation_scripts_and_clutter() -> None:
    extracted = extract(NEWS_HTML.encode(), "html")
    assert extracted.format == "html"
    assert "Heavy snow closed schools on Monday" in extracted.text
    assert "The mayor said roads would reopen" in extracted.text
    for noise in ("dataLayer", "track()", "color: red", "World", "Copyright"):
        assert noise not in extracted.text, noise
    record = make_record(
        Document("storm", "t", "/d/storm.html", extracted.text, "h", 1, "html"), ChunkingConfig()
    )
    chunk_text = " ".join(record.text[s.start : s.end] for s in record.chunks)
    assert "Share this article" not in chunk_text and "reopen by Tuesday" in chunk_text


def test_html_of_only_scripts_is_refused() -> None:
    page = (
        b"<html><head><script>var a = 1;</script></head><body><script>go()</script>"
        b"<noscript>Please enable JavaScript to view this page.</noscript></body></html>"
    )
    with pytest.raises(ExtractionError, match="no article text"):
        extract(page, "html")


def test_oversized_html_is_refused_with_its_size() -> None:
    page = b"<html><body><p>" + b"word " * 4_500_000 + b"</p></body></html>"
    with pytest.raises(ExtractionError, match="too large"):
        extract(page, "html")


def test_markdown_share_links_images_and_related_blocks_are_clutter() -> None:
    text = (
        "# Storm closes schools\n\n"
        "![Snow on the road](img/snow.jpg)\n\n"
        "Heavy snow closed schools on Monday, officials said.\n\n"
        "[Share on Twitter](https://twitter.com/share) | [Share on Facebook](https://fb.com)\n\n"
        "* [Subscribe to our newsletter](https://example.com/subscribe)\n\n"
        "The mayor said roads would reopen by Tuesday.\n\n"
        "## Related stories\n\n"
        "- [Flights cancelled as storm hits](/flights)\n"
    )
    record = make_record(Document("m", "t", "/d/m.md", text, "h", 1, "markdown"), ChunkingConfig())
    kept = " ".join(record.text[s.start : s.end] for s in record.chunks)
    assert "Heavy snow closed schools" in kept and "reopen by Tuesday" in kept
    for noise in ("Snow on the road", "Share on", "Subscribe", "Related", "Flights"):
        assert noise not in kept, noise


def test_text_decoding_problems() -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract(b"  \n\t\n", "text")
    with pytest.raises(ExtractionError, match="binary"):
        extract(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text")
    with pytest.raises(ExtractionError, match="binary"):
        extract(bytes(range(1, 32)) * 20, "markdown")
    latin = extract("Café au lait in Paris.".encode("latin-1"), "text")
    assert latin.text == "Café au lait in Paris." and "Windows-1252 (Latin-1)" in str(latin.warning)
    windows = extract("“Déjà vu” – a façade.".encode("cp1252"), "text")
    assert windows.text == "“Déjà vu” – a façade."
    # UTF-8 with one damaged byte stays UTF-8: its accented letters are not turned to mojibake.
    damaged = extract("Zoë and José met in Ségou.".encode() + b"\xff", "text")
    assert damaged.text == "Zoë and José met in Ségou.\ufffd"
    assert "invalid UTF-8 at byte" in str(damaged.warning)
    utf16 = extract("Zoë went home.".encode("utf-16"), "text")
    assert utf16.text == "Zoë went home." and utf16.warning is None


def test_legacy_encodings_are_detected_and_noise_and_mixtures_refused() -> None:
    story = "Вчера комитет обсудил бюджет города и ремонт старого моста через реку.\n" * 5
    russian = extract(story.encode("cp1251"), "text")
    assert russian.text == story and russian.warning == "not UTF-8; read as cp1251"
    # 4 KB of printable ASCII and high bytes, no control byte: looks like text, is not.
    rng = random.Random(7)
    printable = [*range(32, 127), *range(128, 256)]
    noise = bytes(rng.choice(printable) for _ in range(4096))
    with pytest.raises(ExtractionError, match="not text: no encoding reads it without noise"):
        extract(noise, "text")
    # Half UTF-8, half Windows-1252: no one encoding reads it; mojibake is not indexed.
    french = "L'été dernier, le comité a décidé de réviser les comptes du port.\n" * 10
    mixed = french.encode("utf-8") + french.encode("cp1252")
    with pytest.raises(ExtractionError, match=r"mixed encodings: \d+ characters are UTF-8"):
        extract(mixed, "markdown")


def test_utf16_without_a_byte_order_mark_is_read_and_binary_is_refused_with_its_share() -> None:
    story = "Zoë went home to Ségou on Tuesday.\nThe harbour reopened.\n"
    for encoding, name in (("utf-16-le", "little-endian"), ("utf-16-be", "big-endian")):
        read = extract(story.encode(encoding), "text")
        assert read.text == story
        assert read.warning == f"no byte-order mark; read as UTF-16 ({name})"
    # 4 KB of random bytes (NULs and control characters among them) is not text.
    noise = random.Random(5).randbytes(4096)
    with pytest.raises(ExtractionError, match=r"not text: \d+% control bytes.*binary"):
        extract(noise, "text")
    with pytest.raises(ExtractionError, match=r"not text: 100% control bytes \(binary data\)"):
        extract(bytes(range(1, 9)) * 50, "text")


def _read(raw: bytes) -> str:
    """The text a user would see indexed, or why the file was refused."""
    try:
        return extract(raw, "text").text
    except ExtractionError as exc:
        return f"refused: {exc}"


def test_short_western_notes_are_read_as_windows_1252_not_as_a_lookalike_code_page() -> None:
    # Each reads as cleanly in a Baltic or Celtic code page ("Franńois M³ller", "25Ḟ").
    notes = [
        "Hôtel réservé pour deux nuits.\nLe billet coûte 80 €.\nN'oubliez pas les clés.\n"
        "Wir treffen uns um 9 Uhr.\nFrançois Müller arrive lundi.\nÀ demain.\n",
        "François Müller arrive lundi.\nJürgen bringt den Kuchen.\n"
        "Rendez-vous à la gare de Genève.\nGrüße aus Köln!\nDie Straße ist gesperrt.\n"
        "Il fait 25° à Nice.\nÀ demain.\n",
    ]
    for note in notes:
        assert _read(note.encode("cp1252")) == note


# Notes as people write them, each in the legacy encoding of its language.
LEGACY_NOTES = {
    "shift_jis": (
        "来週の打ち合わせについて\n"
        "田中さん、お疲れさまです。\n"
        "来週の打ち合わせは水曜日の午後二時から、大阪支店の三階会議室で行います。\n"
        "資料は前日までにメールでお送りします。\n"
        "ご不明な点があれば、佐藤までご連絡ください。よろしくお願いいたします。\n"
    ),
    "euc_kr": (
        "다음 주 회의 안내\n"
        "김민수 님, 안녕하세요.\n"
        "다음 주 회의는 수요일 오후 두 시에 부산 지점 3층 회의실에서 열립니다.\n"
        "자료는 하루 전까지 이메일로 보내 드리겠습니다.\n"
        "궁금한 점이 있으면 이지은에게 연락해 주세요. 감사합니다.\n"
    ),
    "gb18030": (
        "下周会议通知\n"
        "王芳，你好。\n"
        "下周的会议定于星期三下午两点在上海分公司三楼会议室举行。\n"
        "资料会在前一天通过电子邮件发给大家。\n"
        "如有问题，请与李明联系。谢谢！\n"
    ),
    "cp1251": (
        "Встреча на следующей неделе\n"
        "Иван, добрый день.\n"
        "Встреча пройдёт в среду в два часа дня в третьем зале новосибирского филиала.\n"
        "Материалы пришлю накануне по электронной почте.\n"
        "Если будут вопросы, пишите Анне. Спасибо!\n"
    ),
}


def test_east_asian_and_cyrillic_files_short_and_long_are_read_exactly() -> None:
    files = [
        (encoding, text)
        for encoding, note in LEGACY_NOTES.items()
        for text in (note, "".join(f"{number}.\n{note}" for number in range(1, 11)))
    ]
    # Two lines that read as cleanly in Korean's code page, as rare Hangul syllables.
    files.append(("shift_jis", "田中さん、ありがとうございました。\n資料を送ってください。\n"))
    misread = {}
    for encoding, text in files:
        raw = text.encode(encoding)
        read = _read(raw)
        if read != text:
            misread[f"{encoding}, {len(raw)} bytes"] = read[:80]
    assert misread == {}
    # Lines of UTF-8 and lines of Shift-JIS are still no one encoding.
    japanese = LEGACY_NOTES["shift_jis"]
    assert _read(japanese.encode() + japanese.encode("shift_jis")).startswith(
        "refused: mixed encodings"
    )
