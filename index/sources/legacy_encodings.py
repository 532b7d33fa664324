"""Which legacy encoding a text file that is not UTF-8 is in, and whether it is UTF-8 in part."""

from __future__ import annotations

# A legacy encoding is detected on this much of the file; ties within _TIE of noise.
_DETECT_BYTES = 1 << 20
_TIE = 0.01
# The most common legacy encodings, of Western and of Cyrillic text, Western first.
_COMMON_ENCODINGS = ("cp1252", "cp1251")
# Below this many bytes, the letter frequencies of a language (the detector's "coherence") do
# not tell one code page's reading from another's.
_SHORT_BYTES = 1024
# The least share of the Hangul and Chinese characters of Korean text that are common
# Hangul syllables.
_KOREAN_HANGUL_SHARE = 0.8


def legacy_encoding(raw: bytes) -> str | None:
    """The encoding of a text file that is not UTF-8, or None where none reads it cleanly.

    charset-normalizer tries every encoding on the first MiB and ranks the readings by how
    much noise (symbols inside words, unlikely sequences) they have. Two corrections:
    readings that are only as clean as another by chance lose to the likelier one, Windows-1252
    or Windows-1251 among 8-bit readings, and Korean misreadings of Chinese or Japanese.

    Args:
        raw: The file's bytes; random bytes, and bytes in two encodings at once, read as
            noise in any encoding.

    Returns:
        A Python codec name (``cp1252``, ``cp932``, ``gb18030`` ...), or None.
    """
    sample = raw
    if len(raw) > _DETECT_BYTES:
        # Cut at a line end, not inside a multi-byte character.
        sample = raw[:_DETECT_BYTES]
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    import charset_normalizer

    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    # The matches come cleanest first.
    best = next((match for match in matches if not _misread_as_korean(str(match))), best)
    # Western text reads as several 8-bit encodings equally cleanly ("à" in Windows-1252 is
    # "ŕ" in Windows-1250), Russian too (Windows-1251 and Mac Cyrillic differ in a few
    # capitals), and the detector does not always try the most common of them, the Windows
    # code pages: they are asked for alone, and taken where they read as cleanly. In a short
    # note, the letter frequencies that would tell the languages apart are not there.
    as_clean = [
        name
        for match in charset_normalizer.from_bytes(sample, cp_isolation=list(_COMMON_ENCODINGS))
        if match.chaos <= best.chaos + _TIE
        and (len(sample) < _SHORT_BYTES or match.coherence >= best.coherence - _TIE)
        for name in match.could_be_from_charset
    ]
    return next((name for name in _COMMON_ENCODINGS if name in as_clean), best.encoding)


def utf8_line_chars(raw: bytes) -> int:
    """The characters beyond ASCII on the lines of ``raw`` that are valid UTF-8.

    Text in a legacy encoding is valid UTF-8 here and there by chance: every few characters
    in Shift-JIS, EUC-KR or GB18030 (two bytes that straddle two characters), now and then in
    8-bit text ("Фё" in Windows-1251). Whole lines of it are not made by chance: they were
    saved as UTF-8.
    """
    count = 0
    for line in raw.split(b"\n"):
        try:
            count += sum(1 for char in line.decode("utf-8") if char > "\x7f")
        except UnicodeDecodeError:
            continue
    return count


def _misread_as_korean(text: str) -> bool:
    """Whether ``text`` is Chinese or Japanese decoded as Korean (by a Korean encoding).

    Korean's wide encodings read most byte pairs, so a short Chinese or Japanese note can
    come out as Korean as cleanly as in its own encoding. Korean is written in Hangul, almost
    all of it the syllables EUC-KR has; a reading that mixes in many Chinese characters, or
    needs the rare syllables that only its extensions have, is not Korean.
    """
    common = rare = han = 0
    for char in text:
        if "\uac00" <= char <= "\ud7a3":
            # EUC-KR has two bytes for each common syllable and spells out the others.
            if len(char.encode("euc_kr")) == 2:
                common += 1
            else:
                rare += 1
        elif "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff":
            han += 1
    return common + rare > 0 and common < _KOREAN_HANGUL_SHARE * (common + rare + han)
