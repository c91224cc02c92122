"""The function level: per-function outcomes, transaction="true", uniqueid and control IDs."""

from __future__ import annotations

from tests.sandbox.intacct.api import fn, read_by_query, sales_order


def _customer(customer_id: str, name: str = "Function Test") -> str:
    return f"<create><CUSTOMER><CUSTOMERID>{customer_id}</CUSTOMERID><NAME>{name}</NAME></CUSTOMER></create>"


def _ids(server) -> list[str]:
    return [c["CUSTOMERID"] for c in server.records("CUSTOMER")]


def test_a_failing_function_fails_alone_and_the_others_run(client, server):
    """developer.intacct.com/web-services/error-handling: at the content level only the problematic function
    fails and other functions can succeed; intacct-sdk-php Xml/Response/Result.php reads status, function,
    controlid and, on failure, errormessage/error(errorno, description, description2, correction)."""
    reply = client.call(fn("one", _customer("FN-1")), fn("two", _customer("FN-1")), fn("three", _customer("FN-3")))
    assert reply.control_status == "success" and reply.auth_status == "success"
    assert [(r.controlid, r.status) for r in reply.results] == [("one", "success"), ("two", "failure"),
                                                                ("three", "success")]
    errorno, _, description2, _ = reply.result(1).errors[0]
    assert errorno == "BL01001973" and "FN-1" in description2
    assert _ids(server).count("FN-1") == 1 and "FN-3" in _ids(server)


def test_an_unknown_object_fails_with_query_failed(client):
    """intacct-sdk-php test/Intacct/Xml/Response/ResultTest.php::testGetErrors: errorno 'Query Failed',
    description2 'Object definition BADOBJECT not found'."""
    reply = client.call(fn("q", read_by_query("BADOBJECT")))
    assert reply.result().status == "failure"
    assert reply.result().errors[0][:3] == ("Query Failed", "", "Object definition BADOBJECT not found")


def test_transaction_true_rolls_every_function_back_when_one_fails(client, server):
    """intacct-sdk-php test/Intacct/OnlineClientTest.php::testExecuteBatchTransactionResultException and
    ResultTest::testStatusAbort: with transaction true, the function before the failure is 'aborted' with
    XL03000009 'The entire transaction in this operation has been rolled back due to an error.', the failing
    one 'failure' with its own error then XL03000009; nothing it did remains."""
    before = server.records("SODOCUMENT")
    reply = client.call(fn("order", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")])),
                        fn("cust", _customer("TX-1")), fn("bad", _customer("TX-1")), fn("after", _customer("TX-3")),
                        transaction=True)
    statuses = [r.status for r in reply.results]
    assert statuses == ["aborted", "aborted", "failure", "aborted"]
    assert reply.result(0).errors == [("XL03000009", "", "The entire transaction in this operation has been "
                                       "rolled back due to an error.", "")]
    assert [e[0] for e in reply.result(2).errors] == ["BL01001973", "XL03000009"]
    assert reply.result(0).key is None
    assert server.records("SODOCUMENT") == before
    assert not {"TX-1", "TX-3"} & set(_ids(server))
    stock = {(r["ITEMID"], r["WAREHOUSEID"]): r["QTYONHOLD"] for r in server.records("ITEMWAREHOUSEINFO")}
    assert stock[("SKU-00001", "MAIN")] == 0


def test_transaction_false_keeps_what_succeeded(client, server):
    """developer.intacct.com/web-services ("Transactions"): without transaction="true" each function stands
    alone; intacct-sdk-php OperationBlock.php writes transaction="false" by default."""
    reply = client.call(fn("cust", _customer("NTX-1")), fn("bad", _customer("NTX-1")))
    assert [r.status for r in reply.results] == ["success", "failure"]
    assert reply.result(1).errors[-1][0] != "XL03000009"
    assert "NTX-1" in _ids(server)


def test_uniqueid_true_refuses_a_function_controlid_that_already_completed(client, server):
    """developer.intacct.com/web-services/requests ("uniqueid"): when true a request cannot be repeated: the
    function's controlid is checked to determine if the operation was previously executed and completed.
    The refusal's errorno and text are unverified (docs/intacct.md); the record is not created twice."""
    order = fn("order-XC-1001", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")], referenceno="XC-1001"))
    first = client.call(order, uniqueid="true")
    again = client.call(order, uniqueid="true")
    assert first.result().status == "success"
    assert again.control_status == "success" and again.result().status == "failure"
    assert again.result().errors[0][0] == "XL03000011" and "order-XC-1001" in again.result().errors[0][2]
    assert [d["PONUMBER"] for d in server.records("SODOCUMENT")] == ["XC-1001"]


def test_uniqueid_is_true_when_the_control_block_leaves_it_out(client, server):
    """developer.intacct.com/web-services/requests: uniqueid is optional and true is the default."""
    order = fn("order-XC-2001", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")], referenceno="XC-2001"))
    client.call(order, uniqueid=None)
    again = client.call(order, uniqueid=None)
    assert again.result().status == "failure"
    assert len(server.records("SODOCUMENT")) == 1


def test_uniqueid_false_runs_a_repeated_controlid_again(client, server):
    """developer.intacct.com/web-services/requests: with uniqueid false the system allows the operation to
    execute any number of times (so a blind retry posts twice: the reason the connector sends true)."""
    order = fn("same-id", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")]))
    client.call(order, uniqueid="false")
    again = client.call(order, uniqueid="false")
    assert again.result().status == "success"
    assert len(server.records("SODOCUMENT")) == 2


def test_a_failed_or_rolled_back_function_did_not_complete_so_its_controlid_may_be_retried(client, server):
    """developer.intacct.com/web-services/requests: uniqueid checks whether the function was executed *and
    completed*; a failure (or a rolled-back transaction) completed nothing."""
    bad = fn("retry-me", sales_order("C00001", [("NO-SUCH-SKU", "1", "MAIN", "5.00")]))
    assert client.call(bad, uniqueid="true").result().status == "failure"
    good = fn("retry-me", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")]))
    assert client.call(good, uniqueid="true").result().status == "success"


def test_results_come_back_in_request_order_with_their_controlids(client):
    """intacct-sdk-php src/Intacct/Xml/OnlineResponse.php: one result per function, in order, each with the
    function's controlid (how a client matches outcomes to records)."""
    reply = client.call(*(fn(f"c-{n}", read_by_query("ITEM", pagesize=1)) for n in range(5)))
    assert [r.controlid for r in reply.results] == [f"c-{n}" for n in range(5)]
    assert {r.function for r in reply.results} == {"readByQuery"}
