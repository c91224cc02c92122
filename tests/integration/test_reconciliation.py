"""End to end: the daily reconciliation DAG against a synced sandbox (X-Cart → Sage 500), on both backends.

Clean data gives only matched lines; the seven seeded discrepancies come out as exactly seven exceptions
with the right categories; the workbook's summary equals the sums of its lines and both files read back;
a re-run changes nothing, byte for byte; the late posting is matched the next day; bad input becomes
exceptions with reasons; and a day whose flows have not run fails clearly instead of reporting.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import END, RW_KEY

pytestmark = pytest.mark.integration

PAIR = "xcart-sage500"
DAY = (END - timedelta(days=1)).date()
NEXT_DAY = END.date()
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
INSIDE_THE_DAY = lambda: (END - timedelta(minutes=30)).timestamp()  # noqa: E731
MONEY = ("Store total", "ERP total", "Paid in store", "Received in ERP", "Refunds", "Credit memos", "Difference")


# -- fixtures and helpers ---------------------------------------------------------------------------------------

@pytest.fixture
def reconciliation(tmp_path):
    """Points the test pair's reconciliation at a temporary folder, with a short wait."""

    def configure(pair_name: str = PAIR, **changes) -> Path:
        path = Path(os.environ["STORESYNC_PAIRS_DIR"]) / f"{pair_name}.yaml"
        pair = yaml.safe_load(path.read_text())
        out = tmp_path / "recon-out"
        pair["reconciliation"].update({"output_dir": str(out), "poke_interval_seconds": 1,
                                       "wait_timeout_seconds": 30, **changes})
        path.write_text(yaml.safe_dump(pair))
        from storesync.config.pairs import load_pairs

        load_pairs.cache_clear()
        return out

    return configure


def run(dag, **kwargs):
    dag_run = dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"{dag.dag_id} ended {dag_run.state}"
    return dag_run


def sync_day(orders_dag, flow_dag, *, until=END):
    window = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": until.isoformat()}
    run(orders_dag(), run_conf=window)
    run(flow_dag("payments"), run_conf=window)
    run(flow_dag("refunds"), run_conf=window)


def reconcile(flow_dag, day, *, by_param: bool = False):
    """Run the day's reconciliation as the scheduler would (the run after the day: its data interval is the
    day), or by hand with params ``day``."""
    dag = flow_dag("reconciliation")
    if by_param:
        return run(dag, run_conf={"day": day.isoformat()})
    return run(dag, logical_date=datetime.combine(day + timedelta(days=1), time(), tzinfo=timezone.utc))


def lines(sandbox, day) -> list[dict]:
    return sandbox.store().reconciliation_lines(PAIR, day)


def exceptions(sandbox, day) -> dict[str, str]:
    return {line["line_key"]: line["status"] for line in lines(sandbox, day) if line["status"] != "matched"}


def files(out: Path, day) -> tuple[Path, Path]:
    folder = out / PAIR / day.isoformat()
    return folder / f"reconciliation__{PAIR}__{day}.csv", folder / f"reconciliation__{PAIR}__{day}.xlsx"


def erp(sandbox):
    return sandbox.erp()


def scenario_xcart(sandbox):
    from include.sandbox.reconciliation_scenario import StorefrontRest

    return StorefrontRest(sandbox.xcart.base_url, RW_KEY)


def decimal(value) -> Decimal | None:
    """A workbook number back as the Decimal it was written from (2-decimal amounts survive the double)."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def sheet_rows(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def table(rows: list[tuple], title: str) -> list[dict]:
    """The rows of a titled table on the summary sheet, as dicts by header, up to the next blank row."""
    start = next(i for i, row in enumerate(rows) if row[0] == title)
    header = [h for h in rows[start + 1] if h is not None]
    found = []
    for row in rows[start + 2:]:
        if row[0] is None:
            break
        found.append(dict(zip(header, row)))
    return found


def assert_summary_equals_the_lines(xlsx: Path, csv_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(xlsx)
    assert workbook.sheetnames == ["Summary", "Exceptions", "All lines"]
    detail = read_csv(csv_path)
    all_lines = sheet_rows(workbook["All lines"])
    assert len(all_lines) - 1 == len(detail), "the workbook's lines are the CSV's lines"
    header = all_lines[0]
    for row, csv_row in zip(all_lines[1:], detail):
        as_dict = dict(zip(header, row))
        for name in MONEY:
            assert decimal(as_dict[name]) == decimal(csv_row[name]), f"line {csv_row['Line']} {name}"

    from storesync.reconciliation.model import ISO_4217

    def group(line: dict) -> str | None:
        """The one ISO currency a line is totalled in; None keeps it out of the totals (issue 15)."""
        store, other = line["Currency"], line["ERP currency"]
        code = None if store and other and store != other else (store or other)
        return code if code in ISO_4217 else None

    expected_by_account: dict[tuple, dict] = defaultdict(lambda: {"Lines": 0, **{m: Decimal(0) for m in MONEY}})
    expected_by_status: Counter = Counter()
    outside = set()
    for line in detail:
        if group(line) is None:
            outside.add(int(line["Line"]))
            expected_by_status[line["Status code"]] += 1
            continue
        key = (group(line), line["Payment method"] or "(none)", line["Cash/GL account"] or "(none)")
        expected_by_account[key]["Lines"] += 1
        for name in MONEY:
            expected_by_account[key][name] += decimal(line[name]) or Decimal(0)
        expected_by_status[line["Status code"]] += 1

    summary = sheet_rows(workbook["Summary"])
    by_account = table(summary, "Totals by currency, payment method and cash/GL account")
    assert len(by_account) == len(expected_by_account)
    for row in by_account:
        expected = expected_by_account[(row["Currency"], row["Payment method"], row["Cash/GL account"])]
        assert row["Lines"] == expected["Lines"]
        for name in MONEY:
            assert decimal(row[name]) == expected[name], f"{row['Currency']} {row['Payment method']} {name}"
    listed = {int(n) for row in table(summary, "Lines outside the currency totals") if row.get("Line numbers")
              for n in str(row["Line numbers"]).split(", ")}
    assert listed == outside
    by_category = {row["Status code"]: row["Lines"] for row in table(summary, "Lines per category")}
    assert by_category == {code: expected_by_status.get(code, 0) for code in by_category}
    assert sum(by_category.values()) == len(detail)
    figures = {row[0]: row[1] for row in summary[2:6]}
    assert figures["Lines"] == len(detail) and figures["Matched"] == expected_by_status["matched"]
    assert decimal(figures["Matched share"]) == (Decimal(expected_by_status["matched"]) / len(detail)).quantize(
        Decimal("0.0001"))
    exception_rows = sheet_rows(workbook["Exceptions"])
    assert len(exception_rows) - 1 == sum(n for code, n in expected_by_status.items() if code != "matched")
    assert workbook["Exceptions"].auto_filter.ref.startswith("A1:")
    assert workbook["Exceptions"].freeze_panes == "A2"
    money_column = header.index("Store total") + 1
    for cell in workbook["All lines"].iter_cols(min_col=money_column, max_col=money_column, min_row=2):
        for item in cell:
            if item.value is not None:
                assert item.number_format == "#,##0.00" and isinstance(item.value, (int, float))


# -- the day, clean and seeded ---------------------------------------------------------------------------------

def test_a_synced_day_matches_then_reports_exactly_the_seeded_discrepancies_and_rechecks_the_late_one(
        sandbox_factory, flow_dag, orders_dag, reconciliation):
    from include.sandbox.reconciliation_scenario import seed_discrepancies

    sandbox = sandbox_factory(orders=40, clock=INSIDE_THE_DAY)
    out = reconciliation()
    sync_day(orders_dag, flow_dag)

    reconcile(flow_dag, DAY)
    clean = lines(sandbox, DAY)
    orders_of_the_day = [o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]
                         if datetime.fromtimestamp(o["orderDate"], timezone.utc).date() == DAY]
    assert len([line for line in clean if line["kind"] == "order"]) == len(orders_of_the_day) > 20
    assert any(line["kind"] == "payment" for line in clean)
    assert exceptions(sandbox, DAY) == {}, "clean data: every line matched, nothing flagged"
    run_row = sandbox.store().reconciliation_run(PAIR, DAY)
    assert run_row["counts"]["erp_documents_not_of_the_pair"] == {"order": 0, "payment": 0, "refund": 0}

    connection = erp(sandbox)
    try:
        seeded = seed_discrepancies(scenario_xcart(sandbox), connection, day=DAY,
                                    latest=datetime.fromtimestamp(INSIDE_THE_DAY(), timezone.utc))
    finally:
        connection.close()
    assert len(seeded) == 7
    reconcile(flow_dag, DAY)
    assert exceptions(sandbox, DAY) == {s.line_key: s.category for s in seeded}
    reported = {line["line_key"]: line for line in lines(sandbox, DAY)}
    for seed in seeded:
        assert reported[seed.line_key]["reason"], f"{seed.name} is reported with a reason"
    late = next(s for s in seeded if s.name == "late_posting")
    assert reported[late.line_key]["erp_date"] == NEXT_DAY and reported[late.line_key]["pending_since"] == DAY

    csv_path, xlsx_path = files(out, DAY)
    assert_summary_equals_the_lines(xlsx_path, csv_path)
    assert {row["Line key"]: row["Status code"] for row in read_csv(csv_path) if row["Status code"] != "matched"} == \
        {s.line_key: s.category for s in seeded}

    # A re-run of the day: identical files, byte for byte, and identical store rows.
    before = (csv_path.read_bytes(), xlsx_path.read_bytes(), lines(sandbox, DAY))
    reconcile(flow_dag, DAY)
    assert (csv_path.read_bytes(), xlsx_path.read_bytes(), lines(sandbox, DAY)) == before

    # The next day: the flows cover it, and its report re-checks the late posting and matches it.
    sync_day(orders_dag, flow_dag, until=END + timedelta(days=1))
    reconcile(flow_dag, NEXT_DAY, by_param=True)
    next_lines = {line["line_key"]: line for line in lines(sandbox, NEXT_DAY)}
    assert next_lines[late.line_key]["status"] == "matched"
    assert next_lines[late.line_key]["pending_since"] == DAY
    assert "was pending since" in next_lines[late.line_key]["reason"]
    assert exceptions(sandbox, NEXT_DAY) == {}
    assert lines(sandbox, DAY) == before[2], "reconciling a day never touches another day's output"


# -- bad input ----------------------------------------------------------------------------------------------------

def test_bad_input_becomes_exceptions_with_reasons(sandbox_factory, flow_dag, orders_dag, reconciliation):
    from include.sandbox.reconciliation_scenario import StorefrontRest
    from include.sandbox.sage500.erp_actions import enter_sales_order

    sandbox = sandbox_factory(orders=12, clock=INSIDE_THE_DAY)
    reconciliation()
    xcart = StorefrontRest(sandbox.xcart.base_url, RW_KEY)
    template = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0] if o["currency"] == "USD")
    stamp = int(INSIDE_THE_DAY())
    base = {k: v for k, v in template.items() if k not in ("orderId", "orderNumber")}
    base.update({"orderDate": stamp - 600, "updateDate": stamp - 600, "paymentStatus": "Q",
                 "paymentMethod": "Purchase Order", "adminNotes": ""})
    no_total = xcart.call("POST", "order", {k: v for k, v in base.items() if k != "total"})
    odd_currency = xcart.call("POST", "order", {**base, "currency": "ZZZ"})
    sync_day(orders_dag, flow_dag)
    connection = erp(sandbox)
    try:
        enter_sales_order(connection, tran_no="W999999999", cust_id="WEBGUEST", amount=Decimal("77.00"),
                          curr_id="USD", tran_date=datetime.combine(DAY, time(15)), user_fld1="XC-999999")
    finally:
        connection.close()

    reconcile(flow_dag, DAY)
    reported = {line["line_key"]: line for line in lines(sandbox, DAY)}
    # Both bad orders sit in the orders flow's DLQ with no ERP document: not posted (issue 15: they were
    # amount_mismatch / currency_mismatch, the ZZZ order's amount out of the difference).
    assert exceptions(sandbox, DAY) == {f"order:{no_total['orderId']}": "not_posted",
                                        f"order:{odd_currency['orderId']}": "not_posted",
                                        "order:999999": "missing_in_storefront"}
    missing_total = reported[f"order:{no_total['orderId']}"]["reason"]
    assert "field total: the amount is missing" in missing_total
    assert "not posted: the orders flow rejected it (dead-letter queue item" in missing_total, "the sync's reason"
    odd = reported[f"order:{odd_currency['orderId']}"]
    assert "'ZZZ' is not an ISO 4217 currency code" in odd["reason"]
    assert odd["difference"] == odd["store_total"] is not None, "the unposted sale counts in the difference"
    stray = reported["order:999999"]
    assert "names storefront order 999999, which the storefront does not have" in stray["reason"]
    assert (stray["erp_document_id"], stray["erp_total"]) == ("W999999999", Decimal("77.00"))


# -- waiting for the flows ----------------------------------------------------------------------------------------

def test_a_day_whose_flows_have_not_run_fails_the_wait_clearly_and_reports_nothing(
        sandbox_factory, flow_dag, reconciliation):
    sandbox = sandbox_factory(orders=5, clock=INSIDE_THE_DAY)
    reconciliation(wait_timeout_seconds=1, poke_interval_seconds=1)
    dag_run = flow_dag("reconciliation").test(
        logical_date=datetime.combine(NEXT_DAY, time(), tzinfo=timezone.utc))
    assert str(dag_run.state) == "failed"
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert states["wait_for_flows"] == "failed" and states["reconcile"] == "upstream_failed"
    assert sandbox.store().reconciliation_run(PAIR, DAY) is None


# -- the same engine for another ERP -------------------------------------------------------------------------------

def test_the_acumatica_pair_reconciles_a_synced_day_with_the_same_engine_and_dag(acumatica_sandbox_factory, flow_dag,
                                                                                reconciliation):
    sandbox = acumatica_sandbox_factory(orders=30, clock=INSIDE_THE_DAY)
    reconciliation("xcart-acumatica")
    for flow in ("orders", "payments", "refunds"):
        run(flow_dag(flow, erp="acumatica"), run_conf=EVERYTHING)
    run(flow_dag("reconciliation", erp="acumatica"),
        logical_date=datetime.combine(NEXT_DAY, time(), tzinfo=timezone.utc))
    reported = sandbox.store().reconciliation_lines("xcart-acumatica", DAY)
    orders_of_the_day = [o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]
                         if datetime.fromtimestamp(o["orderDate"], timezone.utc).date() == DAY]
    assert len([line for line in reported if line["kind"] == "order"]) == len(orders_of_the_day) > 10
    assert any(line["kind"] == "payment" and line["account"] for line in reported)
    assert {line["line_key"]: line["reason"] for line in reported if line["status"] != "matched"} == {}



def test_the_acumatica_pair_reports_exactly_the_discrepancies_its_clerks_seeded(acumatica_sandbox_factory, flow_dag,
                                                                                reconciliation):
    from include.sandbox.reconciliation_scenario import AcumaticaClerk, seed_acumatica_discrepancies

    pair = "xcart-acumatica"
    sandbox = acumatica_sandbox_factory(orders=40, clock=INSIDE_THE_DAY)
    out = reconciliation(pair)
    for flow in ("orders", "payments", "refunds"):
        run(flow_dag(flow, erp="acumatica"), run_conf=EVERYTHING)

    def day_run():
        run(flow_dag("reconciliation", erp="acumatica"),
            logical_date=datetime.combine(NEXT_DAY, time(), tzinfo=timezone.utc))

    def day_lines() -> list[dict]:
        return sandbox.store().reconciliation_lines(pair, DAY)

    def flagged() -> dict[str, str]:
        return {line["line_key"]: line["status"] for line in day_lines() if line["status"] != "matched"}

    day_run()
    assert flagged() == {}, "clean data: every line matched, nothing flagged"

    seeded = seed_acumatica_discrepancies(scenario_xcart(sandbox), AcumaticaClerk(sandbox.acumatica.store), day=DAY,
                                          latest=datetime.fromtimestamp(INSIDE_THE_DAY(), timezone.utc))
    assert sorted(s.category for s in seeded) == sorted(
        ["missing_in_erp", "amount_mismatch", "payment_without_order", "refund_without_credit_memo", "duplicate",
         "currency_mismatch", "pending"])
    day_run()
    assert flagged() == {s.line_key: s.category for s in seeded}
    reported = {line["line_key"]: line for line in day_lines()}
    for seed in seeded:
        assert reported[seed.line_key]["reason"], f"{seed.name} is reported with a reason"
    late = next(s for s in seeded if s.name == "late_posting")
    assert reported[late.line_key]["erp_date"] == NEXT_DAY and reported[late.line_key]["pending_since"] == DAY

    folder = out / pair / DAY.isoformat()
    csv_path, xlsx_path = (folder / f"reconciliation__{pair}__{DAY}.{suffix}" for suffix in ("csv", "xlsx"))
    assert_summary_equals_the_lines(xlsx_path, csv_path)
    assert {row["Line key"]: row["Status code"] for row in read_csv(csv_path) if row["Status code"] != "matched"} == \
        {s.line_key: s.category for s in seeded}

    before = (csv_path.read_bytes(), xlsx_path.read_bytes(), day_lines())
    day_run()
    assert (csv_path.read_bytes(), xlsx_path.read_bytes(), day_lines()) == before, "a re-run changes nothing"
