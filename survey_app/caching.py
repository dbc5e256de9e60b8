"""Per-process caches of values that never go stale for their key (rendered pages, parsed files).

Each is a plain dict bounded by emptying it when full: keys are few (questionnaires x options x
languages), so it never empties in practice, and a rare refill costs one render or parse.
Concurrent threads may build the same value twice, harmlessly.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class BoundedCache(Generic[Value]):
    """A dict of values built once per key, emptied when it reaches *size* entries."""

    def __init__(self, size: int):
        self.size = size
        self._values: dict[Hashable, Value] = {}

    def get(self, key: Hashable) -> Value | None:
        return self._values.get(key)

    def put(self, key: Hashable, value: Value) -> Value:
        if len(self._values) >= self.size:
            self._values.clear()
        self._values[key] = value
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], Value]) -> Value:
        value = self._values.get(key)
        return self.put(key, build()) if value is None else value
