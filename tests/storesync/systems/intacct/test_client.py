"""IntacctClient against the real Intacct emulator (include/sandbox/intacct): sessions, many functions per
request, idempotent creates after lost answers, throttling, faults and paging."""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.intacct import Faults, IntacctServer, Limits
from storesync.hooks.errors import PermanentRunError, TransientError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.hook import IntacctHook
from tests.storesync.systems.intacct.support import CONN_ID, Waits, connect, fast_retry

HOSTILE = ("Zoë & \"Ann\" O'Brien <b>bold</b> ]]> tab\there\nline two\r\nCRLF "
           "</NAME><STATUS>inactive</STATUS> 中文 🚀 &amp; literal")


def _order(reference: str, *, item: str = "SKU-00001", quantity: str = "1", customer: str = "C00001") -> fn.Function:
    """A sales order in create_sotransaction's DTD order (intacct-sdk-php OrderEntryTransactionCreate.php),
    auto-numbered by Intacct, the storefront reference in referenceno."""
    return fn.legacy("create_sotransaction", {
        "transactiontype": "Sales Order",
        "datecreated": {"year": 2026, "month": 12, "day": 7},
        "customerid": customer,
        "referenceno": reference,
        "sotransitems": {"sotransitem": [{"itemid": item, "warehouseid": "MAIN", "quantity": Decimal(quantity),
                                          "price": Decimal("19.99")}]},
    }, controlid=fn.stable_controlid("order", reference), reference=reference)


def _keyed_order(reference: str, **kwargs) -> fn.KeyedCreate:
    return fn.KeyedCreate(_order(reference, **kwargs),
                          fn.Lookup("SODOCUMENT", "PONUMBER", reference, select=("DOCID", "RECORDNO"),
                                    docparid="Sales Order"))


def _orders_for(server: IntacctServer, reference: str) -> list[dict]:
    return [d for d in server.records("SODOCUMENT") if d.get("PONUMBER") == reference]


def _customer(reference: str, customerid: str, name: str, **fields) -> fn.Function:
    return fn.create("CUSTOMER", {"CUSTOMERID": customerid, "NAME": name, **fields},
                     controlid=fn.stable_controlid("customer", reference), reference=reference)


# -- sessions -------------------------------------------------------------------------------------------------

def test_the_client_signs_in_once_and_then_works_on_the_endpoint_getAPISession_returned(client, server):
    """intacct-sdk-php SessionProvider.php: getAPISession with the login, then the answer's sessionid and endpoint;
    the emulator serves a session only at that tenant endpoint (docs/intacct.md "Sessions")."""
    company = next(iter(server.companies))
    assert client.session_endpoint is None
    first = client.execute_one(fn.read_by_query("CUSTOMER", page_size=1))
    second = client.execute_one(fn.read_by_query("ITEM", page_size=1))
    assert first.ok and second.ok
    assert client.session_endpoint == server.tenant_endpoint(company) != client.endpoint
    assert client.meter.sessions == 1 and client.meter.requests == 3  # sign-in + two session requests


def test_an_expired_session_is_renewed_once_and_the_request_succeeds(client, server, clock):
    """developer.intacct.com api-sessions "Session Lifespan / Timeout": past sessiontimeout the session is gone;
    the gateway answers an authentication failure and nothing ran (error-handling "Business logic errors")."""
    assert client.execute_one(fn.read_by_query("CUSTOMER", page_size=1)).ok
    clock.advance(server.limits.session_timeout_s + 1)
    created = client.create_once([_keyed_order("XC-renew")])
    assert [c.status for c in created] == ["created"] and len(_orders_for(server, "XC-renew")) == 1
    assert client.meter.sessions == 2


def test_a_session_refused_again_after_renewal_fails_the_run(client, server):
    """Faults.expire_session_after=1 ends every session on its first use: one renewal, then the run fails
    instead of signing in forever."""
    server.faults = Faults(expire_session_after=1)
    with pytest.raises(PermanentRunError, match="refused the authentication"):
        client.execute_one(fn.read_by_query("CUSTOMER", page_size=1))
    assert client.meter.sessions == 2


def test_an_entity_connection_signs_in_to_that_entity(monkeypatch, server):
    """intacct-sdk-php LoginAuthentication.php (locationid); getAPISession answers the session's locationid."""
    connect(monkeypatch, server, entity_id="100")
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry())
    client.open_session()
    assert client.entity_id == "100"


def test_a_wrong_user_password_fails_the_run_without_naming_the_password(monkeypatch, server):
    """intacct-sdk-net RequestHandlerTest::Mock400LevelErrorWithXmlResponseTest: HTTP 401, XMLGW_JPP0002."""
    connect(monkeypatch, server, user_password="not-the-password-123")
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry())
    with pytest.raises(PermanentRunError) as failed:
        client.execute_one(fn.read_by_query("CUSTOMER"))
    assert "XMLGW_JPP0002" in str(failed.value) and "not-the-password-123" not in str(failed.value)
    assert client.meter.requests == 1  # not retried


def test_wrong_credentials_in_the_older_gateway_style_also_fail_the_run(monkeypatch):
    """intacct-sdk-php OnlineResponseTest::testAuthenticationFailure: operation-level XL03000006."""
    with IntacctServer(items=1, customers=1, login_failure="operation") as server:
        connect(monkeypatch, server, user_password="wrong-user-secret")
        with pytest.raises(PermanentRunError, match="XL03000006") as failed:
            IntacctHook(CONN_ID).get_client(retry=fast_retry()).execute_one(fn.read_by_query("CUSTOMER"))
        assert "wrong-user-secret" not in str(failed.value)


def test_a_wrong_sender_password_fails_the_run_at_the_control_level(monkeypatch, server):
    connect(monkeypatch, server, sender_password="wrong-sender-secret")
    with pytest.raises(PermanentRunError, match="control level") as failed:
        IntacctHook(CONN_ID).get_client(retry=fast_retry()).execute_one(fn.read_by_query("CUSTOMER"))
    assert "wrong-sender-secret" not in str(failed.value)


# -- many functions per request -------------------------------------------------------------------------------

def test_one_failing_function_fails_alone_and_returns_intacct_s_error_for_the_dlq(client, server):
    """developer.intacct.com/web-services/error-handling: a function error fails that function only; errormessage
    has errorno, description, description2, correction (intacct-sdk-php Xml/Response/ErrorMessage.php)."""
    outcomes = client.execute([_order("XC-1"), _order("XC-2", item="SKU-NOPE"), _order("XC-3")])
    assert [o.status for o in outcomes] == ["success", "failure", "success"]
    assert [o.record for o in outcomes] == ["XC-1", "XC-2", "XC-3"]
    failed = outcomes[1]
    assert failed.errors[0].errorno and "SKU-NOPE" in failed.errors[0].description2
    assert outcomes[0].key.startswith("Sales Order-")
    assert [len(_orders_for(server, ref)) for ref in ("XC-1", "XC-2", "XC-3")] == [1, 0, 1]
    assert client.meter.requests == 2  # sign-in + one request for the three functions


def test_a_transaction_is_all_or_nothing_and_the_innocent_functions_come_back_aborted(client, server):
    """intacct-sdk-php OperationBlock.php transaction="true"; OnlineClientTest::
    testExecuteBatchTransactionResultException: the failure plus XL03000009, the others aborted."""
    created = client.create_once([_keyed_order("XC-T1"), _keyed_order("XC-T2", item="SKU-NOPE")], transaction=True)
    assert [c.status for c in created] == ["aborted", "failed"]
    assert "SKU-NOPE" in " ".join(e.description2 for e in created[1].errors)
    assert _orders_for(server, "XC-T1") == [] and _orders_for(server, "XC-T2") == []
    again = client.create_once([_keyed_order("XC-T1")])
    assert [c.status for c in again] == ["created"]  # a rolled-back control ID completed nothing


def test_many_functions_are_split_into_requests_of_the_configured_size(client, server):
    client.max_functions_per_request = 2
    outcomes = client.execute([fn.read_by_query("CUSTOMER", page_size=1) for _ in range(5)])
    assert len(outcomes) == 5 and all(o.ok for o in outcomes)
    assert client.meter.requests == 1 + 3


# -- idempotent creates ---------------------------------------------------------------------------------------

def test_a_create_whose_answer_was_lost_is_found_on_retry_and_never_posted_twice(monkeypatch, server):
    """The emulator's gateway_timeout_rate fault runs and commits the request, then answers 524 with no body
    (intacct-sdk-net RequestConfig NoRetryServerErrorCodes {524}: the work may have gone through). The retry
    resends the same function control ID with uniqueid=true (developer.intacct.com/web-services/requests);
    Intacct refuses it and the client looks the order up by its reference instead of posting it again."""
    connect(monkeypatch, server)
    waits = Waits(during=lambda: setattr(server, "faults", Faults()))  # the fault clears while the client waits
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry(waits))
    client.open_session()
    server.faults = Faults(gateway_timeout_rate=1.0)
    created = client.create_once([_keyed_order("XC-lost")])
    assert len(waits) == 1
    assert [(c.status, c.key) for c in created] == [("already_posted", _orders_for(server, "XC-lost")[0]["DOCID"])]
    assert len(_orders_for(server, "XC-lost")) == 1


def test_the_same_creates_sent_again_by_a_new_task_are_already_posted_not_duplicated(monkeypatch, server):
    connect(monkeypatch, server)
    first = IntacctHook(CONN_ID).get_client(retry=fast_retry()).create_once(
        [_keyed_order("XC-10"), _keyed_order("XC-11", item="SKU-NOPE")])
    second = IntacctHook(CONN_ID).get_client(retry=fast_retry()).create_once(
        [_keyed_order("XC-10"), _keyed_order("XC-11", item="SKU-NOPE")])
    assert [c.status for c in first] == ["created", "failed"]
    assert [c.status for c in second] == ["already_posted", "failed"]
    assert second[0].key == first[0].key and len(_orders_for(server, "XC-10")) == 1
    assert _orders_for(server, "XC-11") == []


def test_a_refused_repeat_is_reported_as_a_duplicate(client, server):
    assert client.execute_one(_order("XC-dup")).ok
    repeat = client.execute_one(_order("XC-dup"))
    assert not repeat.ok and repeat.duplicate
    assert len(_orders_for(server, "XC-dup")) == 1


# -- throttling and faults ------------------------------------------------------------------------------------

def test_http_429_gw_0010_is_waited_out_with_growing_backoff(monkeypatch, server):
    """developer.intacct.com/web-services/error-handling "429 errors (GW-0010)": retry later with backoff; no
    Retry-After is documented, so the client doubles its wait."""
    connect(monkeypatch, server, throttle_base_delay=2)
    waits = Waits()
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry(waits))
    client.open_session()
    server.faults = Faults(burst_429=3)
    assert client.execute_one(fn.read_by_query("CUSTOMER", page_size=1)).ok
    assert len(waits) == 3 and 1 <= waits[0] <= 2 and 2 <= waits[1] <= 4 and 4 <= waits[2] <= 8
    assert client.retry.stats.rate_limited_waits == 3


def test_more_concurrent_requests_than_the_company_allows_are_throttled_then_served(monkeypatch):
    """Limits.max_concurrent (a per-company concurrency entitlement, Sage portal; 2 is a third-party figure)."""
    import threading

    with IntacctServer(items=1, customers=1, limits=Limits(max_concurrent=1), faults=Faults(latency_ms=150)) as server:
        connect(monkeypatch, server, throttle_base_delay=0.05)
        clients = [IntacctHook(CONN_ID).get_client(retry=fast_retry(Waits(), sleep=__import__("time").sleep))
                   for _ in range(2)]
        for client in clients:
            client.open_session()
        outcomes: list = []
        barrier = threading.Barrier(2)

        def read(client) -> None:
            barrier.wait()
            outcomes.append(client.execute_one(fn.read_by_query("CUSTOMER", page_size=1)))

        threads = [threading.Thread(target=read, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(outcomes) == 2 and all(o.ok for o in outcomes)
        assert server.metering()["throttled"] >= 1


def test_a_gateway_fault_without_xml_is_retried(monkeypatch, server):
    """developer.intacct.com/web-services/error-handling "Mid-process failures": 5xx, no XML."""
    connect(monkeypatch, server)
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry(Waits(during=lambda: setattr(server, "faults",
                                                                                             Faults()))))
    client.open_session()
    server.faults = Faults(error_rate=1.0)
    assert client.execute_one(fn.read_by_query("CUSTOMER", page_size=1)).ok
    assert client.retry.stats.retries == 1


def test_a_gateway_that_keeps_failing_raises_a_transient_error_for_airflow_to_retry(client, server):
    client.open_session()
    server.faults = Faults(error_rate=1.0)
    with pytest.raises(TransientError, match="without XML"):
        client.execute_one(fn.read_by_query("CUSTOMER", page_size=1))


# -- reading --------------------------------------------------------------------------------------------------

def test_read_by_query_pages_through_every_record_with_read_more(client, server):
    """intacct-sdk-php ReadByQuery.php / ReadMore.php; developer.intacct.com/web-services/queries "Paginate
    results": readMore(resultId) while numremaining > 0."""
    expected = [c["CUSTOMERID"] for c in server.records("CUSTOMER")]
    paginator = fn.ReadByQueryPaginator("CUSTOMER", fields=["CUSTOMERID", "NAME"], page_size=3)
    pages = list(client.pages(paginator))
    assert len(expected) > 6 and len(pages) == -(-len(expected) // 3)
    assert [p.function.name for p in pages] == ["readByQuery", "readMore", "readMore"]
    assert [row["CUSTOMERID"] for p in pages for row in p.rows()] == expected


def test_read_by_query_uses_the_connection_s_page_size(monkeypatch, server):
    connect(monkeypatch, server, page_size=4)
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry())
    rows = list(client.read_by_query("CUSTOMER", fields=["CUSTOMERID"]))
    assert [r["CUSTOMERID"] for r in rows] == [c["CUSTOMERID"] for c in server.records("CUSTOMER")]
    assert client.meter.by_function["readMore"] == -(-len(rows) // 4) - 1 > 0


def test_a_read_more_whose_answer_was_lost_makes_the_read_start_again_rather_than_skip_rows(monkeypatch, server):
    """A result set moves on when a page is served (DevDocs queries "Paginate results"); a page whose answer was
    lost (the emulator's 524 after the work) cannot be asked for again: the read fails as transient."""
    connect(monkeypatch, server)
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry(Waits(during=lambda: setattr(server, "faults",
                                                                                             Faults()))))
    pages = client.pages(fn.ReadByQueryPaginator("CUSTOMER", fields=["CUSTOMERID"], page_size=3))
    first = next(pages)
    assert len(first.rows()) == 3
    server.faults = Faults(gateway_timeout_rate=1.0)
    with pytest.raises(TransientError, match="read again from the start"):
        list(pages)


def test_query_pages_through_every_record_by_offset(client, server):
    """developer.intacct.com/web-services/queries "Using query": offset and pagesize; numremaining."""
    expected = sorted(int(c["RECORDNO"]) for c in server.records("CUSTOMER"))
    rows = list(client.iter_rows(fn.QueryPaginator("CUSTOMER", ["RECORDNO", "CUSTOMERID"], page_size=3)))
    assert [int(r["RECORDNO"]) for r in rows] == expected


def test_a_whenmodified_filter_reads_only_what_changed_since(client, server, clock):
    """PHP SDK ResultTest (WHENMODIFIED), .NET SDK AbstractDateTimeClass (mm/dd/yyyy HH:MM:SS)."""
    clock.advance(3600)
    since = clock.now
    clock.advance(60)
    client.create_once([fn.KeyedCreate(_customer("xcart:c1", "XC-C1", "New customer"),
                                       fn.Lookup("CUSTOMER", "CUSTOMERID", "XC-C1"))])
    rows = list(client.iter_rows(fn.QueryPaginator("CUSTOMER", ["CUSTOMERID"], where=fn.modified_since(since))))
    assert [r["CUSTOMERID"] for r in rows] == ["XC-C1"]
    by_string = list(client.iter_rows(fn.ReadByQueryPaginator(
        "CUSTOMER", f"WHENMODIFIED >= '{since.strftime('%m/%d/%Y %H:%M:%S')}'", fields=["CUSTOMERID"])))
    assert [r["CUSTOMERID"] for r in by_string] == ["XC-C1"]


def test_a_bad_read_fails_the_run_naming_intacct_s_error(client):
    with pytest.raises(PermanentRunError, match="Invalid field"):
        list(client.iter_rows(fn.QueryPaginator("CUSTOMER", ["NO_SUCH_FIELD"])))


def test_hostile_names_and_notes_round_trip_exactly_through_intacct(client, server):
    """developer.intacct.com/web-services/queries "Illegal characters in XML"; XML 1.0 §2.11 (CR survives only as
    &#13;): what the storefront sent is what Intacct stores and what the client reads back."""
    created = client.create_once([fn.KeyedCreate(_customer("xcart:h", "XC-H", HOSTILE, COMMENTS=HOSTILE),
                                                 fn.Lookup("CUSTOMER", "CUSTOMERID", "XC-H"))])
    assert created[0].status == "created"
    stored = next(c for c in server.records("CUSTOMER") if c["CUSTOMERID"] == "XC-H")
    assert stored["NAME"] == HOSTILE and stored["COMMENTS"] == HOSTILE
    [row] = client.find([fn.Lookup("CUSTOMER", "CUSTOMERID", "XC-H", select=("NAME", "COMMENTS"))])
    assert row == {"NAME": HOSTILE, "COMMENTS": HOSTILE}


# -- metering -------------------------------------------------------------------------------------------------

def test_the_client_counts_what_it_sent_as_the_emulator_meters_it(client, server):
    """docs/intacct.md "Metering": each record created and each read call is a transaction; getAPISession none."""
    company = next(iter(server.companies))
    server.reset_metering()
    client.create_once([_keyed_order(f"XC-M{i}") for i in range(4)])
    list(client.iter_rows(fn.ReadByQueryPaginator("CUSTOMER", page_size=5)))
    metered = server.metering(company)
    assert client.meter.metered_units == metered["api_transactions"] == 4 + 2
    assert client.meter.requests == metered["requests"] == 1 + 1 + 2
    assert client.meter.snapshot()["by_function"] == {"getAPISession": 1, "create_sotransaction": 4,
                                                      "readByQuery": 1, "readMore": 1}
