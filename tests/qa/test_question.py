"""Reading a question: the answer it expects, quote questions, and follow-ups resolved."""

from __future__ import annotations

import pytest

from qa.followup import FollowUpResolver, HistoryItem, Turn, turns_from_history
from qa.nlp import Analyzer, stem_words, word_tokens
from qa.question import (
    NUMBER_LIKE,
    PERSON_LIKE,
    PLACE_LIKE,
    TIME_LIKE,
    analyse_question,
    content_words,
)


@pytest.fixture(scope="module")
def resolver() -> FollowUpResolver:
    analyzer = Analyzer()
    analyzer.warm_up()
    return FollowUpResolver(analyzer)


@pytest.mark.parametrize(
    ("text", "kind", "labels"),
    [
        ("Who founded the chess club?", "who", PERSON_LIKE),
        ("Whom did the mayor thank?", "who", PERSON_LIKE),
        ("When did the Kestrel volcano erupt?", "when", TIME_LIKE),
        ("The bakery opened when?", "when", TIME_LIKE),
        ("Where did the farmers move their sheep?", "where", PLACE_LIKE),
        ("How much did the new library cost?", "how_much", NUMBER_LIKE),
        ("How many players entered the tournament?", "how_many", NUMBER_LIKE),
        ("How long did the eruption last?", "how_long", NUMBER_LIKE | TIME_LIKE),
        ("Why did the farmers move inland?", "why", frozenset()),
        ("How did the youngest player win?", "how", frozenset()),
        ("Did the baker open early?", "other", frozenset()),
    ],
)
def test_the_question_word_sets_the_kind_and_the_expected_answer_type(
    text: str, kind: str, labels: frozenset[str]
) -> None:
    question = analyse_question(text)
    assert question.kind == kind
    assert labels <= question.expected_labels
    if not labels:
        assert question.expected_labels == frozenset()


def test_a_who_question_expects_a_person_not_a_date_or_a_number() -> None:
    labels = analyse_question("Who founded the chess club?").expected_labels
    assert "PERSON" in labels
    assert not labels & (TIME_LIKE | NUMBER_LIKE)


@pytest.mark.parametrize(
    ("text", "kind", "focus", "label"),
    [
        ("Which country did the minister visit?", "which", "country", "GPE"),
        ("In which year did the bakery open?", "which", "year", "DATE"),
        ("What year did the bakery close?", "what", "year", "DATE"),
        ("Which company built the ferry?", "which", "company", "ORG"),
        ("What percentage of voters agreed?", "what", "percentage", "PERCENT"),
    ],
)
def test_the_noun_after_which_or_what_says_what_kind_of_thing_answers(
    text: str, kind: str, focus: str, label: str
) -> None:
    question = analyse_question(text)
    assert (question.kind, question.focus) == (kind, focus)
    assert label in question.expected_labels


@pytest.mark.parametrize(
    "text", ["How many countries sent aid?", "How many people died in the flood?"]
)
def test_a_count_expects_a_number_whatever_is_counted(text: str) -> None:
    question = analyse_question(text)
    assert question.kind == "how_many"
    assert "CARDINAL" in question.expected_labels
    assert not question.expected_labels & {"PERSON", "GPE"}


@pytest.mark.parametrize(
    ("text", "speaker", "topic"),
    [
        ("What did Larijani say?", "Larijani", ()),
        ("What did Ali Larijani say about the talks?", "Ali Larijani", ("talks",)),
        ("what has the minister said", "the minister", ()),
        ("And what did Trump tell reporters about Iran?", "Trump", ("iran",)),
        ("What did the mayor warn about flooding?", "the mayor", ("flooding",)),
        ("What did Trump say on Tuesday?", "Trump", ("tuesday",)),
        ("What Did Trump Say?", "Trump", ()),
        # Asked the ways readers ask: a scene first, a listener, a description, "according to".
        ("At the launch, what did Ann Ode say when asked about rents?", "Ann Ode", ("rents",)),
        ("What has the minister told MPs about who should lead?", "the minister", ("lead",)),
        ("How did Bafta's chair describe the awards?", "Bafta's chair", ("awards",)),
        ("According to Ann Ode, why did the talks fail?", "Ann Ode", ("talks", "fail")),
        ("What did Mr Ode ask about the smoking ban?", "Mr Ode", ("smoking", "ban")),
        ("What did Ian Black, of the CBI, say?", "Ian Black, of the CBI", ()),
    ],
)
def test_what_did_x_say_is_a_quote_question_with_its_speaker_and_topic(
    text: str, speaker: str, topic: tuple[str, ...]
) -> None:
    question = analyse_question(text)
    assert question.kind == "say"
    assert question.speaker == speaker
    assert question.topic_words == topic
    assert question.expected_labels == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "Who said the talks had failed?",
        "What did the mayor build?",
        "Did the baker say anything?",
        "What is the mayor's name?",
        "What is the Victoria state bird?",
        "What is usually not stated using the big O notation?",
        "What was the newer county added to the list?",
        "What is covered by the state in addition to tuition?",
        # A clause with a gap after the verb asks for a phrase inside the statement.
        "What did the court say the tenant was entitled to?",
        "What did the historian think the class system really represented?",
        "What did the minister announce budget cuts in?",
        # The missing part of a text, not its words.
        "What does the treaty not state?",
        # Nouns that look like speech verbs.
        "What did the Islamic State proclaim itself in 2014?",
        "What did the war leave the state of the economy in?",
        "What did the commission's report in 1973 recommend establishing?",
    ],
)
def test_other_questions_are_not_quote_questions(text: str) -> None:
    question = analyse_question(text)
    assert question.kind != "say"
    assert question.speaker is None


@pytest.mark.parametrize(
    ("text", "kind", "speaker"),
    [
        ("What did the report say?", "say", "the report"),
        ("What does the note say?", "say", "the note"),
        ("What did the report find?", "what", None),
    ],
)
def test_a_noun_that_looks_like_a_speech_verb_is_part_of_the_speaker(
    text: str, kind: str, speaker: str | None
) -> None:
    question = analyse_question(text)
    assert (question.kind, question.speaker) == (kind, speaker)


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Who is Ali Larijani?", "Ali Larijani"),
        ("What was the Kestrel eruption?", "the Kestrel eruption"),
        ("Who founded the chess club?", ""),
        ("What did the mayor build?", ""),
    ],
)
def test_who_is_x_asks_for_a_description_of_x(text: str, subject: str) -> None:
    assert analyse_question(text).definition_of == subject


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("Who didn't vote?", True),
        ("Which players never lost a game?", True),
        ("Who did not sign?", True),
        ("Who voted?", False),
        ("Where is the northern harbour?", False),
    ],
)
def test_negated_questions_are_recognised(text: str, negated: bool) -> None:
    assert analyse_question(text).negated is negated


def test_content_words_are_lower_cased_without_function_words_or_repeats() -> None:
    assert content_words("Why did the Baker close the BAKERY, and the baker's shop?") == (
        "baker",
        "close",
        "bakery",
        "shop",
    )
    assert analyse_question("Who is he?").content_words == ()


def test_words_are_split_on_punctuation_and_lower_cased() -> None:
    assert word_tokens("Don't stop—NOW, in 2024!") == ["don", "t", "stop", "now", "in", "2024"]


def test_stems_let_plural_and_inflected_words_match() -> None:
    village, villages, erupted, erupts = stem_words(["village", "villages", "erupted", "erupts"])
    assert village == villages
    assert erupted == erupts


@pytest.mark.parametrize(
    ("follow_up", "earlier", "resolved"),
    [
        (
            "Which country did he visit?",
            "Who is Ali Larijani?",
            "Which country did Ali Larijani visit?",
        ),
        ("What is his job?", "Who is Ali Larijani?", "What is Ali Larijani's job?"),
        ("What did she say?", "When did Angela Merkel visit Paris?", "What did Angela Merkel say?"),
        (
            "What did they decide?",
            "When did the European Union meet in Brussels?",
            "What did the European Union decide?",
        ),
    ],
)
def test_a_pronoun_is_replaced_by_the_name_from_the_earlier_question(
    resolver: FollowUpResolver, follow_up: str, earlier: str, resolved: str
) -> None:
    assert resolver.resolve(follow_up, [earlier]) == resolved


def test_an_elliptical_follow_up_reuses_the_earlier_question(resolver: FollowUpResolver) -> None:
    assert resolver.resolve("And Trump?", ["What did Larijani say?"]) == "What did Trump say?"
    assert resolver.resolve("What about Qatar?", ["Which leaders visited Oman?"]) == (
        "Which leaders visited Qatar?"
    )


def test_the_earlier_answer_supplies_the_name_when_the_question_had_none(
    resolver: FollowUpResolver,
) -> None:
    history = [
        {"role": "user", "content": "Who visited the flooded area?"},
        {"role": "assistant", "content": "Sheikh Hasina"},
    ]
    assert resolver.resolve("Where did she go next?", history) == "Where did Sheikh Hasina go next?"


@pytest.mark.parametrize(
    ("follow_up", "earlier", "answer", "resolved"),
    [
        # "Who ..." and "Which ..." questions are answered with the name the next turn means.
        (
            "What did he say about the ruling?",
            "Who took over as home secretary after David Blunkett resigned?",
            "Charles Clarke",
            "What did Charles Clarke say about the ruling?",
        ),
        (
            "How much per share is it offering?",
            "Which company made the takeover bid for WMC Resources?",
            "Xstrata",
            "How much per share is Xstrata offering?",
        ),
        # "Who is X?" is about X, whatever the description names.
        (
            "Which country did he visit?",
            "Who is Ali Larijani?",
            "another senior adviser to Supreme Leader Ayatollah Ali Khamenei",
            "Which country did Ali Larijani visit?",
        ),
    ],
)
def test_a_pronoun_after_a_who_or_which_question_means_its_answer(
    resolver: FollowUpResolver, follow_up: str, earlier: str, answer: str, resolved: str
) -> None:
    history = [{"role": "user", "content": earlier}, {"role": "assistant", "content": answer}]
    assert resolver.resolve(follow_up, history) == resolved


def _chat(question: str, answer: str) -> list[HistoryItem]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


@pytest.mark.parametrize(
    ("earlier", "answer", "follow_up", "resolved"),
    [
        # A company: the question's "company" says so, whatever spaCy makes of the name.
        (
            "Which company made the hostile takeover bid for Telqua?",
            "Kessler Brandt",
            "How much per share is it offering?",
            "How much per share is Kessler Brandt offering?",
        ),
        (
            "Which company made the hostile takeover bid for Dallow Minerals?",
            "Quorvane Mining, a Perth-based firm",
            "How much per share is it offering?",
            "How much per share is Quorvane Mining offering?",
        ),
        # A thing the answer names: its noun phrase, not the whole answer.
        (
            "What did the Fenwick council approve on Monday?",
            "A new stadium beside the river.",
            "How much will it cost?",
            "How much will the new stadium cost?",
        ),
        (
            "What did the council reject?",
            "a plan to widen the ring road",
            "Why was it rejected?",
            "Why was the plan rejected?",
        ),
        (
            "Which seat did Marta Quennell lose?",
            "the Dunmore seat",
            "Who won it in 2019?",
            "Who won the Dunmore seat in 2019?",
        ),
        # "they": a group, an organisation, several people.
        (
            "Who went on strike at the port?",
            "the dock workers",
            "What are they demanding?",
            "What are the dock workers demanding?",
        ),
        (
            "Which company made the hostile takeover bid for Dallow Minerals?",
            "Brelvix Holdings",
            "How much per share are they offering?",
            "How much per share are Brelvix Holdings offering?",
        ),
        (
            "Who met at the summit?",
            "Marta Quennell and Oskar Brandt",
            "What did they sign?",
            "What did Marta Quennell and Oskar Brandt sign?",
        ),
        # "he", "she", "her": the person a who-question's answer names.
        (
            "Who chaired the Harlow inquiry?",
            "Judge Oskar Brandt",
            "What did he say about the ruling?",
            "What did Oskar Brandt say about the ruling?",
        ),
        (
            "Who scored the winning goal?",
            "Ilsabet Maroo",
            "What did she say after the match?",
            "What did Ilsabet Maroo say after the match?",
        ),
        (
            "Who chaired the Harlow inquiry?",
            "Marta Quennell",
            "What is her job?",
            "What is Marta Quennell's job?",
        ),
        # "there" after a where-question: the place, with the answer's preposition or "in".
        (
            "Where was the painting stolen from?",
            "Fenwick",
            "What else was stolen there?",
            "What else was stolen in Fenwick?",
        ),
        (
            "Where was the painting stolen from?",
            "The thieves broke in at the museum in Fenwick.",
            "What else was stolen there?",
            "What else was stolen at the museum?",
        ),
        (
            "Which city hosted the Harlow summit?",
            "Port Ellery",
            "How many people live there?",
            "How many people live in Port Ellery?",
        ),
        (
            "What did the council build?",
            "a new library",
            "It opened when?",
            "The new library opened when?",
        ),
    ],
)
def test_a_pronoun_means_what_the_last_answer_names(
    resolver: FollowUpResolver, earlier: str, answer: str, follow_up: str, resolved: str
) -> None:
    assert resolver.resolve(follow_up, _chat(earlier, answer)) == resolved


@pytest.mark.parametrize(
    ("earlier", "answer", "follow_up", "resolved"),
    [
        (
            "When did Trump speak to Axios?",
            "Tuesday",
            "What did he say?",
            "What did Trump say?",
        ),
        (
            "Which year did Oskar Brandt resign?",
            "1998",
            "What did he say?",
            "What did Oskar Brandt say?",
        ),
        (
            "How many goals did Tomasz Vrell score?",
            "three",
            "What did he say after the match?",
            "What did Tomasz Vrell say after the match?",
        ),
    ],
)
def test_a_pronoun_never_means_a_date_or_number_answer(
    resolver: FollowUpResolver, earlier: str, answer: str, follow_up: str, resolved: str
) -> None:
    assert resolver.resolve(follow_up, _chat(earlier, answer)) == resolved


@pytest.mark.parametrize(
    ("earlier", "answer", "follow_up"),
    [
        # A person is not "it".
        ("Who made the bid?", "Marta Quennell", "How much is it offering?"),
        # "there" that points at no place.
        ("Where was the painting stolen from?", "Fenwick", "Is there a reward?"),
        # "there" with no place in the answer.
        ("Who stole the painting?", "Marta Quennell", "What else was stolen there?"),
        # Better left as it is than made about "Tuesday".
        ("When did the minister speak to reporters?", "Tuesday", "What did he say?"),
    ],
)
def test_a_pronoun_without_a_fitting_antecedent_is_left_alone(
    resolver: FollowUpResolver, earlier: str, answer: str, follow_up: str
) -> None:
    assert resolver.resolve(follow_up, _chat(earlier, answer)) == follow_up


@pytest.mark.parametrize(
    ("question", "history"),
    [
        ("Which country did he visit?", []),
        ("Which country did he visit?", ["What time is it?"]),
        ("Where is the bakery?", ["Who is Ali Larijani?"]),
        ("When did Trump speak to Axios?", ["Who is Ali Larijani?"]),
    ],
)
def test_questions_that_need_nothing_or_have_no_antecedent_are_left_alone(
    resolver: FollowUpResolver, question: str, history: list[str]
) -> None:
    assert resolver.resolve(question, history) == question


def test_a_resolved_follow_up_becomes_a_quote_question_about_the_person(
    resolver: FollowUpResolver,
) -> None:
    resolved = resolver.resolve("What did he say about the talks?", ["Who is Ali Larijani?"])
    question = analyse_question(resolved)
    assert question.kind == "say"
    assert question.speaker == "Ali Larijani"
    assert question.topic_words == ("talks",)


def test_chat_history_pairs_each_answer_with_its_question_and_drops_empty_turns() -> None:
    history: list[HistoryItem] = [
        "",
        "   ",
        {"role": "user", "content": "Who is Ali Larijani?"},
        {"role": "assistant", "content": "an adviser"},
        {"role": "assistant", "content": "a second reply"},
        {"role": "user", "content": None},
        "Which country did he visit?",
    ]
    assert turns_from_history(history) == [
        Turn("Who is Ali Larijani?", "an adviser"),
        Turn("Which country did he visit?"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "According to the census, what is the population?",  # a figure, not a statement
        "How did the river get its name?",
        "What did the court say Steymann was entitled to?",
    ],
)
def test_questions_that_only_look_like_quote_questions_are_not(text: str) -> None:
    assert analyse_question(text).kind != "say"
