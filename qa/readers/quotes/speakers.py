"""Who a question means: a speaker found by name, title, role, employer or organisation.

Readers ask for people the way newspapers name them: "Home Secretary Charles Clarke",
"Tesco chairman Jane Smith", "Ian Black of the CBI", "Acme's chief executive", "the
chancellor", "Sir Alan". ``SpeakerLinker.resolve`` reads such a phrase against the speakers
of the statement store and what the documents say they are (``index.statements.descriptors``):

1. **A name inside the phrase.** A speaker whose surname the phrase holds (an
   organisation: all of whose name it holds) is meant, provided the given names the phrase
   puts before the surname are theirs ("Charles Clarke" is not Kenneth Clarke). When several
   fit, the phrase's other words ("Home Secretary") choose among them through each one's
   descriptions; if they cannot, all stay (a surname alone means everyone of that name).
2. **A role alone.** Otherwise the phrase names a role: its head noun ("chief",
   "governor", "chairman") must stand in a speaker's description, and its other words
   ("BMW", "central bank", "public accounts committee") count for the speaker when the
   description holds them, and for half when only the speaker's documents do (an
   article about BMW that calls Helmut Panke "the firm's chief"). A description with words
   of its own before the head ("shadow chancellor") fits "the chancellor" less well.

Nothing found: the phrase fits no speaker, and the span reader answers as it would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from index.statements.people import POST_NOMINALS, ROLE_NOUNS, TITLE_WORDS
from index.statements.statement import ORGANISATION
from qa.nlp import stem_words, word_tokens

__all__ = ["TITLES", "SpeakerLinker", "SpeakerProfile"]

# Titles that belong to a name, not a description ("Mr Clarke", "Sir Alan").
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sir",
        "lord",
        "lady",
        "baroness",
        "dame",
        "prof",
        "professor",
    ]
)
# Letters after a name ("Paul Boateng MP"): not its surname.
_POST_NOMINALS = frozenset(w.lower() for w in POST_NOMINALS)
# Words that say nothing about who is meant.
_FILLER = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "at",
        "from",
        "for",
        "in",
        "on",
        "with",
        "by",
        "and",
        "or",
        "to",
        "s",
        "its",
        "his",
        "her",
        "their",
        "our",
        "this",
        "that",
        "new",
        "then",
        "now",
        "current",
        "against",
        "about",
        "over",
    ]
)
# Where a role's head noun ends: "the chairman | of the committee", "the lawyer | leading".
_AFTER_HEAD = frozenset(
    ["of", "at", "from", "for", "in", "with", "on", "who", "which", "leading", "heading", "running"]
)
# Head nouns newspapers use for one another (stemmed when compared).
_SAME_ROLE = (
    frozenset({"head", "chief", "boss", "leader"}),
    frozenset({"chairman", "chair", "chairwoman", "chairperson"}),
    frozenset({"spokesman", "spokeswoman", "spokesperson"}),
    frozenset({"manager", "boss"}),
)
# A role phrase fits a speaker from this score up (see ``_role_score``).
_ROLE_FIT = 0.6
# Nouns that stand for an organisation in a description ("the firm's chief"): they neither
# fit nor spoil a role asked for with the organisation's name ("BMW's chief").
_GENERIC = frozenset(
    stem_words(
        ["firm", "company", "group", "corporation", "organisation", "organization", "business"]
    )
)
# Words that describe a role rather than give a name ("Secretary Clarke").
_ROLE_WORDS_PLAIN = frozenset(ROLE_NOUNS | TITLE_WORDS | {"mp", "mep", "msp", "boss", "head"})
_ROLE_WORDS = frozenset(stem_words(sorted(_ROLE_WORDS_PLAIN)))
# Word endings of nouns that name what someone does (strategist, correspondent, executive).
_ROLE_ENDINGS = ("er", "or", "ist", "ant", "ent", "ian", "ive")
_CASED_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SpeakerProfile:
    """What the store knows of one speaker, for linking a question's phrase to them.

    Attributes:
        name: The speaker's name, as their statements give it.
        kind: ``person`` or ``organisation``.
        descriptions: The documents' descriptions of them ("BMW's chief executive").
        documents: The documents holding their statements.
        statements: How many statements they made.
    """

    name: str
    kind: str
    descriptions: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    statements: int = 0
    name_words: tuple[str, ...] = field(init=False)
    given: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        words = tuple(
            w for w in word_tokens(self.name) if w not in TITLES | _POST_NOMINALS and w != "s"
        )
        object.__setattr__(self, "name_words", words)
        object.__setattr__(self, "given", words[:-1])

    @property
    def surname(self) -> str:
        return self.name_words[-1] if self.name_words else ""


def _initials(cased: Sequence[str]) -> set[str]:
    """The initials of each run of capitalised words ("Qualifications and Curriculum
    Authority" gives "qca"), small words inside a run ("and", "of") skipped."""
    found: set[str] = set()
    run: list[str] = []
    for word in [*cased, ""]:
        if word[:1].isupper():
            run.append(word[0].lower())
        elif word.lower() in {"and", "of", "for", "the"} and run:
            continue
        else:
            if len(run) > 1:
                found.add("".join(run))
            run = []
    return found


def _works_for(phrase: str, organisation: str) -> bool:
    """Whether ``phrase`` names someone of ``organisation`` rather than the organisation
    itself: "Labour's election strategist", "the head of the National Audit Office"."""
    name = r"[\s-]+".join(re.escape(w) for w in re.findall(r"\w+", organisation))
    owned = re.search(name + r"['’]s?\b", phrase, re.IGNORECASE)
    belongs = re.search(r"\b(?:of|at|from|for)\s+(?:the\s+)?" + name, phrase, re.IGNORECASE)
    return bool(owned or belongs)


def _stems(words: Iterable[str]) -> list[str]:
    return stem_words([w for w in words if w not in _FILLER])


def _same_role(head: str) -> frozenset[str]:
    """The head noun and those newspapers use for it, stemmed."""
    same = {head}.union(*(group for group in _SAME_ROLE if head in group))
    return frozenset(stem_words(sorted(same)))


@dataclass(frozen=True)
class _Description:
    """One description's stemmed words, and those that stand before each word."""

    words: tuple[str, ...]

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self.words)

    def before(self, heads: frozenset[str]) -> set[str]:
        """Its words before the first of ``heads`` ("shadow" in "shadow chancellor")."""
        first = next((i for i, w in enumerate(self.words) if w in heads), 0)
        return set(self.words[:first]) - _GENERIC


class SpeakerLinker:
    """Links a question's phrase for a speaker to the speakers it can mean.

    Example:
        >>> linker = SpeakerLinker(profiles, document_text)
        >>> linker.resolve("Home Secretary Charles Clarke")
        ['Charles Clarke']
        >>> linker.resolve("the chairman of the public accounts committee")
        ['Edward Leigh']

    Args:
        profiles: Every speaker of the store.
        document_text: The text of a document by id (its title and body), read only for
            the few speakers a role can mean.
    """

    def __init__(
        self, profiles: Iterable[SpeakerProfile], document_text: Callable[[str], str]
    ) -> None:
        self.profiles = {profile.name: profile for profile in profiles}
        self.document_text = document_text
        self._by_surname: dict[str, list[SpeakerProfile]] = {}
        for profile in self.profiles.values():
            if profile.kind != ORGANISATION and profile.surname:
                self._by_surname.setdefault(profile.surname, []).append(profile)
        self._described: dict[str, list[_Description]] = {
            name: [_Description(tuple(_stems(word_tokens(d)))) for d in profile.descriptions]
            for name, profile in self.profiles.items()
        }
        self._context: dict[str, set[str]] = {}

    def resolve(self, phrase: str, retrieved: Sequence[str] = ()) -> list[str]:
        """The speakers ``phrase`` can mean, the likeliest first (none: nobody fits).

        Args:
            phrase: How the question names the speaker ("Liberal Democrat MP Sarah Teather",
                "BMW's chief", "the Home Office").
            retrieved: Documents retrieved for the question, best first: among speakers a
                role fits equally, those whose statements these hold come first.
        """
        cased = [w for w in _CASED_WORD.findall(phrase) if w.lower() != "s"]
        if not cased:
            return []
        words = [w.lower() for w in cased]
        bare = tuple(w for w in words if w not in TITLES)
        exact = [p.name for p in self.profiles.values() if p.name_words == bare]
        if exact:
            return exact
        named = self._by_name(cased, phrase)
        if named:
            return named
        return self._by_role(words, retrieved)

    def _by_name(self, cased: list[str], phrase: str) -> list[str]:
        """Speakers named inside the phrase, narrowed by its other words."""
        words = [w.lower() for w in cased]
        found: list[tuple[SpeakerProfile, list[str]]] = []
        for position, word in enumerate(words):
            if re.search(rf"\b{re.escape(cased[position])}['’]s?\s+\w", phrase):
                continue  # "David Prutton's manager" is someone else: a role, read below
            for profile in self._by_surname.get(word, ()):
                before = [i for i in range(position) if words[i] not in TITLES]
                previous = before[-1] if before else None
                if previous is not None and profile.given:
                    given = words[previous]
                    if given not in profile.given and cased[previous][:1].isupper():
                        # "Kenneth Clarke" is not Charles Clarke, but "Secretary Clarke" is.
                        described = set().union(*(d.held for d in self._described[profile.name]))
                        if not set(stem_words([given])) & (described | _ROLE_WORDS):
                            continue
                rest = [words[i] for i in before if words[i] not in profile.given]
                found.append((profile, rest))
        initials = _initials(cased)
        for profile in self.profiles.values():
            names = profile.name_words
            if profile.kind != ORGANISATION or not names:
                continue
            spelled = all(w in words for w in names)
            # "the Qualifications and Curriculum Authority" is the "QCA" of its statements.
            abbreviated = len(names) == 1 and profile.name.isupper() and names[0] in initials
            if not (spelled or abbreviated):
                continue
            if spelled and _works_for(phrase, profile.name):
                continue  # "the head of the National Audit Office" is not the Office
            found.append((profile, [w for w in words if w not in names] if spelled else []))
        if not found:
            return []
        if any(p.kind != ORGANISATION for p, _ in found):
            # A person named beside an organisation works there: "Labour MP Diane Abbott".
            found = [(p, rest) for p, rest in found if p.kind != ORGANISATION]
        # The phrase's other words ("Home Secretary") choose between people of one name.
        scored = []
        for profile, rest in found:
            wanted = set(_stems(rest))
            held = max((len(wanted & d.held) for d in self._described[profile.name]), default=0)
            scored.append((held, profile))
        best = max(score for score, _ in scored)
        chosen = dict.fromkeys(p.name for score, p in scored if score == best)
        return sorted(chosen, key=lambda n: -self.profiles[n].statements)

    def _by_role(self, words: list[str], retrieved: Sequence[str]) -> list[str]:
        """Speakers whose descriptions hold the phrase's role ("the chancellor"; "the Lord
        Chancellor" is another role)."""
        cut = next((i for i, w in enumerate(words) if i and w in _AFTER_HEAD), len(words))
        leading = [w for w in words[:cut] if w not in _FILLER]
        if not leading:
            return []
        content = [*leading, *(w for w in words[cut:] if w not in _FILLER)]
        cut = len(leading)
        head = content[cut - 1]
        if not (head in _ROLE_WORDS_PLAIN or head.endswith(_ROLE_ENDINGS)):
            return []  # "the All England Club": an organisation, not a role
        heads = _same_role(head)
        modifiers = set(_stems(w for i, w in enumerate(content) if i != cut - 1)) - heads
        scores: dict[str, float] = {}
        for name in self.profiles:
            coverage, fit = self._role_score(name, heads, modifiers)
            if coverage >= _ROLE_FIT:
                scores[name] = fit
        if not scores:
            return []
        best = max(scores.values())
        tied = [name for name, score in scores.items() if score >= best - 1e-9]
        if len(tied) > 1 and retrieved:
            rank = {doc_id: i for i, doc_id in enumerate(retrieved)}

            def first(name: str) -> int:
                return min(rank.get(d, len(rank)) for d in self.profiles[name].documents)

            top = min(first(name) for name in tied)
            tied = [name for name in tied if first(name) == top]
        return sorted(tied, key=lambda n: -self.profiles[n].statements)

    def _role_score(
        self, name: str, heads: frozenset[str], modifiers: set[str]
    ) -> tuple[float, float]:
        """How well the role (``heads`` and ``modifiers``) fits a speaker: (coverage, rank).

        Over the descriptions holding a head, the best coverage: (1 + the modifiers the
        description or the name holds + half of those only the speaker's documents hold) /
        (1 + the modifiers). The rank, which orders speakers that fit, lowers it by a tenth
        for each word the description has of its own before the head ("shadow" in "shadow
        chancellor" fits "the chancellor" less well than "Chancellor").
        """
        fitting = [d for d in self._described[name] if d.held & heads]
        if not fitting:
            return 0.0, 0.0
        profile = self.profiles[name]
        own_name = set(stem_words(list(profile.name_words)))
        best = (0.0, 0.0)
        for description in fitting:
            held = modifiers & (description.held | own_name)
            missing = modifiers - held
            from_context = missing & self._document_words(profile) if missing else set()
            coverage = (1 + len(held) + 0.5 * len(from_context)) / (1 + len(modifiers))
            extra = description.before(heads) - modifiers
            best = max(best, (coverage, coverage - 0.1 * len(extra)))
        return best

    def _document_words(self, profile: SpeakerProfile) -> set[str]:
        """The stemmed words of the documents holding a speaker's statements."""
        if profile.name not in self._context:
            words: set[str] = set()
            for doc_id in profile.documents:
                words.update(_stems(word_tokens(self.document_text(doc_id))))
            self._context[profile.name] = words
        return self._context[profile.name]
