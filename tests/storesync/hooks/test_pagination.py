"""OffsetPaginator: walks X-Cart's offset/count pages and never loops."""

from __future__ import annotations

import pytest

from storesync.hooks.pagination import OffsetPaginator, PaginationLoop

OFFSET, COUNT = "_cnd[limit][0]", "_cnd[limit][1]"


def walk(paginator: OffsetPaginator, sizes: list[int], total: int | None) -> list[int]:
    """Offsets requested when the server answers pages of ``sizes`` in turn."""
    offsets = []
    page = paginator.first()
    answers = iter(sizes)
    while page is not None:
        offsets.append(page[OFFSET])
        page = paginator.next(page, received=next(answers), total=total)
    return offsets


def test_the_first_page_starts_at_offset_zero_with_the_page_size():
    assert OffsetPaginator(page_size=7).first() == {OFFSET: 0, COUNT: 7}


def test_pages_until_the_total_is_reached():
    assert walk(OffsetPaginator(page_size=7), [7, 7, 7, 2], total=23) == [0, 7, 14, 21]


def test_stops_when_the_total_is_an_exact_multiple_of_the_page_size():
    assert walk(OffsetPaginator(page_size=5), [5, 5], total=10) == [0, 5]


def test_without_a_total_a_short_page_is_the_last():
    assert walk(OffsetPaginator(page_size=10), [10, 10, 3], total=None) == [0, 10, 20]


def test_without_a_total_a_full_page_asks_for_another():
    assert walk(OffsetPaginator(page_size=4), [4, 4, 0], total=None) == [0, 4, 8]


def test_an_empty_page_stops_even_if_the_total_claims_more():
    assert walk(OffsetPaginator(page_size=5), [5, 0], total=100) == [0, 5]


def test_with_a_total_a_short_page_advances_by_what_was_received():
    # a server that caps the count below the page size must not make the paginator skip records
    assert walk(OffsetPaginator(page_size=10), [4, 4, 2], total=10) == [0, 4, 8]


def test_an_empty_result_set_is_a_single_request():
    assert walk(OffsetPaginator(page_size=5), [0], total=0) == [0]


def test_requesting_an_offset_twice_raises_pagination_loop():
    paginator = OffsetPaginator(page_size=10)
    first = paginator.first()
    paginator.next(first, received=10, total=100)
    with pytest.raises(PaginationLoop, match="offset 10"):
        paginator.next(first, received=10, total=100)


def test_asking_for_the_first_page_twice_raises_pagination_loop():
    paginator = OffsetPaginator()
    paginator.first()
    with pytest.raises(PaginationLoop):
        paginator.first()


def test_each_paginator_remembers_only_its_own_offsets():
    OffsetPaginator(page_size=5).first()
    assert OffsetPaginator(page_size=5).first() == {OFFSET: 0, COUNT: 5}


def test_parameter_names_are_configurable():
    paginator = OffsetPaginator(page_size=3, offset_param="start", count_param="limit")
    first = paginator.first()
    assert first == {"start": 0, "limit": 3}
    assert paginator.next(first, received=3, total=9) == {"start": 3, "limit": 3}
