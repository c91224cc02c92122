"""Paginators: given the last page, return the next request's parameters or ``None``.

A paginator never loops forever: asking for the same page twice raises ``PaginationLoop``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class PaginationLoop(RuntimeError):
    """The server sent us back to a page we already fetched."""


class IncompleteExtraction(RuntimeError):
    """Offset paging lost rows it cannot account for: the run fails rather than go on with holes."""


@dataclass
class OffsetPaginator:
    """X-Cart's ``_cnd[limit][0]=offset, _cnd[limit][1]=count``, read until a page comes back short.

    X-Cart sends no total: ``X-Result-Count`` is ``count($data)``, the rows of that very response
    (``XLite\\Module\\XC\\RESTAPI\\Core\\Printer\\Base\\HTTP::printOutput``), so it is never used here.

    Self-check (``check``/``finish``, when the caller names the key field): offset paging over rows that
    change while they are read can repeat rows (an insert before the offset) or skip them (a delete
    before it). A page that repeats a key already read, or repeats itself, is read once more; keys seen
    twice are yielded once. A page whose re-read still differs, or a page that is full of keys already
    read (the server ignoring the offset), fails the run naming the page. A row deleted before the
    offset while the pages are read shifts one row past it unseen; keys alone cannot show that, which
    is why incremental reads overlap (the look-back in docs/xcart.md) rather than trust one pass.
    """

    page_size: int = 250
    offset_param: str = "_cnd[limit][0]"
    count_param: str = "_cnd[limit][1]"
    _seen_offsets: set[int] = field(default_factory=set)
    _seen_keys: set[str] = field(default_factory=set)
    repeats: int = 0

    def first(self) -> dict[str, int]:
        return self._request(0)

    def next(self, current: dict[str, int], *, received: int, total: int | None = None) -> dict[str, int] | None:
        """The page after ``current``; ``total`` is accepted for callers of other APIs and ignored."""
        if received < self.page_size:
            return None
        return self._request(current[self.offset_param] + received)

    def check(self, page: dict[str, int], records: list, key_field: str,
              refetch: Callable[[], list] | None = None) -> list:
        """The page's records not read before; re-reads a page that overlaps what was already read."""
        keys = [_key(record, key_field) for record in records]
        repeated = [key for key in keys if key is not None and key in self._seen_keys]
        if repeated and refetch is not None:
            again = refetch()
            again = again if isinstance(again, list) else []
            keys_again = [_key(record, key_field) for record in again]
            if keys_again != keys and set(keys_again) - self._seen_keys != set(keys) - self._seen_keys:
                raise IncompleteExtraction(
                    f"page at offset {page[self.offset_param]} changed between two reads "
                    f"({len(set(keys) ^ set(keys_again))} keys differ): the rows are moving; run again")
        if repeated and len(repeated) == len(keys) and len(keys) >= self.page_size:
            raise IncompleteExtraction(
                f"page at offset {page[self.offset_param]} holds only rows already read "
                f"(e.g. {', '.join(sorted(repeated)[:5])}): the server ignores the offset; nothing more can be read")
        self.repeats += len(repeated)
        fresh = []
        for record, key in zip(records, keys):
            if key is None:
                fresh.append(record)
            elif key not in self._seen_keys:
                self._seen_keys.add(key)
                fresh.append(record)
        return fresh

    def _request(self, offset: int) -> dict[str, int]:
        if offset in self._seen_offsets:
            raise PaginationLoop(f"offset {offset} requested twice")
        self._seen_offsets.add(offset)
        return {self.offset_param: offset, self.count_param: self.page_size}


def _key(record, key_field: str) -> str | None:
    if isinstance(record, dict) and record.get(key_field) not in (None, ""):
        return str(record[key_field])
    return None
