"""Throttling (429 GW-0010), gateway faults, the per-company concurrency cap and the metered transaction count."""

from __future__ import annotations

import threading

import pytest
import requests

from include.sandbox.intacct import Faults, IntacctServer, Limits
from tests.sandbox.intacct.api import Client, fn, read_by_query, sales_order


def _gw0010(reply) -> None:
    assert reply.status == 429 and reply.headers["Content-Type"].startswith("text/xml")
    assert reply.control_status == "failure" and reply.root.find("operation") is None
    assert reply.errors_at(".")[0][0] == "GW-0010"


def test_more_concurrent_requests_than_the_company_allows_get_429_GW_0010():
    """developer.intacct.com/web-services/error-handling ("429 errors (GW-0010)": the client made frequent or
    concurrent requests); a concurrency limit per company of 2 is a third-party figure (docs/intacct.md,
    unverified): the emulator refuses the excess at once rather than queueing it."""
    with IntacctServer(items=1, customers=1, limits=Limits(max_concurrent=2),
                       faults=Faults(latency_ms=400)) as server:
        replies = []
        barrier = threading.Barrier(3)

        def call() -> None:
            client = Client(server)
            barrier.wait()
            replies.append(client.call(fn("q", read_by_query("CUSTOMER", pagesize=1))))
        threads = [threading.Thread(target=call) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.status for r in replies) == [200, 200, 429]
        _gw0010(next(r for r in replies if r.status == 429))
        assert server.metering()["throttled"] == 1


def test_more_requests_per_minute_than_allowed_get_429_GW_0010(clock):
    """developer.intacct.com/web-services/error-handling ("429 errors": too many requests in a short period of
    time); the rate (requests per minute per company) is the emulator's knob, Sage's figure is not public."""
    with IntacctServer(items=1, customers=1, limits=Limits(requests_per_minute=3), clock=clock) as server:
        client = Client(server)
        statuses = [client.call(fn("q", read_by_query("CUSTOMER", pagesize=1))).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]


def test_an_injected_429_burst_answers_GW_0010_then_recovers():
    """Fault knob burst_429 (include/sandbox/intacct/faults.py): the next N requests answer HTTP 429 with the
    GW-0010 gateway error (developer.intacct.com/web-services/error-handling: GW-nnnn errors have control status
    failure and errormessage/error errorno + description)."""
    with IntacctServer(items=1, customers=1, faults=Faults(burst_429=2)) as server:
        client = Client(server)
        replies = [client.call(fn("q", read_by_query("CUSTOMER", pagesize=1))) for _ in range(3)]
        _gw0010(replies[0])
        _gw0010(replies[1])
        assert replies[2].status == 200 and replies[2].result().status == "success"


def test_gateway_faults_are_5xx_without_xml():
    """developer.intacct.com/web-services/error-handling ("Mid-process failures"): no XML response is provided
    and you may receive an HTTP error code such as a 500 server error; intacct-sdk-php Xml/RequestHandler.php
    retries 5xx (getNoRetryServerErrorCodes) and treats non-XML error bodies as HTTP errors."""
    with IntacctServer(items=1, customers=1, faults=Faults(error_rate=1.0)) as server:
        replies = [Client(server).call(fn("q", read_by_query("CUSTOMER"))) for _ in range(4)]
        assert {r.status for r in replies} <= {500, 502, 503}
        assert all(r.root is None and "<response>" not in r.text for r in replies)


def test_a_dropped_connection_and_an_answer_that_comes_too_late():
    """Fault knobs drop_rate and timeout_rate: a mid-process failure with no answer at all, and a request that
    was executed and committed although the client stopped waiting (so a retry must not post twice: uniqueid)."""
    with IntacctServer(items=2, customers=1, faults=Faults(drop_rate=1.0)) as server:
        with pytest.raises(requests.ConnectionError):
            Client(server).call(fn("q", read_by_query("CUSTOMER")))
    with IntacctServer(items=2, customers=1, faults=Faults(timeout_rate=1.0, timeout_hold_s=0.6)) as server:
        with pytest.raises(requests.Timeout):
            Client(server).call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")])), timeout=0.2)
        assert len(server.records("SODOCUMENT")) == 1


def test_a_gateway_timeout_524_comes_after_the_work_was_committed():
    """intacct-sdk-net Intacct.SDK/RequestConfig.cs (NoRetryServerErrorCodes = {524}) and
    RequestHandlerTest::MockDefaultNo524RetryTest: a 524 (empty body) is not retried, because the gateway timed
    out while the request may have gone through; fault knob gateway_timeout_rate executes, commits, answers 524."""
    with IntacctServer(items=2, customers=1, faults=Faults(gateway_timeout_rate=1.0)) as server:
        reply = Client(server).call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")])))
        assert reply.status == 524 and reply.text == ""
        assert len(server.records("SODOCUMENT")) == 1


def test_metered_transactions_per_company(clock):
    """Metering (docs/intacct.md): Sage counts API transactions per company per month; third-party material
    (RKL eSolutions 'Sage Intacct API limits', unverified) counts each created/updated record and each query
    or page as one, however many are batched in a request; getAPISession and requests refused before any
    function ran count nothing. The count is readable by tests (server.metering)."""
    with IntacctServer(items=2, customers=3, companies=("co-a", "co-b"), clock=clock) as server:
        a, b = Client(server, company="co-a"), Client(server, company="co-b")
        a.open_session()
        three = "".join(f"<CUSTOMER><CUSTOMERID>M-{n}</CUSTOMERID><NAME>M {n}</NAME></CUSTOMER>" for n in range(3))
        a.call(fn("c", f"<create>{three}</create>"),
               fn("q", read_by_query("CUSTOMER", pagesize=1)),
               fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")])),
               fn("bad", sales_order("NOBODY", [("SKU-00001", "1", "MAIN", "1.00")])), session=True)
        Client(server, user_password="wrong", company="co-a").call(fn("q", read_by_query("CUSTOMER")))
        Client(server, sender_password="wrong", company="co-a").call(fn("q", read_by_query("CUSTOMER")))
        b.call(fn("q", read_by_query("ITEM")))
        metering_a, metering_b = server.metering("co-a"), server.metering("co-b")
        assert metering_a["api_transactions"] == 3 + 1 + 1 + 1
        assert metering_a["by_function"] == {"getAPISession": 0, "create": 3, "readByQuery": 1,
                                             "create_sotransaction": 2}
        assert metering_a["requests"] == 2
        assert metering_b["api_transactions"] == 1
        server.reset_metering()
        assert server.metering("co-a")["api_transactions"] == 0
