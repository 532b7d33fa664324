"""Errors raised while building or loading an index, each with a message that says what to do."""

from __future__ import annotations


class QaIndexError(Exception):
    """Base class: something about the index or its documents needs the user's attention."""


class NoDocumentsError(QaIndexError):
    """The given paths hold no document that can be indexed."""


class IndexNotFoundError(QaIndexError):
    """No index has been built in the folder yet."""


class ModelMismatchError(QaIndexError):
    """The index was built with another embedding model than the one asked to query it."""


class CorruptIndexError(QaIndexError):
    """A file of the index is missing, partial or fails its checksum."""


class IndexLockedError(QaIndexError):
    """Another process is writing the index."""


class IndexNotWritableError(QaIndexError):
    """The index folder cannot be created or written (permissions, a read-only disk)."""


class RebuildWouldDropError(QaIndexError):
    """A rebuild would lose indexed documents whose files can no longer be read."""
