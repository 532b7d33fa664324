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
    r"^\s*(?:and\s+)?what\s+(?:did|does|do|has|have|had)\s+"
    r"(?P<speaker>(?:(?:the|a|an|this|that|these|those|his|her|their|its|our)\s+)?"
    r"(?!(?:the|a|an|this|that|these|those|his|her|their|its|our)\s)\S.*?)\s+"
    r"(?P<verb>say|said|tell|told|claim|claimed|state|stated|argue|argued|add|added|announce|"
    r"announced|warn|warned|report|reported|write|wrote|note|noted|insist|insisted|mention|"
    r"mentioned|comment|commented|explain|explained|think|believe)\b(?P<rest>[^?]*)\??\s*$",
    re.IGNORECASE,
)

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
        return not any(word in _CLAUSE_WORDS for word in following)
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
    attribution = _ATTRIBUTION.match(text)
    if attribution and _asks_for_statement(
        text, attribution.group("speaker"), attribution.group("verb"), attribution.group("rest")
    ):
        speaker = attribution.group("speaker").strip()
        return Question(
            text=text,
            kind="say",
            expected_labels=frozenset(),
            content_words=content_words(text),
            speaker=speaker,
            topic_words=content_words(attribution.group("rest")),
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
