"""A bounded cache that the threads answering at the same time may share.

The web page answers two questions at once, so every cache on the answer path is one of these:
a least-recently-used map (``cachetools.LRUCache``) of fixed size behind a lock. Values are
computed outside the lock, so a slow computation holds up no other thread; two threads
missing the same key at once both compute it, and the values are equal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SharedLRU(Generic[K, V]):
    """At most ``size`` entries, the least recently used dropped first; safe under threads.

    Args:
        size: How many entries to keep (at least 1).
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a cache needs room for at least one entry, not {size}")
        self.size = size
        self._data: LRUCache[K, V] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def get(self, key: K) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        with self._lock:
            return self._data.get(key)

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key``, dropping the least recently used entry if full."""
        with self._lock:
            self._data[key] = value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value for ``key``, computed by calling ``make()`` (outside the lock) if missing."""
        with self._lock:
            if key in self._data:
                return self._data[key]
        value = make()
        self.put(key, value)
        return value

    def get_or_make_many(
        self, keys: Sequence[K], make_many: Callable[[list[K]], Iterable[V]]
    ) -> list[V]:
        """The values for ``keys`` in order; the missing ones computed in one ``make_many`` call.

        The values returned are the ones found or computed in this call, so an entry dropped
        by another thread meanwhile cannot make this call fail.
        """
        found: dict[K, V] = {}
        with self._lock:
            for key in keys:
                if key not in found and key in self._data:
                    found[key] = self._data[key]
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            made = list(make_many(missing))
            if len(made) != len(missing):
                raise ValueError(f"{len(made)} values made for {len(missing)} keys")
            with self._lock:
                for key, value in zip(missing, made, strict=True):
                    self._data[key] = value
                    found[key] = value
        return [found[key] for key in keys]
