"""End to end: no card data is stored anywhere we write, and no secret or card number reaches a task log.

Orders carrying well-known test card numbers (in notes, address lines, names, item names, payment
fields, a card-number/CVV object) go through the real DAG. Afterwards every table of the sync store and
of the Sage 500 database is read in full, every value cast to text, and scanned for Luhn-valid 13–19
digit numbers, free-text security codes and card fields that still hold a value; the task logs (what
``dag.test`` printed, plus any log files under ``$AIRFLOW_HOME/logs``) are scanned for the same and for
every connection secret. Each scan is first shown to find what it looks for, so it cannot pass vacuously.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from storesync.privacy import find_card_data
from tests.integration.conftest import END, RO_KEY, RW_KEY
from tests.integration.conftest import backend, orders_dag, sandbox_factory  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

ERP_PASSWORD = "it-erp-pw-5b7d1c"  # the ODBC drivers here accept and ignore it
VISA, MASTERCARD, AMEX, DISCOVER, VISA_2, MASTERCARD_2 = (
    "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011-1111-1111-1117", "4012888888881881",
    "5105 1051 0510 5100",
)
INJECTED_PANS = [re.sub(r"[ -]", "", pan) for pan in (VISA, MASTERCARD, AMEX, DISCOVER, VISA_2, MASTERCARD_2)]
# A card field that still holds a number: "cvv": "123", 'cardNumber': 4111..., cvc2=987.
CARD_FIELD_WITH_VALUE = re.compile(
    r"(?i)\b(cvv2?|cvc2?|security_?code|card_?number|pan)\b[\"']?\s*[:=]\s*[\"']?[0-9]")
# UUIDs (ids of task instances, correlation ids in log lines) can hold long all-digit groups by chance.
UUID = re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


# Airflow's "DagRun Finished" line: run_duration=<seconds since the run's logical date, microseconds>. For a run
# 17.9 days after its interval that is e.g. 1548535.281437: 13 digits around a dot, Luhn-valid by chance.
RUN_DURATION = re.compile(r"\brun_duration=\d+\.\d+")


def card_data_in(text: str) -> list[str]:
    text = RUN_DURATION.sub("run_duration=<seconds>", UUID.sub("<uuid>", text))
    return find_card_data(text) + [m.group() for m in CARD_FIELD_WITH_VALUE.finditer(text)]


def as_text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def card_orders(template: dict, timestamp: int) -> list[dict]:
    """Valid orders (they load) with card data where customers and payment modules leave it, plus one bad order."""
    import copy

    def order(mutate) -> dict:
        new = copy.deepcopy(template)
        for key in ("orderId", "orderNumber"):
            new.pop(key)
        new["orderDate"] = new["updateDate"] = timestamp
        mutate(new)
        return new

    def notes(o):
        o["adminNotes"] = f"Customer read out card {VISA} exp 12/29 CVV 123 on the phone"

    def addresses(o):
        o["billingInfo"]["street2"] = f"PAN {MASTERCARD}"
        o["shippingInfo"]["firstname"] = AMEX
        o["shippingInfo"]["city"] = DISCOVER

    def payment_fields(o):
        o["paymentInfo"] = {"cardNumber": VISA.replace(" ", ""), "cvv": "123", "expiry": "12/29", "cardType": "VISA",
                            "transactionId": "ch_3NcP1x"}
        o["customerInfo"]["card_number"] = DISCOVER
        o["customerInfo"]["CVV2"] = "987"

    def item_and_method(o):
        o["items"][0]["name"] = f"Gift card {VISA_2}"
        o["paymentMethod"] = f"Credit Card {VISA_2}"

    def refused(o):  # quarantined by the raw gate: its payload lands in the DLQ
        o["currency"] = "XXX"
        o["adminNotes"] = f"card {MASTERCARD_2} security code 4321"
        o["paymentTransactions"] = [{"pan": int(MASTERCARD_2.replace(" ", "")), "securityCode": "4321"}]

    return [order(mutate) for mutate in (notes, addresses, payment_fields, item_and_method, refused)]


def sync_store_cells(sandbox):
    import sqlalchemy

    engine = sandbox.store().engine
    tables = sqlalchemy.inspect(engine).get_table_names()
    with engine.connect() as connection:
        for table in tables:
            result = connection.execute(sqlalchemy.text(f"SELECT * FROM {table}"))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row):
                    yield f"sync store {table}.{column}", as_text(value)


def erp_cells(sandbox):
    if sandbox.backend == "sqlite":
        tables = [row[0] for row in sandbox.erp_rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        tables = [row[0] for row in sandbox.erp_rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
    assert len(tables) >= 10, tables
    connection = sandbox.erp()
    try:
        for table in tables:
            cursor = connection.cursor().execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row):
                    yield f"Sage 500 {table}.{column}", as_text(value)
    finally:
        connection.close()


def log_files_since(started: float) -> str:
    logs = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    texts = []
    for path in logs.rglob("*") if logs.is_dir() else []:
        if path.is_file() and path.stat().st_mtime >= started - 1:
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def test_no_card_data_is_stored_and_no_secret_or_card_number_is_logged(sandbox_factory, orders_dag, monkeypatch,
                                                                       capfd, caplog):
    sandbox = sandbox_factory(orders=12)
    erp_connection = json.loads(os.environ["AIRFLOW_CONN_SAGE500_DEFAULT"])
    erp_connection["password"] = ERP_PASSWORD
    monkeypatch.setenv("AIRFLOW_CONN_SAGE500_DEFAULT", json.dumps(erp_connection))

    template = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]
                    if o["customerInfo"].get("profileId"))
    injected = [sandbox.xcart.store.create_order(order)
                for order in card_orders(template, int((END - timedelta(hours=2)).timestamp()))]
    source_text = as_text(injected)
    assert all(pan in re.sub(r"[ -]", "", source_text) for pan in INJECTED_PANS)
    assert len(card_data_in(source_text)) >= 8, "the scan must find the card data in what the storefront holds"

    started = time.time()
    capfd.readouterr()  # only what the run prints
    dag_run = orders_dag().test(logical_date=END)
    captured = capfd.readouterr()
    assert str(dag_run.state) == "success"

    # The orders went through: four loaded (names and address lines masked), the refused one is in the DLQ.
    refs = {f"XC-{o['orderId']}" for o in injected}
    loaded = {row[0].strip() for row in sandbox.erp_rows("SELECT UserFld1 FROM tsoSalesOrder")} & refs
    assert len(loaded) == 4, loaded
    dlq = {item["record_key"]: item for item in sandbox.store().list_dlq(flow="orders")}
    assert str(injected[-1]["orderId"]) in dlq

    # (a) nothing we store holds card data.
    found, masked = [], 0
    for where, text in [*sync_store_cells(sandbox), *erp_cells(sandbox)]:
        masked += text.count("[card ****") + text.count("[removed")
        found += [f"{where}: {hit!r}" for hit in card_data_in(text)]
    assert found == [], "card data stored:\n" + "\n".join(found[:20])
    assert masked >= 10, "the masked forms must be there, else the scan read nothing"
    address = sandbox.erp_rows(
        "SELECT a.AddrName, a.City FROM tsoSalesOrder s JOIN tciAddress a ON a.AddrKey = s.DfltShipToAddrKey "
        "WHERE s.UserFld1 = ?", f"XC-{injected[1]['orderId']}")
    assert [tuple(v.strip() for v in row) for row in address] == [
        (f"[card ****0005] {template['shippingInfo']['lastname']}", "[card ****1117]")]

    # (b) the task logs hold no secret and no card number.
    log_text = "\n".join([captured.out, captured.err, caplog.text, log_files_since(started)])
    assert "quality gate" in log_text and "load finished" in log_text, "the task logs were not captured"
    for secret in (RW_KEY, RO_KEY, ERP_PASSWORD):
        assert secret not in log_text, f"a connection secret is in the task logs: {secret[:6]}…"
    assert card_data_in(log_text) == []
    for pan in INJECTED_PANS:
        assert pan not in log_text
