"""Follow-up questions: resolving pronouns and elliptical questions from the conversation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.nlp import Analyzer
from qa.question import NUMBER_LIKE, TIME_LIKE, analyse_question

if TYPE_CHECKING:
    from spacy.tokens import Span

_ELLIPSIS = re.compile(
    r"^\s*(?:and|what\s+about|how\s+about|and\s+what\s+about)\s+(?P<subject>[^?]+?)\s*\??\s*$",
    re.IGNORECASE,
)
# What each pronoun can stand for, and what follows the name put in its place ("X's").
_PRONOUNS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("he", "him", "she", "her"), ("person", "")),
    **dict.fromkeys(("his", "hers"), ("person", "'s")),
    **dict.fromkeys(("they", "them"), ("group", "")),
    "their": ("group", "'s"),
    "it": ("thing", ""),
    "its": ("thing", "'s"),
    "there": ("place", ""),
}
# "there" only where it ends a clause ("What else was stolen there?"): "Is there a fee?"
# and "there was" are existential and point at no place.
_PRONOUN = re.compile(
    r"\b(he|him|his|she|her|hers|they|them|their|it|its|there(?=\s*(?:[?.!,;]|$)))\b",
    re.IGNORECASE,
)
_ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART")
# The pronouns each kind of named entity can be called by.
_PLACE = frozenset({"thing", "place"})
_LABEL_KINDS: dict[str, frozenset[str]] = {
    "PERSON": frozenset({"person"}),
    "ORG": frozenset({"thing", "group"}),
    "NORP": frozenset({"group"}),
    **dict.fromkeys(("GPE", "LOC", "FAC"), _PLACE),
    **dict.fromkeys(("PRODUCT", "WORK_OF_ART", "EVENT", "LAW"), frozenset({"thing"})),
}
# Questions whose answer names a person, a group, a thing or a place; "when", "how many",
# "why" and yes/no questions are answered by dates, numbers or explanations instead.
_NAMING_QUESTIONS = {"who", "which", "what", "where"}
# Prepositions that can take the place of "there" as they stand ("at the museum").
_LOCATIVES = {"in", "at", "on", "near", "inside", "outside", "beside", "by", "under"}

HistoryItem = str | Mapping[str, object]


@dataclass(frozen=True)
class Turn:
    """One earlier turn: the user's question and, when known, the answer given."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class _Mention:
    """A phrase of an answer, what a pronoun must be to mean it, and its preposition."""

    text: str
    kinds: frozenset[str]
    preposition: str = ""


def turns_from_history(history: Sequence[HistoryItem]) -> list[Turn]:
    """Accept plain earlier questions or chat messages (``{"role", "content"}`` dicts)."""
    turns: list[Turn] = []
    for item in history:
        if isinstance(item, str):
            turns.append(Turn(item))
            continue
        role, content = item.get("role"), item.get("content")
        text = content if isinstance(content, str) else ""
        if role == "user":
            turns.append(Turn(text))
        elif role == "assistant" and turns and not turns[-1].answer:
            turns[-1] = Turn(turns[-1].question, text)
    return [turn for turn in turns if turn.question.strip()]


def _kinds_of(labels: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_LABEL_KINDS.get(label, frozenset()) for label in labels))


def _definite(phrase: str) -> str:
    # The pronoun meant one particular thing, now known: "a new stadium" -> "the new stadium".
    return re.sub(r"^(?:a|an)\s+", "the ", phrase, flags=re.IGNORECASE)


class FollowUpResolver:
    """Rewrites a follow-up question into a self-contained one.

    "Which country did he visit?" after "Who is Ali Larijani?" becomes "Which country did
    Ali Larijani visit?"; "How much is it offering?" after "Which company made the bid?"
    answered "Xstrata" becomes "How much is Xstrata offering?"; "And Trump?" after "What
    did Larijani say?" becomes "What did Trump say?".

    Args:
        analyzer: The parser used to find named entities in earlier turns.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def _entities(self, text: str) -> list[tuple[str, str]]:
        doc = self.analyzer.parse(text)
        found = [
            (entity.text, entity.label_) for entity in doc.ents if entity.label_ in _ENTITY_LABELS
        ]
        if not found:
            # Questions are short and often lower-cased; fall back to proper nouns, but not
            # to those spaCy knows are dates or numbers ("Tuesday").
            names = [token.text for token in doc if token.pos_ == "PROPN" and not token.ent_type_]
            if names:
                found.append((" ".join(names), ""))
        return found

    def _answer_mentions(self, turn: Turn) -> list[_Mention]:
        """Phrases of ``turn.answer`` a pronoun may mean, in order (none for a date or number)."""
        asked = analyse_question(turn.question)
        if (
            asked.kind not in _NAMING_QUESTIONS
            or asked.definition_of  # "Who is X?" is about X, whatever the description names
            or (asked.expected_labels and asked.expected_labels <= TIME_LIKE | NUMBER_LIKE)
        ):
            return []
        # What the question asked for says what an answer's name is when spaCy cannot:
        # "Xstrata", answering "Which company ...?", is a company even if tagged PERSON.
        asked_kinds = _kinds_of(asked.expected_labels)
        doc = self.analyzer.parse(turn.answer)
        chunks = list(doc.noun_chunks)
        spans: list[Span] = chunks + [
            e for e in doc.ents if not any(c.start < e.end and e.start < c.end for c in chunks)
        ]
        mentions: list[_Mention] = []
        for span in sorted(spans, key=lambda span: span.start):
            root, text = span.root, span.text
            entity = next((e for e in doc.ents if e.start <= root.i < e.end), None)
            if entity is not None:
                # The phrase is a name ("Quorvane Mining"); keep the name, not its chunk.
                text = entity.text
                kinds = _LABEL_KINDS.get(entity.label_, frozenset())
                if kinds and asked.expected_labels and entity.label_ not in asked.expected_labels:
                    kinds = asked_kinds
            elif root.pos_ == "PROPN":
                kinds = asked_kinds or frozenset({"thing"})
            elif root.pos_ == "NOUN":
                # "the dock workers" are "they"; "the local farmer", answering "Who ...?",
                # may be "he" or "she" as well as "it".
                plural, text = root.tag_ == "NNS", _definite(text)
                kinds = frozenset({"group"} if plural else {"thing"})
                if not plural and "person" in asked_kinds:
                    kinds |= {"person"}
            else:
                continue  # a pronoun or a number says nothing new
            if asked.kind == "where" and kinds and root.dep_ in {"ROOT", "pobj"}:
                # The place is the answer itself or a preposition's object ("at the museum"),
                # not, say, the subject of an answer that is a whole sentence.
                kinds |= {"place"}
            if kinds:
                locative = root.dep_ == "pobj" and root.head.lower_ in _LOCATIVES
                preposition = root.head.lower_ if locative else ""
                mentions.append(_Mention(text, kinds, preposition))
        return mentions

    def _answer_referent(self, turn: Turn, wanted: str) -> str | None:
        """The phrase of ``turn.answer`` that a pronoun of kind ``wanted`` means, if any."""
        mentions = self._answer_mentions(turn)
        people = [m.text for m in mentions if m.kinds == _LABEL_KINDS["PERSON"]]
        if wanted == "group" and len(people) > 1:
            return " and ".join(people)
        mention = next((m for m in mentions if wanted in m.kinds), None)
        if mention is None:
            return None
        if wanted == "place":
            # Kept simple: the answer's own preposition ("At the harbour") when it has a
            # locative one, else "in"; right for most places, if not for every one.
            return f"{mention.preposition or 'in'} {mention.text}"
        return mention.text

    def _antecedent(self, turns: Sequence[Turn], pronoun: str = "") -> str | None:
        """What ``pronoun`` refers to in the latest turn that has one (any name for "")."""
        wanted = _PRONOUNS[pronoun][0] if pronoun else None
        people_only = wanted == "person"
        for turn in reversed(turns):
            # "Who took over after David Blunkett resigned?" -- "he" is then whoever the
            # answer names, not the person in the question.
            referent = self._answer_referent(turn, wanted) if wanted and turn.answer else None
            if referent or wanted == "place":
                # "there" means a place the last answer named; questions rarely name one
                # that a follow-up points back to without repeating it.
                return referent
            for text in (turn.question, turn.answer):
                if not text:
                    continue
                entities = self._entities(text)
                if people_only:
                    entities = [e for e in entities if e[1] == "PERSON"] or entities
                elif wanted == "thing":
                    # An answer naming only a person is never "it".
                    entities = [e for e in entities if e[1] != "PERSON"]
                if entities:
                    return entities[0][0]
        return None

    def _is_possessive(self, question: str, offset: int) -> bool:
        # "her" is both "him" and "his": "What is her job?" needs "X's job".
        return any(t.idx == offset and t.tag_ == "PRP$" for t in self.analyzer.parse(question))

    def resolve(self, question: str, history: Sequence[HistoryItem]) -> str:
        """Return ``question`` made self-contained using ``history`` (unchanged if it is).

        Args:
            question: The new question.
            history: Earlier questions (strings) or chat messages, oldest first.

        Returns:
            The question with its first pronoun ("it", "he", "their", "there", ...) or its
            ellipsis ("And Trump?") replaced by what it means.
        """
        turns = turns_from_history(history)
        if not turns:
            return question
        ellipsis = _ELLIPSIS.match(question)
        if ellipsis:
            previous = turns[-1].question
            subject = ellipsis.group("subject").strip()
            old = self._antecedent([Turn(previous)])
            if old and old in previous:
                return previous.replace(old, subject, 1)
            return question
        match = _PRONOUN.search(question)
        if not match:
            return question
        pronoun = match.group(1).lower()
        antecedent = self._antecedent(turns, pronoun)
        if antecedent is None:
            return question
        suffix = _PRONOUNS[pronoun][1]
        if pronoun == "her" and self._is_possessive(question, match.start()):
            suffix = "'s"
        if match.start() == 0:
            antecedent = antecedent[:1].upper() + antecedent[1:]
        return question[: match.start()] + antecedent + suffix + question[match.end() :]
