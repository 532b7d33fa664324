"""Make "made-up unanswerable" questions from answerable SQuAD 1.1 questions by swapping one entity.

For an answerable question over a paragraph, spaCy's small English pipeline finds the named
entities, numbers and dates of the question. The one that binds the question to its answer is
swapped: not part of the gold answer, and named in the paragraph sentence that holds the answer
(else elsewhere in the paragraph; never one the paragraph does not name). Its replacement is
another entity of the same label from the same article, in neither the answer's sentence nor
the answer, so the question still reads as answerable but the paragraph no longer answers it.
Numbers and dates are swapped only for ones written alike ("1205" for "1210"), never after
"before" or "since", and never a vague one ("what year", "a single year"); aliases ("US",
"United States") count as the same thing. Questions with no such swap are skipped; paragraphs
are kept as they are.

Writes SQuAD 2.0 JSON (``is_impossible: true``, no answers, plus ``made_from`` = the original
question id and ``swap`` = [original text, new text, label]) to ``--out`` and a Markdown file of
``--sample`` random items, with their answer sentence, for a person to check.

    .venv/bin/python scripts/make_unanswerables.py                      # 10,000 questions
    .venv/bin/python scripts/make_unanswerables.py --limit 3000 --seed 1
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import random
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger("make_unanswerables")

ROOT = Path(__file__).resolve().parents[1]
SQUAD11_TRAIN = ROOT.parent / "shared" / "train" / "squad11_train.json.gz"
DEFAULT_OUT = Path("data/train/made_unanswerables.json")

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART"})
# Numbers and dates are swapped only for one written the same way ("1205" for "1210", never
# "mid-20th century" for "1920", which may still hold the answer) and found nowhere in the
# paragraph, whose other numbers often state a parallel fact ("at 70 degrees North ... at 78").
NUMERIC_LABELS = frozenset({"DATE", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
SWAP_LABELS = NAME_LABELS | NUMERIC_LABELS
WH_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
# A date after one of these words names a range, which a different date may still fall in.
RANGE_WORDS = ("before", "after", "since", "until", "till", "prior to", "following")
POSSESSIVES = frozenset({"'s", "'", "’s", "’"})
# What may join two entities into one list ("US/Canada", "Lleida and Tarragona"): swapping one
# of them leaves the other, which still leads to the answer.
CONJUNCTIONS = frozenset({"and", "or", "/", ",", "&", ", and", ", or"})

# Where the swapped entity of the question was found, best first: in the answer's sentence it
# is what ties the question to the answer; elsewhere it ties the question to the paragraph. One
# the paragraph does not name is never swapped: it is often the article's subject, which the
# paragraph calls "the city" or "it", so it would answer the new question as well as the old.
ANCHORS = ("sentence", "paragraph")


@dataclass(frozen=True)
class Entity:
    """A named entity, number or date, by character offsets in the text it was found in."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class MadeQuestion:
    """One made-up unanswerable question and what it was made from."""

    id: str
    question: str
    made_from: str
    original_question: str
    original: Entity
    replacement: str
    anchor: str
    answer_text: str
    answer_sentence: str
    title: str
    paragraph: int

    def to_squad(self) -> dict[str, Any]:
        """The SQuAD 2.0 ``qas`` entry."""
        return {
            "id": self.id,
            "question": self.question,
            "answers": [],
            "is_impossible": True,
            "made_from": self.made_from,
            "swap": [self.original.text, self.replacement, self.original.label],
        }


def load_squad_file(path: Path) -> list[dict[str, Any]]:
    """The articles (``data``) of a SQuAD-format file, gzipped or not.

    As ``train_reader.load_squad_file``; not imported from there, which would load torch.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)["data"]
    return data


def fast_english(nlp: Language) -> Language:
    """Keep only what entities and sentences need: the statistical sentence splitter instead
    of the parser (about twice as fast on paragraphs; NER does not depend on either)."""
    for name in ("tagger", "parser", "attribute_ruler", "lemmatizer"):
        if name in nlp.pipe_names:
            nlp.disable_pipe(name)
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    return nlp


def entities(doc: Doc) -> list[Entity]:
    """The specific entities of ``doc`` with a swappable label, without a leading "the" or a
    trailing possessive (so that "the X's" becomes "the Y's", never "the the Y" or "Y")."""
    found = []
    for ent in doc.ents:
        if ent.label_ not in SWAP_LABELS:
            continue
        span = ent[1:] if len(ent) > 1 and ent[0].lower_ == "the" else ent
        span = span[:-1] if len(span) > 1 and span[-1].text in POSSESSIVES else span
        text = span.text.strip()
        if is_specific(text, ent.label_):
            found.append(Entity(text, ent.label_, span.start_char, span.end_char))
    return found


def is_specific(text: str, label: str) -> bool:
    """Whether ``text`` names one thing: two letters or digits or more (not "C."), no question
    word ("what year"), not the pronoun-like "one" ("one business from another"), a name ends
    in a capital or digit (not the fragment "City of"), and a date has a digit or a name in it
    ("1858", "March"; not "the year" or "a single year")."""
    if sum(c.isalnum() for c in text) < 2 or WH_WORDS.intersection(text.lower().split()):
        return False
    if label == "CARDINAL" and text.lower() == "one":
        return False
    if label not in NUMERIC_LABELS and not (text.split()[-1][0].isupper() or text[-1].isdigit()):
        return False
    return label != "DATE" or any(c.isdigit() or c.isupper() for c in text)


def plain(text: str) -> str:
    """``text`` in lower case without accents ("Mahāyāna" -> "mahayana")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def mentions(needle: str, haystack: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as whole words, ignoring case and accents."""
    pattern = r"(?<!\w)" + re.escape(plain(needle)) + r"(?!\w)"
    return re.search(pattern, plain(haystack)) is not None


def initials(text: str) -> str:
    """The capital letters of ``text`` ("United States" -> "US", "U.S." -> "US")."""
    return "".join(c for c in text if c.isupper())


def overlaps(first: str, second: str) -> bool:
    """Whether the texts may name the same thing: either holds the other as whole words
    ("Knowles", "Beyoncé Knowles"), or one is the other's acronym ("US", "United States")."""
    if mentions(first, second) or mentions(second, first):
        return True
    short, long = sorted((first, second), key=len)
    return len(initials(short)) > 1 and initials(short) == initials(long) == short.replace(".", "")


def shape(text: str) -> str:
    """How ``text`` is written: runs of digits, lower and upper case letters ("2 May 1990" ->
    "d Aa d")."""
    classes = (
        "d" if c.isdigit() else "A" if c.isupper() else "a" if c.isalpha() else c for c in text
    )
    return re.sub(r"(.)\1+", r"\1", "".join(classes))


def coordinated(question: str, entity: Entity, others: Sequence[Entity]) -> bool:
    """Whether ``entity`` is listed with another of its label ("US/Canada")."""
    for other in others:
        if other.label != entity.label or other == entity:
            continue
        first, second = sorted((entity, other), key=lambda e: e.start)
        if question[first.end : second.start].strip() in CONJUNCTIONS:
            return True
    return False


def in_range(question: str, entity: Entity) -> bool:
    """Whether a date of ``question`` follows "before", "since" and the like."""
    before = question[: entity.start].rstrip().lower()
    return entity.label == "DATE" and before.endswith(RANGE_WORDS)


def answer_sentence(paragraph: Doc, start: int, end: int) -> str:
    """The sentence(s) of ``paragraph`` that hold the characters ``start:end``."""
    sentences = [s for s in paragraph.sents if s.start_char < end and s.end_char > start]
    if not sentences:
        return paragraph.text
    return paragraph.text[sentences[0].start_char : sentences[-1].end_char]


def entity_pool(paragraphs: Iterable[Doc]) -> dict[str, dict[str, int]]:
    """Per label, the distinct entity texts of an article (first spelling kept, in order) and
    how many times each was found with that label."""
    pool: dict[str, dict[str, int]] = {}
    spelling: dict[tuple[str, str], str] = {}
    for doc in paragraphs:
        for entity in entities(doc):
            text = spelling.setdefault((entity.label, plain(entity.text)), entity.text)
            texts = pool.setdefault(entity.label, {})
            texts[text] = texts.get(text, 0) + 1
    return pool


def replacements(
    entity: Entity, question: str, answer_text: str, avoided: str, pool: dict[str, dict[str, int]]
) -> list[str]:
    """The texts that may replace ``entity``: same label, a different thing, written the same
    way if a number or date, and in neither ``avoided`` (the answer's sentence, or for numbers
    and dates its paragraph), the answer nor the question.
    A different thing is also not part of a longer name that holds ``entity`` ("John" for
    "Kerry", as the article names "John Kerry").
    """
    names = [name for texts in pool.values() for name in texts]
    longer = [name for name in names if name != entity.text and mentions(entity.text, name)]
    return [
        text
        for text in pool.get(entity.label, {})
        if not overlaps(text, entity.text)
        and not any(mentions(text, name) for name in longer)
        and not mentions(text, avoided)
        and not overlaps(text, answer_text)
        and not mentions(text, question)
        and (entity.label not in NUMERIC_LABELS or shape(text) == shape(entity.text))
    ]


def choose_swap(
    question: str,
    question_entities: Sequence[Entity],
    answer_text: str,
    sentence: str,
    paragraph: str,
    pool: dict[str, dict[str, int]],
    rng: random.Random,
) -> tuple[Entity, str, str] | None:
    """The entity to swap, its replacement and its anchor (one of ``ANCHORS``), if any.

    Entities that are part of the answer, not in the paragraph, listed with another of their
    label or a date after "before" are never swapped; among the others, those found in the
    answer's sentence come first.
    """
    tiers: dict[str, list[tuple[Entity, list[str]]]] = {anchor: [] for anchor in ANCHORS}
    for entity in question_entities:
        if (
            overlaps(entity.text, answer_text)
            or in_range(question, entity)
            or coordinated(question, entity, question_entities)
        ):
            continue
        if mentions(entity.text, sentence):
            anchor = "sentence"
        elif mentions(entity.text, paragraph):
            anchor = "paragraph"
        else:
            continue
        avoided = paragraph if entity.label in NUMERIC_LABELS else sentence
        options = replacements(entity, question, answer_text, avoided, pool)
        if options:
            tiers[anchor].append((entity, options))
    for anchor in ANCHORS:
        if tiers[anchor]:
            entity, options = rng.choice(tiers[anchor])
            # A label given once in the article is more often wrong ("Award" as a person).
            repeated = [text for text in options if pool[entity.label][text] > 1]
            return entity, rng.choice(repeated or options), anchor
    return None


def swapped(question: str, entity: Entity, replacement: str) -> str:
    """``question`` with each mention of ``entity`` (as whole words) replaced by
    ``replacement``: a question that names it twice must lose both."""
    pattern = r"(?<!\w)" + re.escape(entity.text) + r"(?!\w)"
    return re.sub(pattern, lambda _: replacement, question)


def make_article(
    article: dict[str, Any], nlp: Language, rng: random.Random, per_article: int
) -> list[MadeQuestion]:
    """Up to ``per_article`` made-up questions from one article's answerable questions."""
    contexts = [p["context"] for p in article["paragraphs"]]
    paragraphs = list(nlp.pipe(contexts, batch_size=64))
    pool = entity_pool(paragraphs)
    candidates = [
        (index, qa)
        for index, paragraph in enumerate(article["paragraphs"])
        for qa in paragraph["qas"]
        if qa.get("answers") and not qa.get("is_impossible")
    ]
    rng.shuffle(candidates)
    # Parse a few times more questions than needed: about half of them admit a swap.
    candidates = candidates[: 4 * per_article]
    questions = nlp.pipe((qa["question"] for _, qa in candidates), batch_size=256)
    made: list[MadeQuestion] = []
    for (index, qa), question_doc in zip(candidates, questions, strict=True):
        answer = qa["answers"][0]
        start = answer["answer_start"]
        end = start + len(answer["text"])
        sentence = answer_sentence(paragraphs[index], start, end)
        choice = choose_swap(
            qa["question"],
            entities(question_doc),
            answer["text"],
            sentence,
            contexts[index],
            pool,
            rng,
        )
        if choice is None:
            continue
        entity, replacement, anchor = choice
        made.append(
            MadeQuestion(
                id=f"{qa['id']}_madeup",
                question=swapped(qa["question"], entity, replacement),
                made_from=qa["id"],
                original_question=qa["question"],
                original=entity,
                replacement=replacement,
                anchor=anchor,
                answer_text=answer["text"],
                answer_sentence=sentence,
                title=article["title"],
                paragraph=index,
            )
        )
        if len(made) >= per_article:
            break
    return made


def make_unanswerables(
    articles: Sequence[dict[str, Any]], nlp: Language, limit: int, seed: int
) -> list[MadeQuestion]:
    """Up to ``limit`` made-up questions, spread over the articles (taken in a seeded random
    order, each giving at most twice its even share)."""
    rng = random.Random(seed)
    order = list(range(len(articles)))
    rng.shuffle(order)
    per_article = max(1, math.ceil(2 * limit / max(1, len(articles))))
    made: list[MadeQuestion] = []
    for done, number in enumerate(order, start=1):
        made.extend(make_article(articles[number], nlp, rng, per_article))
        if done % 20 == 0:
            logger.info("%d articles, %d questions made", done, len(made))
        if len(made) >= limit:
            break
    return made[:limit]


def squad_json(made: Sequence[MadeQuestion], articles: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """SQuAD 2.0 JSON holding the made-up questions under their (unchanged) paragraphs."""
    contexts = {a["title"]: [p["context"] for p in a["paragraphs"]] for a in articles}
    grouped: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for item in made:
        grouped.setdefault(item.title, {}).setdefault(item.paragraph, []).append(item.to_squad())
    data = [
        {
            "title": title,
            "paragraphs": [
                {"context": contexts[title][index], "qas": qas}
                for index, qas in sorted(paragraphs.items())
            ],
        }
        for title, paragraphs in grouped.items()
    ]
    return {"version": "v2.0", "data": data}


def review_markdown(made: Sequence[MadeQuestion], articles: Sequence[dict[str, Any]]) -> str:
    """A Markdown list of ``made`` for a person to judge: is the new question unanswerable?"""
    contexts = {a["title"]: [p["context"] for p in a["paragraphs"]] for a in articles}
    lines = ["# Made-up unanswerable questions to check", "", "Does the paragraph answer each?", ""]
    for number, item in enumerate(made, start=1):
        lines += [
            f"## {number}. {item.id}",
            "",
            f"- before: {item.original_question}",
            f"- after: **{item.question}**",
            f"- swap: `{item.original.text}` → `{item.replacement}` ({item.original.label}, "
            f"found in the {item.anchor})",
            f"- gold answer: {item.answer_text}",
            f"- answer sentence: {item.answer_sentence}",
            "",
            f"> {contexts[item.title][item.paragraph]}",
            "",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD11_TRAIN, help="SQuAD 1.1 file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--limit", type=int, default=10000, help="most questions to make")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=60, help="items in the review file")
    parser.add_argument("--review", type=Path, help="default: --out with _review.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    from index.statements.english import load_english

    started = time.perf_counter()
    articles = load_squad_file(args.squad)
    nlp = fast_english(load_english())
    made = make_unanswerables(articles, nlp, args.limit, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(squad_json(made, articles), ensure_ascii=False), "utf-8")
    review = args.review or args.out.with_name(args.out.stem + "_review.md")
    sample = random.Random(args.seed + 1).sample(made, min(args.sample, len(made)))
    review.write_text(review_markdown(sample, articles), "utf-8")
    anchors = {anchor: sum(m.anchor == anchor for m in made) for anchor in ANCHORS}
    logger.info(
        "%d questions made in %.0f s (swapped entity found in: %s); wrote %s and %s",
        len(made),
        time.perf_counter() - started,
        anchors,
        args.out,
        review,
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
