"""How a document describes its speakers: the titles, roles and employers beside their names.

News copy names people with what they are: "Home Secretary Charles Clarke", "Helmut Panke,
BMW's chief executive, said", "Ian Black of the CBI", "Labour's Yvette Cooper". Readers ask
for them the same way ("What did BMW's chief say?"), so each mention of a speaker's name is
read for the words around it, without the parser:

- before the name, the run of title-like words that leads into it ("Liberal Democrat MP",
  "National Audit Office chief", "Bafta's"), stopping at punctuation and at function words
  and verbs ("said", "the", "by");
- after it, an apposition between commas (", deputy chief economist at BMO Financial
  Group,") or a phrase with "of", "from" or "at" (" of the Independent Manchester United
  Supporters' Association").

The spans are kept as they stand; a question's words are compared with them later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index.sources.cleaning import TextSpan
from index.statements.people import HONORIFICS, ROLE_NOUNS, TITLE_WORDS
from index.statements.statement import Descriptor

__all__ = ["describe"]

# Words that end a run of title words before a name: function words, and the verbs news
# copy puts before a name ("said", "joined by", "told").
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "yet",
        "by",
        "with",
        "to",
        "for",
        "in",
        "on",
        "at",
        "as",
        "into",
        "onto",
        "than",
        "then",
        "that",
        "this",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "while",
        "where",
        "after",
        "before",
        "since",
        "until",
        "during",
        "per",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "has",
        "have",
        "had",
        "having",
        "do",
        "does",
        "did",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "not",
        "no",
        "also",
        "only",
        "even",
        "just",
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "you",
        "him",
        "her",
        "them",
        "us",
        "me",
        "his",
        "its",
        "their",
        "our",
        "my",
        "your",
        "said",
        "says",
        "say",
        "saying",
        "told",
        "tells",
        "tell",
        "added",
        "adds",
        "warned",
        "warns",
        "argued",
        "argues",
        "claimed",
        "claims",
        "insisted",
        "insists",
        "explained",
        "explains",
        "according",
        "asked",
        "asks",
        "replied",
        "replies",
        "believes",
        "believed",
        "thinks",
        "thought",
        "wrote",
        "writes",
        "criticised",
        "criticized",
        "praised",
        "joined",
        "including",
        "like",
        "such",
        "among",
        "between",
        "against",
        "about",
        "over",
        "under",
        "from",
        "via",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
        "tomorrow",
    ]
)
# A run of title words before a name holds at most this many words.
_MAX_BEFORE = 7
_WORD = re.compile(r"[\w][\w'’&.-]*")
# After the name: ", APPOSITION," (up to the next comma or full stop) ...
_APPOSITION = re.compile(r"\s*,\s*([^,.;:!?\"“”()\n]{3,120}?)\s*(?=,|\.|;|\)|\n|$)")
# ... or " of / from / at ORGANISATION" up to punctuation or a verb.
_OF_PHRASE = re.compile(
    r",?\s+((?:of|from|at)\s+[^,.;:!?\"“”()\n]{2,90}?)"
    r"(?=\s*(?:,|\.|;|\)|\n|$)|\s+(?:said|says|told|tells|added|warned|argued|who|has|had|is|was)\b)"
)
# An apposition that starts so is not a description: a list, a verb, a quotation's frame.
_NOT_APPOSITION = re.compile(
    r"^(?:and|or|but|who\s+(?:said|says|told|added)|said|says|told|adding|saying|which|"
    r"when|where|while|as|if|he|she|it|they|we|I|will|would|has|have|had|is|was|are|were|"
    r"may|might|can|could|should|must|did|does|do|whose)\b",
    re.IGNORECASE,
)


def _before(sentence: str, name_start: int) -> tuple[int, int] | None:
    """The run of title words just before a name at ``name_start`` of ``sentence``."""
    words = list(_WORD.finditer(sentence[:name_start]))
    kept: list[re.Match[str]] = []
    for word in reversed(words):
        between = sentence[word.end() : kept[-1].start() if kept else name_start]
        if between.strip():  # punctuation between words ends the run
            break
        text = word.group()
        lower = text.lower().rstrip(".")
        if lower in _STOP or (text.islower() and lower.endswith("ed") and len(lower) > 5):
            break
        kept.append(word)
        if len(kept) == _MAX_BEFORE:
            break
    # A name's own title is part of the name ("Mr", "Sir"), not a description of it.
    while kept and kept[0].group().lower().rstrip(".") in HONORIFICS:
        kept.pop(0)
    if not kept:
        return None
    if len(kept) == 1:
        # One capitalised word alone is more likely a given name than a description
        # ("Helmut" before "Panke"), unless it is a role or a possessive ("Labour's").
        only = kept[0].group()
        role = only.lower() in ROLE_NOUNS | TITLE_WORDS
        if only[:1].isupper() and not role and not only.endswith(("'s", "’s")):
            return None
    return kept[-1].start(), kept[0].end()


# Before a name set off by commas ("the Archbishop of Canterbury, Dr Rowan Williams, will
# preside"): the role phrase back to the clause's start.
_CLAUSE_STOP = frozenset(
    [
        "said",
        "says",
        "told",
        "tells",
        "which",
        "that",
        "who",
        "and",
        "but",
        "as",
        "by",
        "with",
        "when",
        "while",
        "after",
        "before",
    ]
)
_MAX_ROLE_PHRASE = 10
# Word endings of nouns that name what someone does (editor, economist, consultant).
_ROLE_ENDINGS = ("er", "or", "ist", "ant", "ent", "ian")


def _role_before_comma(sentence: str, name_start: int) -> tuple[int, int] | None:
    """The role phrase a name stands in apposition to: "The chairman of the Bar Council" in
    "The chairman of the Bar Council, Guy Mansfield QC, has warned"."""
    head = sentence[:name_start]
    titles = re.search(r"(?:\b(?:" + "|".join(HONORIFICS) + r")\.?\s+)*$", head, re.I)
    head = head[: titles.start()] if titles else head
    if not re.search(r",\s*$", head):
        return None
    head = head[: head.rstrip().rfind(",")]
    words = list(_WORD.finditer(head))
    kept: list[re.Match[str]] = []
    for word in reversed(words):
        between = head[word.end() : kept[-1].start() if kept else len(head)]
        if between.strip() or word.group().lower() in _CLAUSE_STOP:
            break
        kept.append(word)
        if len(kept) == _MAX_ROLE_PHRASE:
            break
    while kept and kept[-1].group().lower() in {"the", "a", "an"}:
        kept.pop()
    if not kept:
        return None
    lowered = [w.group().lower() for w in kept]
    if not any(w in ROLE_NOUNS | TITLE_WORDS or w.endswith(_ROLE_ENDINGS) for w in lowered):
        return None
    return kept[-1].start(), kept[0].end()


def _after(sentence: str, name_end: int) -> list[tuple[int, int]]:
    """An apposition or an "of"/"from"/"at" phrase just after a name ending at ``name_end``."""
    rest = sentence[name_end:]
    found = []
    apposition = _APPOSITION.match(rest)
    if apposition and not _NOT_APPOSITION.match(apposition.group(1)):
        words = apposition.group(1).split()
        # A description holds a lower-case word or a possessive ("BMW's"); a run of names
        # alone is a list of people ("Tony Blair, Gordon Brown and ...").
        if any(w.islower() or w.endswith(("'s", "’s")) for w in words):
            found.append((name_end + apposition.start(1), name_end + apposition.end(1)))
    of_phrase = _OF_PHRASE.match(rest)
    if of_phrase:
        found.append((name_end + of_phrase.start(1), name_end + of_phrase.end(1)))
    return found


def _mentions(sentence: str, name: str) -> Iterable[tuple[int, int]]:
    """Where ``name`` (its full form, or its last word after a title) stands in ``sentence``."""
    words = name.split()
    full = r"\b" + r"\s+".join(re.escape(w) for w in words) + r"\b"
    spans = [(m.start(), m.end()) for m in re.finditer(full, sentence)]
    if len(words) > 1:
        surname = re.escape(words[-1])
        titled = r"\b(?:" + "|".join(HONORIFICS) + r")\.?\s+" + surname + r"\b"
        for match in re.finditer(titled, sentence, flags=re.IGNORECASE):
            if not any(s <= match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    return sorted(spans)


def describe(text: str, sentences: Sequence[TextSpan], speakers: Iterable[str]) -> list[Descriptor]:
    """Every description the document gives the named ``speakers``, in document order.

    Args:
        text: The document text.
        sentences: Its sentences (article text only).
        speakers: The speakers' names, as their statements give them.

    Returns:
        Descriptors (spans of ``text``), at most one of each span per speaker.
    """
    names = [name for name in dict.fromkeys(speakers) if name.strip()]
    found: dict[tuple[str, int, int], Descriptor] = {}
    for sentence in sentences:
        raw = text[sentence.start : sentence.end]
        for name in names:
            if name.split()[-1] not in raw:
                continue
            for start, end in _mentions(raw, name):
                spans = [
                    _before(raw, start),
                    _role_before_comma(raw, start),
                    *_after(raw, end),
                ]
                for span in spans:
                    if span is None:
                        continue
                    first, last = sentence.start + span[0], sentence.start + span[1]
                    found.setdefault((name, first, last), Descriptor(name, first, last))
    return sorted(found.values(), key=lambda d: (d.start, d.end, d.speaker))
