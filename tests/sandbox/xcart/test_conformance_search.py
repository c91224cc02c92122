"""X-Cart conformance: ``_cnd`` search conditions and paging, as the repositories define them.

Sources: X-Cart 5 (``glennmanning1/mostad-xcart``, under ``classes/XLite/``).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.sandbox.xcart.conformance import END_TS, body, call, limit, start


@pytest.fixture(scope="module")
def server():
    running = start(orders=60)
    yield running
    running.stop()


def _ids(response) -> list[int]:
    return [row["orderId"] for row in body(response)]


def test_update_date_is_not_an_order_condition_and_is_ignored(server):
    """Model/Repo/Order.php: getHandlingSearchParams has no ``updateDate``; callSearchConditionHandler skips
    a key without a handler (``// TODO - add logging here``), so the rows come back unfiltered."""
    everything = _ids(call(server, "GET", "order", _schema="complex"))
    filtered = _ids(call(server, "GET", "order", _schema="complex",
                         **{"_cnd[updateDate][0]": END_TS + 10 * 86_400, "_cnd[updateDate][1]": END_TS + 11 * 86_400}))
    assert filtered == everything and len(everything) == 60


def test_order_date_condition_is_inclusive_on_the_order_date(server):
    """Model/Repo/Order.php, prepareCndDate: ``o.date >= start`` and ``o.date <= end`` (unix seconds); the
    complex order shows the same instant as ``date('c')`` text (Complex.php, convertModelOrder)."""
    orders = body(call(server, "GET", "order", _schema="complex"))
    dates = sorted(unix(o["orderDate"]) for o in orders)
    low, high = dates[10], dates[20]
    inside = body(call(server, "GET", "order", _schema="complex", **{"_cnd[date][0]": low, "_cnd[date][1]": high}))
    assert sorted(unix(o["orderDate"]) for o in inside) == [d for d in dates if low <= d <= high]
    assert min(unix(o["orderDate"]) for o in inside) == low and max(unix(o["orderDate"]) for o in inside) == high


def test_limit_pages_by_offset_and_count(server):
    """Model/Repo/Order.php, prepareCndLimit → QueryBuilder setFrameResults([start, count])."""
    everything = [o["order_id"] for o in body(call(server, "GET", "order"))]
    page = [o["order_id"] for o in body(call(server, "GET", "order", **limit(10, 7)))]
    assert page == everything[10:17]


def test_limit_count_zero_means_no_limit(server):
    """Model/QueryBuilder/AQueryBuilder.php, setFrameResults: ``setMaxResults`` only when the count is above 0."""
    assert len(body(call(server, "GET", "order", **limit(5, 0)))) == 55


def test_a_page_past_the_end_is_empty(server):
    """setFrameResults past the last row: an empty list, ``X-Result-Count: 0`` (count of no rows)."""
    response = call(server, "GET", "order", **limit(1000, 10))
    assert body(response) == [] and response.headers["X-Result-Count"] == "0"


def test_order_by_sorts_in_the_given_direction(server):
    """Model/Repo/Order.php, prepareCndOrderBy: ``list($sort, $order)``, ``addOrderBy($sort, $order)``."""
    rows = body(call(server, "GET", "order", **{"_cnd[orderBy][0]": "o.order_id", "_cnd[orderBy][1]": "DESC"}))
    ids = [o["order_id"] for o in rows]
    assert ids == sorted(ids, reverse=True)


def test_status_condition_takes_a_code(server):
    """Model/Repo/Order.php, prepareStatusCnd: a non-numeric string matches the status ``code``."""
    rows = body(call(server, "GET", "order", _schema="complex", **{"_cnd[paymentStatus]": "P"}))
    assert rows and {o["paymentStatus"] for o in rows} == {"P"}


def test_backend_transactions_have_no_search(server):
    """Model/Repo/Payment/BackendTransaction.php is an empty class: Native::findForGetAll calls ``search()``
    for any ``_cnd`` and there is none (a fatal error, 500); without ``_cnd`` every row comes back."""
    assert call(server, "GET", "payment-backendtransaction", **limit(0, 2)).status_code == 500
    rows = body(call(server, "GET", "payment-backendtransaction"))
    assert rows and {"id", "date", "status", "value", "type"} <= set(rows[0])


def test_transaction_order_condition_is_the_order_number(server):
    """Model/Repo/Payment/Transaction.php, prepareCndOrder: a scalar matches ``ordr.orderNumber``."""
    transaction = body(call(server, "GET", "payment-transaction", **limit(0, 1)))[0]
    full = body(call(server, "GET", f"payment-transaction/{transaction['transaction_id']}"))
    number = full["order"]["orderNumber"]
    rows = body(call(server, "GET", "payment-transaction", **{"_cnd[order]": number}))
    assert transaction["transaction_id"] in [row["transaction_id"] for row in rows]
    assert all(body(call(server, "GET", f"payment-transaction/{row['transaction_id']}"))["order"]["orderNumber"]
               == number for row in rows)


def unix(text: str) -> int:
    """The unix seconds of a ``date('c')`` text."""
    return int(datetime.fromisoformat(text).timestamp())
