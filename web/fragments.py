"""Rendered fragments kept while the catalog does not change.

A page of the film list costs about 2 ms to read and render, a pitch's film cards as much,
and people ask for the same ones again and again (the first page of the catalog, the same
search while typing, a pitch reloaded). The key of every fragment holds the catalog
version, which database triggers raise on any write to what those pages show (see
catalog.models.CatalogVersion): a fragment is never served after a change, and old ones
leave the cache as new ones come in.

Each process keeps its own cache, at most `FRAGMENT_CACHE_SIZE` fragments (0 turns it off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app
from flask_babel import get_locale

from catalog import queries
from web import database

_KEY = "anthologie.fragments"
Fragment = TypeVar("Fragment")


@dataclass
class FragmentCache:
    size: int
    hits: int = 0
    misses: int = 0
    _entries: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Hashable, render: Callable[[], Fragment]) -> Fragment:
        """The fragment kept under `key`, or `render()`'s, kept for next time."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                found: Fragment = self._entries[key]
                return found
            self.misses += 1
        fragment = render()
        if self.size > 0:
            with self._lock:
                self._entries[key] = fragment
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return fragment

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = FragmentCache(int(app.config["FRAGMENT_CACHE_SIZE"]))


def cache() -> FragmentCache:
    cache: FragmentCache = current_app.extensions[_KEY]
    return cache


def rendered(kind: str, key: Hashable, render: Callable[[], Fragment]) -> Fragment:
    """`render()`'s fragment, kept under `kind` and `key` for this language and catalog
    version: every key holds both, so no caller can forget one."""
    version = queries.catalog_version(database.session())
    return cache().get((kind, str(get_locale()), version, key), render)
