"""Optional neural reader: a local Hugging Face extractive-QA model run on retrieved passages."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import StoredIndex
from qa.question import Question
from qa.reader import Reader, abstention
from qa.types import Answer, Citation, Passage

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NeuralReaderConfig:
    """How the neural reader windows passages and decides to abstain.

    Attributes:
        max_length_tokens: Question plus passage window, in tokens (default 384).
        stride_tokens: Overlap between windows of a long passage (default 128).
        max_answer_tokens: Longest answer considered (default 30).
        abstain_margin: Abstain unless the best span's score beats the no-answer score
            (start and end logits of the first token) by more than this (default 0.0, the
            usual SQuAD 2.0 rule).
    """

    max_length_tokens: int = 384
    stride_tokens: int = 128
    max_answer_tokens: int = 30
    abstain_margin: float = 0.0


@dataclass(frozen=True)
class _Span:
    passage: Passage
    start: int
    end: int
    score: float
    null_score: float


class NeuralReader:
    """Reads passages with ``AutoModelForQuestionAnswering`` from a local folder.

    The answer is the best-scoring span over all passages; it is withheld when the model's
    no-answer score is as good. Citations point at the exact characters, like the built-in
    reader's. "What did X say?" questions go to ``quotes`` (the built-in quote attribution)
    when it is given.

    Example:
        >>> reader = NeuralReader(index, Path("models/roberta-base-squad2"))
        >>> reader.read(analyse_question("Who founded it?"), passages).text

    Args:
        index: The loaded index (for document texts and sentence boundaries).
        model_path: Folder with the model and tokenizer (``save_pretrained`` layout).
        config: Windowing and abstention (default ``NeuralReaderConfig()``).
        quotes: Reader used for attribution questions (default: none, the model reads them).
    """

    def __init__(
        self,
        index: StoredIndex,
        model_path: Path,
        config: NeuralReaderConfig | None = None,
        quotes: Reader | None = None,
    ) -> None:
        self.index = index
        self.model_path = Path(model_path)
        self.config = config or NeuralReaderConfig()
        self.quotes = quotes
        self._tokenizer: Any = None
        self._model: Any = None

    def warm_up(self) -> None:
        """Load the tokenizer and model now (from the local folder only)."""
        if self._model is not None:
            return
        if not self.model_path.is_dir():
            raise FileNotFoundError(f"no reader model folder {self.model_path}")
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        logger.info("loading reader model from %s", self.model_path)
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        model = AutoModelForQuestionAnswering.from_pretrained(
            self.model_path, local_files_only=True
        )
        model.eval()
        self._model = model

    def _best_in(self, question: str, passage: Passage) -> _Span | None:
        import torch

        config = self.config
        encoded = self._tokenizer(
            question,
            passage.text,
            truncation="only_second",
            max_length=config.max_length_tokens,
            stride=config.stride_tokens,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping")
        encoded.pop("overflow_to_sample_mapping", None)
        with torch.no_grad():
            output = self._model(**encoded)
        best: tuple[int, int, float] | None = None
        null_score = -math.inf
        for window in range(offsets.shape[0]):
            sequence_ids = encoded.sequence_ids(window)
            start_logits: torch.Tensor = output.start_logits[window]
            end_logits: torch.Tensor = output.end_logits[window]
            null_score = max(null_score, float(start_logits[0] + end_logits[0]))
            context = [i for i, s in enumerate(sequence_ids) if s == 1]
            if not context:
                continue
            span = self._best_window_span(start_logits, end_logits, context)
            if span is None:
                continue
            first, last, score = span
            start, end = int(offsets[window, first, 0]), int(offsets[window, last, 1])
            if end > start and (best is None or score > best[2]):
                best = (start, end, score)
        if best is None:
            return None
        return _Span(passage, best[0], best[1], best[2], null_score)

    def _best_window_span(
        self, start_logits: torch.Tensor, end_logits: torch.Tensor, context: list[int]
    ) -> tuple[int, int, float] | None:
        first_context, last_context = context[0], context[-1]
        top = min(20, last_context - first_context + 1)
        starts = start_logits[first_context : last_context + 1].topk(top).indices.tolist()
        ends = end_logits[first_context : last_context + 1].topk(top).indices.tolist()
        best: tuple[int, int, float] | None = None
        for start in starts:
            for end in ends:
                if end < start or end - start + 1 > self.config.max_answer_tokens:
                    continue
                first, last = first_context + start, first_context + end
                score = float(start_logits[first] + end_logits[last])
                if best is None or score > best[2]:
                    best = (first, last, score)
        return best

    def read(self, question: Question, passages: Sequence[Passage]) -> Answer:
        """Answer ``question`` from ``passages`` with the model, or abstain.

        Args:
            question: The analysed question.
            passages: Retrieved passages, best first.

        Returns:
            The answer with one citation, or an abstention listing the passages as related.
        """
        if self.quotes is not None and question.kind == "say" and question.speaker:
            return self.quotes.read(question, passages)
        self.warm_up()
        spans = [s for p in passages if (s := self._best_in(question.text, p)) is not None]
        if not spans:
            return abstention(question, passages, 0.0)
        best = max(spans, key=lambda span: span.score)
        null_score = max(span.null_score for span in spans)
        margin = best.score - null_score
        confidence = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin))))
        if margin <= self.config.abstain_margin:
            return abstention(question, passages, confidence)
        citation = self._citation(best, confidence)
        return Answer(
            question=question.text,
            text=citation.quote,
            abstained=False,
            confidence=confidence,
            sentence=citation.sentence,
            citations=(citation,),
        )

    def _citation(self, span: _Span, confidence: float) -> Citation:
        passage = span.passage
        record = self.index.documents[passage.doc_id]
        start, end = passage.start + span.start, passage.start + span.end
        while start < end and record.text[start].isspace():
            start += 1
        holder = next(
            (s for s in record.sentences if s.start <= start < s.end),
            None,
        )
        sentence_start = holder.start if holder else passage.start
        sentence_end = max(holder.end if holder else passage.end, end)
        return Citation(
            doc_id=record.doc_id,
            title=record.title,
            source_path=record.source_path,
            start=start,
            end=end,
            quote=record.text[start:end],
            sentence=record.text[sentence_start:sentence_end],
            sentence_start=sentence_start,
            sentence_end=sentence_end,
            passage=passage.text,
            passage_start=passage.start,
            passage_end=passage.end,
            score=confidence,
            page=record.page_at(start),
        )
