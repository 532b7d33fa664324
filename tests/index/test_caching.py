"""The shared bounded cache: it stays within its size and gives right values under threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from index.caching import SharedLRU


def test_least_recently_used_entry_is_dropped_first() -> None:
    cache: SharedLRU[str, int] = SharedLRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_many_values_come_back_in_order_and_only_missing_ones_are_made() -> None:
    cache: SharedLRU[str, str] = SharedLRU(10)
    cache.put("x", "X")
    made: list[list[str]] = []

    def make(keys: list[str]) -> list[str]:
        made.append(keys)
        return [key.upper() for key in keys]

    assert cache.get_or_make_many(["y", "x", "y", "z"], make) == ["Y", "X", "Y", "Z"]
    assert made == [["y", "z"]]


def test_a_call_larger_than_the_cache_still_returns_every_value() -> None:
    cache: SharedLRU[int, int] = SharedLRU(3)
    assert cache.get_or_make_many(list(range(10)), lambda keys: [k * k for k in keys]) == [
        k * k for k in range(10)
    ]
    assert len(cache) == 3


def test_a_maker_returning_the_wrong_number_of_values_is_an_error() -> None:
    cache: SharedLRU[int, int] = SharedLRU(3)
    with pytest.raises(ValueError, match="2 values made for 3 keys"):
        cache.get_or_make_many([1, 2, 3], lambda keys: [0, 0])
    with pytest.raises(ValueError, match="at least one entry"):
        SharedLRU(0)


def test_threads_hammering_a_small_cache_get_right_values_and_it_stays_bounded() -> None:
    cache: SharedLRU[int, int] = SharedLRU(50)
    start = threading.Barrier(8)

    def worker(seed: int) -> bool:
        start.wait()
        right = True
        for step in range(3_000):
            keys = [(seed * 7 + step * 13 + offset) % 400 for offset in range(5)]
            values = cache.get_or_make_many(keys, lambda missing: [-k for k in missing])
            one = cache.get_or_make(keys[0] + 1000, lambda k=keys[0]: k + 1000)
            right = right and values == [-k for k in keys] and one == keys[0] + 1000
            assert len(cache) <= 50
        return right

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert all(results)
    assert len(cache) == 50
