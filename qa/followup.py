"""Follow-up questions: resolving pronouns and elliptical questions from the conversation."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa.nlp import Analyzer
from qa.question import analyse_question

_ELLIPSIS = re.compile(
    r"^\s*(?:and|what\s+about|how\s+about|and\s+what\s+about)\s+(?P<subject>[^?]+?)\s*\??\s*$",
    re.IGNORECASE,
)
_PERSON_PRONOUNS = {"he": "", "him": "", "she": "", "her": "", "his": "'s", "hers": "'s"}
_GROUP_PRONOUNS = {"they": "", "them": "", "their": "'s"}
_THING_PRONOUNS = {"it": "", "its": "'s"}
_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers|they|them|their|it|its)\b", re.IGNORECASE)
_ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART")

HistoryItem = str | Mapping[str, object]


@dataclass(frozen=True)
class Turn:
    """One earlier turn: the user's question and, when known, the answer given."""

    question: str
    answer: str = ""


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


class FollowUpResolver:
    """Rewrites a follow-up question into a self-contained one.

    "Which country did he visit?" after "Who is Ali Larijani?" becomes "Which country did
    Ali Larijani visit?"; "And Trump?" after "What did Larijani say?" becomes "What did
    Trump say?".

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
            # Questions are short and often lower-cased; fall back to proper nouns.
            names = [token.text for token in doc if token.pos_ == "PROPN"]
            if names:
                found.append((" ".join(names), "PERSON"))
        return found

    def _antecedent(self, turns: Sequence[Turn], pronoun: str = "") -> str | None:
        """The name ``pronoun`` refers to in the latest turn that has one (any name for "")."""
        people_only = pronoun in _PERSON_PRONOUNS
        for turn in reversed(turns):
            # "Who took over after David Blunkett resigned?" -- "he" is then whoever the
            # answer names, not the person in the question ("Who is X?" is about X).
            asked = analyse_question(turn.question) if turn.answer else None
            if asked and asked.kind in {"who", "which"} and not asked.definition_of:
                wanted = {"PERSON"} if people_only else set(_ENTITY_LABELS)
                if pronoun in _THING_PRONOUNS:
                    wanted.discard("PERSON")
                named = [e for e in self._entities(turn.answer) if e[1] in wanted]
                if named:
                    return named[0][0]
            for text in (turn.question, turn.answer):
                if not text:
                    continue
                entities = self._entities(text)
                if people_only:
                    entities = [e for e in entities if e[1] == "PERSON"] or entities
                if entities:
                    return entities[0][0]
        return None

    def resolve(self, question: str, history: Sequence[HistoryItem]) -> str:
        """Return ``question`` made self-contained using ``history`` (unchanged if it is).

        Args:
            question: The new question.
            history: Earlier questions (strings) or chat messages, oldest first.
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
        suffix = {**_PERSON_PRONOUNS, **_GROUP_PRONOUNS, **_THING_PRONOUNS}[pronoun]
        return question[: match.start()] + antecedent + suffix + question[match.end() :]
