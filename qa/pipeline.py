"""The question-answering pipeline: index on disk -> retriever -> reader -> cited answer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from index import (
    BuildReport,
    ChunkingConfig,
    Embedder,
    IndexBuilder,
    IndexNotFoundError,
    IndexStore,
    Manifest,
    ProgressCallback,
    QaIndexError,
    RecentTexts,
    SentenceTransformerEmbedder,
    StoredIndex,
)
from index.statements.english import EnglishPipeline
from qa.followup import FollowUpResolver, HistoryItem
from qa.nlp import Analyzer
from qa.question import analyse_question
from qa.readers.base import Reader
from qa.readers.calibration import Calibration
from qa.readers.quotes.reader import QuoteReader
from qa.readers.quotes.statements import StatementStore
from qa.readers.quotes.topics import TopicStatement
from qa.readers.router import ReaderFactory, ReaderParts, route_questions
from qa.readers.span.model import SpanModel
from qa.readers.span.reader import SpanReader
from qa.retriever import HybridRetriever, RetrievalConfig
from qa.settings import Settings
from qa.types import Answer, Passage

logger = logging.getLogger(__name__)

# The longest question any interface takes, in characters (the page's box stops there too).
MAX_QUESTION_CHARS = 1000

# Passages retrieved for a topic before its statements are measured (``said_about``).
_TOPIC_PASSAGES = 20


class QuestionError(ValueError):
    """A question that cannot be asked as it is; the message says why and what to do."""


class EmptyQuestionError(QuestionError):
    """The question was empty or only white space."""


class QuestionTooLongError(QuestionError):
    """The question is longer than ``MAX_QUESTION_CHARS``."""


@dataclass(frozen=True)
class _Live:
    index: StoredIndex
    retriever: HybridRetriever
    reader: Reader
    span: SpanReader
    quotes: QuoteReader


class QA:
    """Answers questions over the documents of one index folder.

    Holds the loaded model, index and parser; create it once and ask many questions.
    Answering goes on from the loaded index while ``update()`` builds a new one, which
    replaces it only when complete.

    Example:
        >>> qa = QA(Settings(index_dir=Path("data/index")))
        >>> a = qa.answer("What did Larijani say?")
        >>> a.text, a.citations[0].quote

    Args:
        settings: Index folder, documents, model and retrieval settings
            (default ``Settings()``).
        embedder: Overrides the embedding model made from ``settings.model_path``.
        make_reader: Makes the reader of each loaded index version from its parts (default
            ``route_questions``: quote questions to the quote reader, the rest to the span
            reader). A new reader is a class meeting ``qa.readers.Reader``, made here.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        make_reader: ReaderFactory = route_questions,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or SentenceTransformerEmbedder(self.settings.model_path)
        self.make_reader = make_reader
        # One spaCy pipeline for the question analyser and statement extraction.
        self.english = EnglishPipeline()
        self.analyzer = Analyzer(english=self.english)
        self.resolver = FollowUpResolver(self.analyzer)
        self.store = IndexStore(
            self.settings.index_dir,
            vector_store=self.settings.index_store_config(),
        )
        # Retriever and reader share it: each question goes through the model once.
        self._questions = RecentTexts(self.embedder)
        # The reader's model outlives index versions; only its documents change.
        self.span_model = SpanModel(self.settings.reader_model_path)
        self._live: _Live | None = None
        self._swap_lock = threading.Lock()
        self._refreshing = False
        self._unloadable: str | None = None

    @property
    def chunking(self) -> ChunkingConfig:
        return ChunkingConfig(self.settings.chunk_size_chars, self.settings.chunk_overlap_chars)

    def manifest(self) -> Manifest:
        """What the live version lists (documents, removed files), read without loading it.

        Raises:
            IndexNotFoundError: No index has been written in ``settings.index_dir``.
        """
        return self.store.manifest()

    def vectors_location(self) -> str:
        """Where the live version's vectors are, in words, when not in its folder ("" if so)."""
        return self.store.vectors_location()

    def builder(self) -> IndexBuilder:
        """An index builder for this pipeline's folder, model and chunking."""
        return IndexBuilder(
            self.embedder,
            self.settings.index_dir,
            self.chunking,
            file_time_limit_s=self.settings.file_time_limit_s,
            engine=self.settings.index_engine,
            ray_address=self.settings.ray_address,
            store=self.store,
            english=self.english,
        )

    def _make_span_reader(self, index: StoredIndex) -> SpanReader:
        return SpanReader(
            index.documents,
            self.span_model,
            focus_chars=self.settings.reader_focus_chars,
            first_passages=self.settings.reader_first_passages,
            early_margin=self.settings.reader_early_margin,
            min_confidence=self.settings.min_confidence,
        )

    def _load(self) -> _Live:
        index = self.store.load(expected_model=self.embedder.fingerprint())
        retriever = HybridRetriever(
            index, self._questions, RetrievalConfig(top_k=self.settings.top_k)
        )
        retriever.warm_up()
        span = self._make_span_reader(index)
        quotes = self._make_quote_reader(index, span)
        return _Live(
            index=index,
            retriever=retriever,
            reader=self.make_reader(ReaderParts(index, span, quotes)),
            span=span,
            quotes=quotes,
        )

    def _make_quote_reader(
        self, index: StoredIndex, reader: SpanReader, calibration: Calibration | None = None
    ) -> QuoteReader:
        return QuoteReader(
            StatementStore.of(index),
            embedder=self._questions,
            span_reader=reader,
            calibration=calibration,
            min_confidence=self.settings.min_confidence,
        )

    def quote_reader(self, calibration: Calibration) -> QuoteReader:
        """A quote reader over the live index with another calibration (for fitting one)."""
        live = self._current()
        return self._make_quote_reader(live.index, live.span, calibration)

    def _current(self) -> _Live:
        with self._swap_lock:
            if self._live is None:
                if not self.store.exists() and not self.settings.build_missing_index:
                    raise IndexNotFoundError(
                        f"no index in {self.settings.index_dir}; build one with `qa index PATH`"
                    )
                if not self.store.exists():
                    logger.info(
                        "no index in %s; building it from %s",
                        self.settings.index_dir,
                        ", ".join(map(str, self.settings.documents)),
                    )
                    self.builder().update(list(self.settings.documents))
                self._live = self._load()
            live = self._live
            # Another process (``qa index``, ``docker exec``) may have switched the live
            # version: one read of the small CURRENT file says so. One caller loads it, outside
            # the lock; the others go on answering from the version they have.
            version = None if self._refreshing else self.store.current_version()
            stale = version not in (None, live.index.version, self._unloadable)
            if stale:
                self._refreshing = True
        if stale:
            try:
                fresh = self._load()
            except QaIndexError as exc:
                # A version that cannot be loaded is not tried again; answers keep coming
                # from the one already loaded, and nothing that was indexed is lost.
                logger.warning("index version %s could not be loaded: %s", version, exc)
                self._unloadable = version
            else:
                logger.info("switched to index version %s", fresh.index.version)
                with self._swap_lock:
                    self._live = live = fresh
            finally:
                self._refreshing = False
        return live

    def warm_up(self) -> None:
        """Build the index if missing, load it, the models and the parser."""
        self._current()
        self.analyzer.warm_up()
        self._current().reader.warm_up()
        self.embedder.warm_up()

    @property
    def index(self) -> StoredIndex:
        """The index answers come from now."""
        return self._current().index

    @property
    def reader(self) -> Reader:
        """The reader answers come from now (over the live index version)."""
        return self._current().reader

    @property
    def span_reader(self) -> SpanReader:
        """The span reader over the live index version (what the default reader routes to)."""
        return self._current().span

    @property
    def quotes(self) -> QuoteReader:
        """The quote reader "What did X say?" questions go to now."""
        return self._current().quotes

    @property
    def statements(self) -> StatementStore:
        """Who said what: every attributed statement of the live index, by speaker.

        Example:
            >>> qa.statements.speakers()[:2]
            [('Charles Clarke', 12), ('Tessa Jowell', 7)]
            >>> [s.text for s in qa.statements.statements("Larijani")]
        """
        return self._current().quotes.store

    def said_about(self, topic: str, kind: str | None = None) -> list[TopicStatement]:
        """Who said what about ``topic``: every speaker's statements on it, best first.

        Example:
            >>> [(s.item.speaker, s.item.text) for s in qa.said_about("ID cards")][:2]

        Args:
            topic: What was talked about ("ID cards").
            kind: Only people's (``"person"``) or organisations' (``"organisation"``)
                statements; default both.
        """
        live = self._current()
        return live.quotes.topics.statements_about(
            topic, lambda text: live.retriever.retrieve(text, k=_TOPIC_PASSAGES), kind
        )

    def reload(self) -> None:
        """Load the live index version from disk and switch to it."""
        fresh = self._load()
        with self._swap_lock:
            self._live = fresh

    def update(
        self,
        paths: Sequence[str | Path],
        rebuild: bool = False,
        progress: ProgressCallback | None = None,
        lock_timeout_s: float = 0.0,
    ) -> BuildReport:
        """Index ``paths`` (add, re-index changed, drop deleted), then switch to the result.

        Answers keep coming from the previous index until the new one is complete.

        Args:
            paths: Files and folders to index.
            rebuild: Embed everything again (default False).
            progress: Called with an ``index.IndexProgress`` as files are read and embedded
                (default: no reports); the web page's upload shows it.
            lock_timeout_s: How long to wait for another writer (default 0: at once).
        """
        report = self.builder().update(
            paths, rebuild=rebuild, progress=progress, lock_timeout_s=lock_timeout_s
        )
        self.reload()
        return report

    def remove(self, doc_ids: Sequence[str]) -> BuildReport:
        """Drop documents by id, then switch to the result."""
        report = self.builder().remove(doc_ids)
        self.reload()
        return report

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        """The passages the reader would consult for ``question``, best first.

        Raises:
            EmptyQuestionError: The question is empty, as ``answer`` refuses it.
        """
        question = _question_text(question)
        return self._current().retriever.retrieve(question, k=k)

    def answer(
        self,
        question: str,
        history: Sequence[HistoryItem] | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, citing them, or say they do not answer it.

        Args:
            question: The question.
            history: Earlier questions (strings, oldest first) or chat messages
                (``{"role", "content"}`` dicts); used to resolve follow-ups such as
                "Who did he meet?". Default: none.
            k: Passages to consult (default: ``settings.top_k``).

        Returns:
            The answer, its sentence, confidence and citations, or an abstention.
        """
        question = _question_text(question)
        live = self._current()
        resolved = self.resolver.resolve(question, history or [])
        if resolved != question:
            logger.info("follow-up %r read as %r", question, resolved)
        passages = live.retriever.retrieve(resolved, k=k)
        result = live.reader.read(analyse_question(resolved), passages)
        return replace(
            result,
            question=question,
            resolved_question=resolved,
            index_version=live.index.version,
        )


def _question_text(question: str) -> str:
    """The question without surrounding white space.

    Raises:
        EmptyQuestionError: Nothing is left.
        QuestionTooLongError: It is longer than ``MAX_QUESTION_CHARS``: the same rule for the
            CLI, the API and the page (a question is read up to its first 64 word pieces,
            ``SpanModelConfig.max_question_tokens``; a longer one is still answered).
    """
    if not question or not question.strip():
        raise EmptyQuestionError("the question is empty; type a question about your documents")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(
            f"the question is {len(question):,} characters long; ask it in at most "
            f"{MAX_QUESTION_CHARS:,} characters"
        )
    return question
