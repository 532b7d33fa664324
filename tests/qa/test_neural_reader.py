"""The optional neural reader, with a tiny randomly initialised model built here (no download)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import SentenceTransformerEmbedder
from qa import QA, Settings
from qa.neural_reader import NeuralReader, NeuralReaderConfig
from qa.question import analyse_question
from tests.conftest import SEED_FILE, SEEDS

SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-layer BERT for question answering with a word-piece vocabulary of the seed."""
    import torch
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    from qa.nlp import word_tokens

    folder = tmp_path_factory.mktemp("tiny-reader")
    words = sorted(set(word_tokens(SEED_TEXT)) | set("?.,’“”'\"-".replace("", " ").split()))
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    (folder / "vocab.txt").write_text("\n".join(special + words) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(special) + len(words),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    torch.manual_seed(0)
    model = BertForQuestionAnswering(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def neural_qa(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    tiny_model: Path,
) -> QA:
    settings = Settings(
        index_dir=tmp_path_factory.mktemp("neural-index"),
        documents=(SEEDS,),
        reader_model_path=tiny_model,
    )
    qa = QA(settings, embedder=embedder)
    qa.warm_up()
    return qa


def test_settings_select_the_neural_reader(neural_qa: QA, tiny_model: Path) -> None:
    answer = neural_qa.answer("When did Trump speak to Axios?")
    assert isinstance(neural_qa.reader, NeuralReader)
    if answer.abstained:
        assert answer.related and answer.citations == ()
    else:
        citation = answer.citations[0]
        assert SEED_TEXT[citation.start : citation.end] == citation.quote == answer.text
        assert SEED_TEXT[citation.sentence_start : citation.sentence_end] == citation.sentence
        assert SEED_TEXT[citation.passage_start : citation.passage_end] == citation.passage
    assert 0.0 <= answer.confidence <= 1.0


def test_forced_answer_is_an_exact_span_of_a_retrieved_passage(
    neural_qa: QA, tiny_model: Path
) -> None:
    index = neural_qa.index
    eager = NeuralReader(index, tiny_model, NeuralReaderConfig(abstain_margin=float("-inf")))
    question = "What did the US bomb in June?"
    passages = neural_qa.retrieve(question)
    answer = eager.read(analyse_question(question), passages)
    assert not answer.abstained
    citation = answer.citations[0]
    assert SEED_TEXT[citation.start : citation.end] == citation.quote == answer.text
    assert citation.quote.strip() == citation.quote and citation.quote
    assert any(p.start <= citation.start and citation.end <= p.end for p in passages)
    assert citation.sentence_start <= citation.start < citation.end <= citation.sentence_end


def test_no_answer_score_wins_means_abstention(neural_qa: QA, tiny_model: Path) -> None:
    cautious = NeuralReader(
        neural_qa.index, tiny_model, NeuralReaderConfig(abstain_margin=float("inf"))
    )
    question = "What is the population of Iran?"
    answer = cautious.read(analyse_question(question), neural_qa.retrieve(question))
    assert answer.abstained
    assert answer.related


def test_attribution_questions_keep_the_quote_reader(neural_qa: QA) -> None:
    answer = neural_qa.answer("What did Larijani say?")
    assert any("discussion on Wednesday was positive" in c.quote for c in answer.citations)


def test_missing_model_folder_is_reported(neural_qa: QA, tmp_path: Path) -> None:
    reader = NeuralReader(neural_qa.index, tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no reader model folder"):
        reader.warm_up()
