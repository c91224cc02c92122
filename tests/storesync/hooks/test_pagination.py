"""OffsetPaginator: walks X-Cart's offset/count pages until a short one, and never loops.

X-Cart sends no total (``X-Result-Count`` is ``count($data)``, the rows of that response:
``XLite\Module\XC\RESTAPI\Core\Printer\Base\HTTP`` in X-Cart 5's source), so a ``total`` passed in is
ignored; earlier tests that stopped at a total encoded our old emulator, not X-Cart.
"""

from __future__ import annotations

import pytest

from storesync.hooks.pagination import IncompleteExtraction, OffsetPaginator, PaginationLoop

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


def test_pages_until_a_short_page():
    assert walk(OffsetPaginator(page_size=7), [7, 7, 7, 2], total=None) == [0, 7, 14, 21]


def test_a_total_that_equals_the_first_page_does_not_stop_the_reading():
    # X-Result-Count is the rows of the page: 5 on a full page of 5 says nothing about the rest
    assert walk(OffsetPaginator(page_size=5), [5, 5, 0], total=5) == [0, 5, 10]


def test_without_a_total_a_short_page_is_the_last():
    assert walk(OffsetPaginator(page_size=10), [10, 10, 3], total=None) == [0, 10, 20]


def test_without_a_total_a_full_page_asks_for_another():
    assert walk(OffsetPaginator(page_size=4), [4, 4, 0], total=None) == [0, 4, 8]


def test_an_empty_page_stops_even_if_the_total_claims_more():
    assert walk(OffsetPaginator(page_size=5), [5, 0], total=100) == [0, 5]


def test_a_short_page_is_the_last_whatever_total_is_claimed():
    assert walk(OffsetPaginator(page_size=10), [4], total=10) == [0]


def test_an_empty_result_set_is_a_single_request():
    assert walk(OffsetPaginator(page_size=5), [0], total=0) == [0]


def test_requesting_an_offset_twice_raises_pagination_loop():
    paginator = OffsetPaginator(page_size=10)
    first = paginator.first()
    paginator.next(first, received=10)
    with pytest.raises(PaginationLoop, match="offset 10"):
        paginator.next(first, received=10)


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
    assert paginator.next(first, received=3) == {"start": 3, "limit": 3}


# -- self-check (issue 14: extraction verifies itself) ---------------------------------------------------

def rows(*ids):
    return [{"id": i} for i in ids]


def test_rows_repeated_from_an_earlier_page_are_yielded_once():
    paginator = OffsetPaginator(page_size=3)
    first = paginator.first()
    assert paginator.check(first, rows(1, 2, 3), "id") == rows(1, 2, 3)
    second = paginator.next(first, received=3)
    # a row inserted before the offset pushed 3 onto the second page: the page is read again and agrees
    assert paginator.check(second, rows(3, 4, 5), "id", refetch=lambda: rows(3, 4, 5)) == rows(4, 5)


def test_a_page_that_changes_between_two_reads_fails_naming_it():
    paginator = OffsetPaginator(page_size=3)
    first = paginator.first()
    paginator.check(first, rows(1, 2, 3), "id")
    second = paginator.next(first, received=3)
    with pytest.raises(IncompleteExtraction, match="offset 3"):
        paginator.check(second, rows(3, 4, 5), "id", refetch=lambda: rows(6, 7, 8))


def test_a_server_that_ignores_the_offset_fails_the_run():
    paginator = OffsetPaginator(page_size=3)
    first = paginator.first()
    paginator.check(first, rows(1, 2, 3), "id")
    second = paginator.next(first, received=3)
    with pytest.raises(IncompleteExtraction, match="ignores the offset"):
        paginator.check(second, rows(1, 2, 3), "id", refetch=lambda: rows(1, 2, 3))
