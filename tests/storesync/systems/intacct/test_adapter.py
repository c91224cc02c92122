"""The Intacct adapter's tables name functions that exist, with the registry's signatures, and it runs a flow
end to end against the emulator through the connection."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from storesync.systems.intacct import adapter
from storesync.systems.intacct.adapter import IntacctAdapter
from tests.storesync.systems.intacct.support import CONN_ID, connect

TABLES = {
    "EXTRACTS": ["client", "options", "since", "until"],
    "EXTRACT_KEYS": ["client", "options", "keys"],
    "PREPARES": ["client", "records", "options"],
    "LOADS": ["client", "records", "options"],
    "OUT_OF_SCOPE": ["record", "options"],
    "RECONCILE": ["client", "options", "day_start", "day_end"],
    "RECONCILE_BY_REF": ["client", "options", "storefront_ids"],
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_registered_function_exists_with_the_registry_s_signature(table):
    for entity, target in getattr(adapter, table).items():
        module_name, name = target.split(":")
        function = getattr(importlib.import_module(module_name), name)
        parameters = list(inspect.signature(function).parameters)
        assert parameters[:len(TABLES[table])] == TABLES[table], f"{table}[{entity}] = {target}: {parameters}"


def test_importing_the_adapter_loads_no_connector_module():
    code = ("import sys, storesync.systems.intacct.adapter; "
            "print(sorted(m for m in sys.modules if m.startswith('storesync.systems.intacct.') "
            "and not m.endswith('.adapter')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_the_adapter_reads_stock_through_its_connection(monkeypatch, server):
    connect(monkeypatch, server)
    erp = IntacctAdapter(conn_id=CONN_ID, options={"inventory_warehouses": ["MAIN"]})
    now = datetime.now(timezone.utc)
    stock = dict(erp.extract("inventory", now - timedelta(days=1), now))
    assert len(stock) == 6 and all(record["warehouses"][0]["WAREHOUSEID"] == "MAIN" for record in stock.values())
