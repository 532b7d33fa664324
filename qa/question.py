"""Reading a question: what kind of answer it expects, its content words, a quoted speaker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.nlp import word_tokens


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SPEECH_VERBS = _words(
    "say said says saying tell told tells telling claim claimed claims claiming "
    "state stated states add added adds adding announce announced announces argue "
    "argued argues warn warned warns note noted notes insist insisted insists "
    "explain explained explains report reported reports write wrote writes comment "
    "commented comments mention mentioned mentions declare declared declares "
    "suggest suggested suggests believe believed believes think thought thinks "
    "assert asserted asserts acknowledge acknowledged respond responded replied "
    "reply quote quoted"
)

_STOP = _words(
    "a an the of in on at to for from by with about as into over after before "
    "between during is are was were be been being am do does did doing done has "
    "have had having what which who whom whose when where why how that this these "
    "those it its it's and or but not no nor so than then there their they them he "
    "him his she her hers we our us you your i me my mine can could will would "
    "shall should may might must also too very just one ones s t"
)

_NEGATIONS = _words("not no never n't nt none nothing neither nor without")

_ATTRIBUTION = re.compile(
    # A determiner is never the whole speaker: "the report" / "the note" are not "the" + verb.
    # After "is" or "was" the verb is passive or a noun ("What is the state bird?", "What
    # was the county added to?"), never someone's words, so only do and have ask for them.
    # A scene may come first ("At the launch, what did X say ...?").
    r"^\s*(?:and\s+|[^,?]{3,80},\s*)?what\s+(?:did|does|do|has|have|had)\s+"
    r"(?P<speaker>(?:(?:the|a|an|this|that|these|those|his|her|their|its|our)\s+)?"
    r"(?!(?:the|a|an|this|that|these|those|his|her|their|its|our)\s)\S.*?)\s+"
    r"(?P<verb>say|said|tell|told|claim|claimed|state|stated|argue|argued|add|added|announce|"
    r"announced|warn|warned|report|reported|write|wrote|note|noted|insist|insisted|mention|"
    r"mentioned|comment|commented|explain|explained|think|believe|ask|asked|admit|admitted|"
    r"predict|predicted|suggest|suggested|promise|promised|urge|urged|reveal|revealed|"
    r"concede|conceded|complain|complained|deny|denied|stress|stressed|pledge|pledged)\b"
    r"(?P<rest>[^?]*)\??\s*$",
    re.IGNORECASE,
)

# "How did X describe Y?" asks for X's words on Y; "According to X, why ...?" for what X
# said of the question's matter.
_DESCRIBE = re.compile(
    r"^\s*how\s+(?:did|does|do|has|have|had)\s+(?P<speaker>\S.*?)\s+"
    r"(?:describe|described|characterise|characterize|characterised|characterized)\b"
    r"(?P<rest>[^?]*)\??\s*$",
    re.IGNORECASE,
)
# Why, how and yes-or-no: "According to the census, what is the population?" wants a figure.
_ACCORDING = re.compile(
    r"^\s*according\s+to\s+(?P<speaker>[^,?]+?)\s*,\s*"
    r"(?P<rest>(?:why|how|has|have|is|are|was|were|does|do|did|should|would|will|can|could)"
    r"\b[^?]+)\??\s*$",
    re.IGNORECASE,
)
# The words of "rest" that say what the statement was about, when a preposition says so
# ("told BBC News about the plans": the plans, not BBC News).
_ABOUT = re.compile(r"\b(?:about|on|regarding|concerning|over)\b\s+(?P<topic>.*)$", re.I)

# After "say", what may follow when the question asks for the statement itself: nothing, or
# what it was about, to whom, where or when ("What did X say about Y / to Z / on Monday?").
# Anything else is a clause with a gap ("What did the court say Steymann was entitled to?"),
# whose answer is a phrase inside the statement, not the statement.
_STATEMENT_FOLLOWERS = _words(
    "about on in at to during after before regarding concerning when while of over "
    "last yesterday today tonight earlier later recently this"
)
_DETERMINERS = _words("the a an this that these those his her their its our my your")
# "tell" names its listener first ("What did X tell reporters?"); a verb after it is a gap.
_CLAUSE_WORDS = _words(
    "that is was were are be been had has have would could should will can did do does not never"
)


def _asks_for_statement(text: str, speaker: str, verb: str, rest: str) -> bool:
    """Whether a "What did X <speech verb> ...?" question wants X's words (see above)."""
    written_in_lower_case = any(word.islower() for word in text.split()[1:])
    if verb[:1].isupper() and written_in_lower_case:
        return False  # "the Islamic State proclaim...": a name, not the verb
    last = speaker.split()[-1].lower() if speaker.split() else ""
    if last in {"not", "never"}:
        return False  # "What does the article not state?" asks what is missing
    if last in _DETERMINERS or last.endswith(("'s", "’s")):
        return False  # "leave the state of", "Kilbrandon's report in 1973": a noun
    following = word_tokens(rest)
    if not following:
        return True
    if verb.lower() in {"tell", "told"}:
        # "tell reporters?", "tell MPs about who should ...?": a listener, then the matter.
        clause = next((i for i, w in enumerate(following) if w in _CLAUSE_WORDS), None)
        about = next((i for i, w in enumerate(following) if w == "about"), None)
        return clause is None or (about is not None and about < clause)
    return following[0] in _STATEMENT_FOLLOWERS


# "Who is X?", "What was X?": the answer describes X (an appositive or the copula's complement).
_DEFINITION = re.compile(
    r"^\s*(?:who|what)\s+(?:is|was|are|were)\s+(?P<subject>[^?]+?)\s*\??\s*$", re.IGNORECASE
)

# Entity labels (spaCy's OntoNotes scheme) that answer each kind of question.
PERSON_LIKE = frozenset({"PERSON", "ORG", "NORP"})
TIME_LIKE = frozenset({"DATE", "TIME"})
PLACE_LIKE = frozenset({"GPE", "LOC", "FAC"})
NUMBER_LIKE = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})

_FOCUS_TYPES: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (
        _words("year years date day days month months century decade time era period"),
        TIME_LIKE,
    ),
    (
        _words(
            "country countries city cities state states nation region place town continent "
            "island province county location capital area"
        ),
        PLACE_LIKE | frozenset({"NORP"}),
    ),
    (
        _words(
            "person man woman king queen president leader author scientist player emperor "
            "ruler founder writer artist architect actor general people"
        ),
        frozenset({"PERSON"}),
    ),
    (
        _words(
            "company organization organisation group party team university institution "
            "agency network channel newspaper broadcaster band club"
        ),
        frozenset({"ORG"}),
    ),
    (_words("percentage percent proportion share"), frozenset({"PERCENT"})),
    (_words("language languages"), frozenset({"LANGUAGE", "NORP"})),
    (_words("price cost amount"), frozenset({"MONEY", "CARDINAL", "QUANTITY"})),
)


@dataclass(frozen=True)
class Question:
    """What the reader needs to know about a question.

    Attributes:
        text: The question.
        kind: ``who``, ``when``, ``where``, ``how_many``, ``how_much``, ``how_long``,
            ``which``, ``what``, ``why``, ``how``, ``say`` (attribution) or ``other``.
        expected_labels: Entity labels an answer should carry; empty when any phrase will do.
        content_words: Lower-cased words that carry the question's meaning.
        speaker: For "What did X say?", the X; else None.
        topic_words: For attribution questions, content words after the verb ("about Iran").
        focus: The noun right after "which"/"what"/"how many" ("country"), else "".
        definition_of: For "Who is X?" / "What was X?", the X; else "".
        negated: The question contains a negation ("not", "never", ...).
    """

    text: str
    kind: str
    expected_labels: frozenset[str]
    content_words: tuple[str, ...]
    speaker: str | None = None
    topic_words: tuple[str, ...] = ()
    focus: str = ""
    definition_of: str = ""
    negated: bool = False


def has_negation(text: str) -> bool:
    """True when ``text`` contains a negation ("not", "never", "n't", ...)."""
    return any(word in _NEGATIONS for word in word_tokens(text)) or "n't" in text.lower()


def is_function_word(word: str) -> bool:
    """True for a lower-cased word that carries no content ("the", "did", "which")."""
    return word in _STOP


def content_words(text: str) -> tuple[str, ...]:
    """Words of ``text`` that are not function words, in order, de-duplicated."""
    return tuple(dict.fromkeys(w for w in word_tokens(text) if w not in _STOP))


def _focus_labels(words: list[str], after: int) -> frozenset[str]:
    for word in words[after : after + 3]:
        for nouns, labels in _FOCUS_TYPES:
            if word in nouns:
                return labels
    return frozenset()


def _focus_word(words: list[str], after: int) -> str:
    word = words[after] if after < len(words) else ""
    return "" if word in _STOP else word


def _statement_asked(text: str) -> tuple[str, str] | None:
    """For a question asking for someone's statement, who (as the question names them) and
    the rest of the question (what it was about, to whom, when); else None."""
    attribution = _ATTRIBUTION.match(text)
    if attribution and _asks_for_statement(
        text, attribution.group("speaker"), attribution.group("verb"), attribution.group("rest")
    ):
        return _speaker_phrase(attribution.group("speaker")), attribution.group("rest")
    for pattern in (_DESCRIBE, _ACCORDING):
        match = pattern.match(text)
        if match:
            speaker = _speaker_phrase(match.group("speaker"))
            if speaker and speaker.split()[-1].lower() not in _DETERMINERS:
                return speaker, match.group("rest")
    return None


def _speaker_phrase(phrase: str) -> str:
    """The phrase naming a speaker, without the commas around an apposition in it."""
    return phrase.strip().strip(",").strip()


def analyse_question(text: str) -> Question:
    """Classify ``text`` by the answer it expects.

    Args:
        text: The question.

    Returns:
        Its kind, expected entity labels, content words, focus noun and, for attribution
        questions, the speaker.
    """
    words = word_tokens(text)
    negated = has_negation(text)
    statement = _statement_asked(text)
    if statement is not None:
        speaker, rest = statement
        about = _ABOUT.search(rest)
        return Question(
            text=text,
            kind="say",
            expected_labels=frozenset(),
            content_words=content_words(text),
            speaker=speaker,
            topic_words=content_words(about.group("topic") if about else rest),
            negated=negated,
        )
    kind, labels, focus = "other", frozenset[str](), ""
    for position, word in enumerate(words):
        following = words[position + 1] if position + 1 < len(words) else ""
        if word in {"who", "whom", "whose"}:
            kind, labels = "who", PERSON_LIKE
        elif word == "when":
            kind, labels = "when", TIME_LIKE
        elif word == "where":
            kind, labels = "where", PLACE_LIKE | frozenset({"ORG"})
        elif word == "how" and following in {"many", "much"}:
            focus = _focus_word(words, position + 2)
            found = _focus_labels(words, position + 2)
            kind = "how_many" if following == "many" else "how_much"
            if kind == "how_many":
                # A count is a number whatever is counted ("How many countries...?" is not
                # answered by a country); counted time spans ("how many years") stay dates.
                labels = NUMBER_LIKE | (found & TIME_LIKE)
            else:
                labels = found if found else NUMBER_LIKE
        elif word == "how" and following in {"long", "old", "often", "far", "large", "big"}:
            kind, labels = "how_long", NUMBER_LIKE | TIME_LIKE
        elif word in {"which", "what"}:
            kind = word
            focus = _focus_word(words, position + 1)
            labels = _focus_labels(words, position + 1)
        elif word == "why":
            kind, labels = "why", frozenset()
        elif word == "how":
            kind, labels = "how", frozenset()
        else:
            continue
        break
    definition = _DEFINITION.match(text)
    return Question(
        text=text,
        kind=kind,
        expected_labels=labels,
        content_words=content_words(text),
        focus=focus,
        definition_of=definition.group("subject").strip() if definition else "",
        negated=negated,
    )
