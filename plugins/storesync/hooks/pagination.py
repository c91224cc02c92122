"""Paginators: given the last page, return the next request's parameters or ``None``.

A paginator never loops forever: asking for the same page twice raises ``PaginationLoop``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PaginationLoop(RuntimeError):
    """The server sent us back to a page we already fetched."""


@dataclass
class OffsetPaginator:
    """X-Cart's ``_cnd[limit][0]=offset, _cnd[limit][1]=count`` with a total in ``X-Result-Count``."""

    page_size: int = 250
    offset_param: str = "_cnd[limit][0]"
    count_param: str = "_cnd[limit][1]"
    _seen_offsets: set[int] = field(default_factory=set)

    def first(self) -> dict[str, int]:
        return self._request(0)

    def next(self, current: dict[str, int], *, received: int, total: int | None) -> dict[str, int] | None:
        if received == 0:
            return None
        offset = current[self.offset_param] + received
        if total is not None and offset >= total:
            return None
        if total is None and received < self.page_size:
            return None
        return self._request(offset)

    def _request(self, offset: int) -> dict[str, int]:
        if offset in self._seen_offsets:
            raise PaginationLoop(f"offset {offset} requested twice")
        self._seen_offsets.add(offset)
        return {self.offset_param: offset, self.count_param: self.page_size}
