"""Function builders, stable control IDs and paginators: what goes into a request, in Intacct's order."""

from __future__ import annotations

from datetime import datetime

import pytest

from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.wire import element


def test_a_stable_control_id_is_the_same_for_the_same_reference_and_differs_between_references():
    assert fn.stable_controlid("order", "xcart:17") == fn.stable_controlid("order", "xcart:17") == "order:xcart:17"
    assert fn.stable_controlid("order", "xcart:17") != fn.stable_controlid("order", "xcart:18")
    assert fn.stable_controlid("order", "xcart:17") != fn.stable_controlid("payment", "xcart:17")


def test_a_long_reference_gives_a_control_id_within_256_characters_that_still_tells_references_apart():
    first, second = (fn.stable_controlid("order", "x" * 300 + tail) for tail in ("a", "b"))
    assert len(first) <= 256 and len(second) <= 256 and first != second


def test_a_keyed_create_without_a_stable_control_id_is_refused():
    read = fn.read_by_query("CUSTOMER")
    with pytest.raises(ValueError, match="stable control ID"):
        fn.KeyedCreate(read, fn.Lookup("CUSTOMER", "CUSTOMERID", "C1"))


def test_a_write_without_a_stable_control_id_is_refused_because_a_resend_could_post_it_twice():
    with pytest.raises(ValueError, match="stable control ID"):
        fn.Function(element("create", {"CUSTOMER": {"NAME": "a"}}))


def test_read_by_query_is_written_in_the_sdk_order_and_caps_the_page_at_1000():
    """intacct-sdk-php Functions/Common/ReadByQuery.php: object, query, fields, pagesize, returnFormat, docparid;
    MAX_PAGE_SIZE 1000."""
    body = fn.read_by_query("SODOCUMENT", "STATE = 'Pending'", fields=["DOCID", "STATE"], page_size=10,
                            docparid="Sales Order").body
    assert [c.tag for c in body] == ["object", "query", "fields", "pagesize", "returnFormat", "docparid"]
    assert body.findtext("fields") == "DOCID,STATE"
    with pytest.raises(ValueError):
        fn.read_by_query("CUSTOMER", page_size=1001)


def test_query_is_written_in_the_sdk_order_with_its_filter_and_ordering():
    """intacct-sdk-php Functions/Common/NewQuery/Query.php: select, object, docparid, filter, orderby, options,
    pagesize, offset; QueryOrderBy/AbstractOrderDirection.php: order(field, ascending|descending)."""
    since = datetime(2026, 12, 7, 9, 30, 5)
    body = fn.query("CUSTOMER", ["RECORDNO", "NAME"], where=fn.all_of(fn.modified_since(since),
                                                                      fn.equal_to("STATUS", "active")),
                    order_by=[("RECORDNO", False)], page_size=50, offset=100, case_insensitive=True).body
    assert [c.tag for c in body] == ["select", "object", "filter", "orderby", "options", "pagesize", "offset"]
    condition = body.find("filter/and/greaterthanorequalto")
    assert (condition.findtext("field"), condition.findtext("value")) == ("WHENMODIFIED", "12/07/2026 09:30:05")
    assert body.find("orderby/order/ascending") is not None and body.findtext("offset") == "100"
    with pytest.raises(ValueError):
        fn.query("CUSTOMER", ["RECORDNO"], page_size=2001)


def test_one_condition_needs_no_and():
    assert fn.all_of(fn.equal_to("A", "1")).tag == "equalto"


def test_writes_are_metered_per_record_reads_per_call_and_sessions_not_at_all():
    """docs/intacct.md "Metering" (third-party definition, unverified)."""
    assert fn.create("CUSTOMER", {"NAME": "a"}, controlid="c", reference="r").metered_units == 1
    assert fn.read_by_query("CUSTOMER").metered_units == 1
    assert fn.get_api_session().metered_units == 0


class _Page:
    def __init__(self, **attributes: str) -> None:
        self.attributes = attributes

    def attribute(self, name: str, default: str = "") -> str:
        return self.attributes.get(name, default)


def test_read_by_query_pages_go_on_with_read_more_while_records_remain():
    paginator = fn.ReadByQueryPaginator("CUSTOMER", page_size=2)
    following = paginator.next(_Page(count="2", totalcount="5", numremaining="3", resultId="R1"))
    assert following.name == "readMore" and following.body.findtext("resultId") == "R1"
    assert paginator.next(_Page(count="1", totalcount="5", numremaining="0", resultId="")) is None
    assert paginator.totalcount == 5


def test_query_pages_go_on_at_the_next_offset_while_records_remain():
    paginator = fn.QueryPaginator("CUSTOMER", ["RECORDNO"], page_size=2)
    assert paginator.first().body.findtext("offset") == "0"
    following = paginator.next(_Page(offset="0", count="2", totalcount="3", numremaining="1"))
    assert following.body.findtext("offset") == "2"
    assert paginator.next(_Page(offset="2", count="1", totalcount="3", numremaining="0")) is None
