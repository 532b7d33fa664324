"""The shipped span-extraction model (ONNX Runtime, int8) with its tokenizer and calibration."""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.readers.calibration import Calibration

logger = logging.getLogger(__name__)

__all__ = [
    "CALIBRATION_FILE",
    "DEFAULT_READER_MODEL",
    "FEATURES",
    "MODEL_FILE",
    "ReaderUnavailableError",
    "SpanModel",
    "SpanModelConfig",
    "WindowScores",
    "int8_products_saturate",
]

DEFAULT_READER_MODEL = Path(__file__).resolve().parents[2] / "reader_model"
# ONNX Runtime's session entry for exact int8 matrix products on x86 CPUs without VNNI.
PRECISE_INT8 = "session.x64quantprecision"
_X86 = {"x86_64", "amd64", "i386", "i686", "x86"}
_VNNI = {"avx512_vnni", "avx_vnni"}
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CALIBRATION_FILE = "calibration.json"
# Features the calibration model reads, in order (see span_reader.SpanReading.features).
FEATURES = ("best_log_prob", "group_log_prob", "margin", "lowest_null_log_prob", "places")


def int8_products_saturate(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether ONNX Runtime's int8 matrix products are inexact on this CPU by default.

    The reader's weights are int8 and its activations uint8. On x86 CPUs without VNNI, ONNX
    Runtime sums pairs of their products in 16 bits, which saturate (255 x 127 x 2 > 32,767),
    so the same question got other scores, and other answers, than on a CPU with VNNI, which
    sums in 32 bits. Where this is true the session asks for exact products (``PRECISE_INT8``:
    the weights are moved to uint8 and their products summed in 32 bits: 1.5 times slower on
    the CPU where it was timed), and every CPU gives the scores the calibration was fitted on.
    An x86 CPU whose features cannot be read counts as saturating; other CPUs never do.
    """
    if platform.machine().lower() not in _X86:
        return False
    try:
        with cpuinfo.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return not _VNNI & set(line.partition(":")[2].split())
    except OSError:
        pass
    return True


class ReaderUnavailableError(RuntimeError):
    """The reader model folder is missing or incomplete."""


@dataclass(frozen=True)
class SpanModelConfig:
    """How passages are cut into model windows and which spans are considered.

    Attributes:
        max_length_tokens: Question plus passage window, in tokens (default 256, as trained).
        stride_tokens: Overlap between the windows of a long passage (default 96).
        max_question_tokens: Word pieces of the question read at most (default 64, as in
            training); the rest of a longer question is left out, so every window keeps
            room for the passage.
        max_answer_tokens: Longest answer considered, in tokens (default 30).
        top_spans: Start and end positions considered per window (default 20).
        threads: ONNX Runtime threads per question (default 0: one per core).
    """

    max_length_tokens: int = 256
    stride_tokens: int = 96
    max_question_tokens: int = 64
    max_answer_tokens: int = 30
    top_spans: int = 20
    threads: int = 0


@dataclass(frozen=True)
class WindowScores:
    """Start and end log probabilities of one window, over its no-answer position and context.

    Position 0 is the no-answer position ([CLS]); position ``i >= 1`` is the context token
    whose characters are ``offsets[i]`` of text number ``text_index``.
    """

    text_index: int
    start_log: list[float]
    end_log: list[float]
    offsets: list[tuple[int, int]]


def _uncalibrated() -> Calibration:
    """Before fitting: the sigmoid of the SQuAD 2.0 margin, threshold 0.5 (margin 0)."""
    weights = tuple(1.0 if name == "margin" else 0.0 for name in FEATURES)
    return Calibration(weights=weights, bias=0.0, threshold=0.5, features=FEATURES)


def _log_softmax(values: Any) -> list[float]:
    shifted = values - values.max()
    result: list[float] = (shifted - np.log(np.exp(shifted).sum())).tolist()
    return result


class SpanModel:
    """The span-extraction model, its tokenizer and its calibration, loaded once.

    Runs the exported model with ONNX Runtime and tokenizes with the ``tokenizers`` library,
    so answering needs neither PyTorch nor transformers. Holds no document state: one
    instance serves every index version.

    Example:
        >>> model = SpanModel()
        >>> windows = model.score("Who designed it?", ["It was designed by Mira Halvorsen."])

    Args:
        model_dir: Folder with ``model.onnx``, ``tokenizer.json`` and ``calibration.json``
            (default: the reader shipped in ``qa/reader_model``).
        config: Windowing and span limits (default ``SpanModelConfig()``).
    """

    def __init__(self, model_dir: Path | None = None, config: SpanModelConfig | None = None):
        self.model_dir = Path(model_dir) if model_dir is not None else DEFAULT_READER_MODEL
        self.config = config or SpanModelConfig()
        self._tokenizer: Any = None
        self._question_tokenizer: Any = None
        self._session: Any = None
        self._calibration: Calibration | None = None
        self._lock = threading.Lock()

    @property
    def calibration(self) -> Calibration:
        """The fitted confidence model and threshold (before fitting: the margin rule)."""
        self.warm_up()
        assert self._calibration is not None
        return self._calibration

    def warm_up(self) -> None:
        """Load the tokenizer, the model and its calibration (from the local folder only)."""
        with self._lock:
            if self._session is not None:
                return
            missing = [
                name
                for name in (MODEL_FILE, TOKENIZER_FILE)
                if not (self.model_dir / name).is_file()
            ]
            if missing:
                raise ReaderUnavailableError(
                    f"no reader model in {self.model_dir} (missing {', '.join(missing)}); "
                    "train one with scripts/train_reader.py and export it with "
                    "scripts/export_reader.py"
                )
            import onnxruntime
            from tokenizers import Tokenizer

            logger.info("loading reader model from %s", self.model_dir)
            tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
            tokenizer.no_padding()
            tokenizer.enable_truncation(
                max_length=self.config.max_length_tokens,
                stride=self.config.stride_tokens,
                strategy="only_second",
            )
            options = onnxruntime.SessionOptions()
            if self.config.threads:
                options.intra_op_num_threads = self.config.threads
            options.log_severity_level = 3
            # Idle threads sleep rather than spin: spinning after each run took the cores
            # from the question's embedding that follows (torch: 35 ms instead of 16).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if int8_products_saturate():
                # The same answers on every CPU (see ``int8_products_saturate``).
                options.add_session_config_entry(PRECISE_INT8, "1")
            session = onnxruntime.InferenceSession(
                str(self.model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
            calibration_path = self.model_dir / CALIBRATION_FILE
            self._calibration = (
                Calibration.load(calibration_path)
                if calibration_path.is_file()
                else _uncalibrated()
            )
            self._tokenizer = tokenizer
            self._question_tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
            self._question_tokenizer.no_truncation()
            self._session = session

    def _readable(self, question: str) -> str:
        """The question cut after its first ``max_question_tokens`` word pieces.

        A long question left whole would leave a window too little room for the passage
        (the tokenizer then fails: its stride must be shorter than what is left).
        """
        pieces = self._question_tokenizer.encode(question, add_special_tokens=False)
        limit = self.config.max_question_tokens
        if len(pieces.ids) <= limit:
            return question
        return question[: pieces.offsets[limit - 1][1]]

    def score(self, question: str, texts: Sequence[str]) -> list[WindowScores]:
        """Run the model over ``question`` paired with each text, window by window.

        A text longer than one window is read in overlapping windows.

        Args:
            question: The question.
            texts: The passages' texts.

        Returns:
            Every window's start and end log probabilities, in order.
        """
        if not texts:
            return []
        self.warm_up()
        question = self._readable(question)
        encodings = self._tokenizer.encode_batch([(question, text) for text in texts])
        windows: list[tuple[int, Any]] = []
        for owner, encoding in enumerate(encodings):
            windows.extend((owner, window) for window in [encoding, *encoding.overflowing])
        # One window per run: padding a batch to its longest window cost more than batching
        # saved (5 windows: 232 ms padded, 153 ms one by one, on 2 cores), and a window's
        # scores then do not depend on the windows read with it (int8 activations are
        # quantized per run).
        logits = [
            self._session.run(
                ["start_logits", "end_logits"],
                {
                    "input_ids": np.array([window.ids], dtype=np.int64),
                    "attention_mask": np.ones((1, len(window.ids)), dtype=np.int64),
                    "token_type_ids": np.array([window.type_ids], dtype=np.int64),
                },
            )
            for _, window in windows
        ]
        scores = []
        for (owner, window), (start_logits, end_logits) in zip(windows, logits, strict=True):
            context = [i for i, s in enumerate(window.sequence_ids) if s == 1]
            if not context:
                continue
            positions = [0, *context]
            scores.append(
                WindowScores(
                    text_index=owner,
                    start_log=_log_softmax(start_logits[0, positions]),
                    end_log=_log_softmax(end_logits[0, positions]),
                    offsets=[(0, 0)] + [window.offsets[i] for i in context],
                )
            )
        return scores
