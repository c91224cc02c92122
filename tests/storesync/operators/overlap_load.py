"""Two loads of one create-once flow overlapping on the same records, in two real processes.

The target is a document table in a SQLite file that, like Acumatica's payments, does not refuse a second
document with the same reference: the adapter looks the reference up before creating (as every ERP adapter
does), and ``latency`` seconds pass between that look-up and the create, as they do over a network. Only the
sync store can keep two loads from both creating a record.

Run as a script (``python -m tests.storesync.operators.overlap_load <store url> <erp file> <run id> <go file>
<latency> <flow>``) it is one load: it waits for the go file, then runs ``LoadOperator.run`` on the run's
staged target records and prints its counts as JSON.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PAIR = "overlap-pair"
REPO = Path(__file__).resolve().parents[3]


class DocumentTable:
    """The target system: documents with a reference column and no unique constraint on it."""

    def __init__(self, path: str | Path, latency: float = 0.0) -> None:
        self.path, self.latency = str(path), latency

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS doc (id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT, amount TEXT)")
        return conn

    def load(self, entity: str, records, *, pair: str, run_id: str):
        from storesync.adapters.base import LoadOutcome

        outcomes = []
        with self._connect() as conn:
            for key, record in records:
                found = conn.execute("SELECT id FROM doc WHERE ref = ?", (record["ref"],)).fetchone()
                if found:
                    outcomes.append(LoadOutcome(key, "skipped", f"already in the target as {found[0]}",
                                                target_id=str(found[0]), target_ref=f"DOC {found[0]}"))
                    continue
                time.sleep(self.latency)  # the create's round trip
                new_id = conn.execute("INSERT INTO doc (ref, amount) VALUES (?, ?)",
                                      (record["ref"], record["amount"])).lastrowid
                outcomes.append(LoadOutcome(key, "loaded", f"created {new_id}", target_id=str(new_id),
                                            target_ref=f"DOC {new_id}"))
        return outcomes

    def documents_by_ref(self) -> Counter:
        with self._connect() as conn:
            return Counter(ref for (ref,) in conn.execute("SELECT ref FROM doc"))


def scope(store, target, run_id: str, flow: str = "payments", **options):
    from storesync.flows import get_flow

    pair = SimpleNamespace(name=PAIR, store_conn_id="unused", alerts={})
    return SimpleNamespace(store=store, target=target, spec=get_flow(flow), run_id=run_id, dag_id=f"{PAIR}-{flow}",
                           pair=pair, flow=SimpleNamespace(name=flow, batch_size=10, options=dict(options)))


def stage(store, run_id: str, keys: list[str], flow: str = "payments") -> None:
    store.start_run(pair=PAIR, flow=flow, run_id=run_id, dag_id=f"{PAIR}-{flow}")
    store.put_staged(PAIR, flow, run_id, "target", [(key, {"ref": f"XP-{key}", "amount": "10.00"}) for key in keys])


@dataclass
class OverlapReport:
    attempted: int
    loaded: int
    duplicates: int
    lost: int
    dlq: int
    held: int

    def line(self) -> str:
        return (f"attempted {self.attempted}, loaded {self.loaded}, duplicates {self.duplicates}, lost {self.lost}, "
                f"DLQ {self.dlq} (held {self.held})")


def run_overlap(store_url: str, tmp: Path, *, keys: list[str], run_ids: tuple[str, str], latency: float = 0.01,
                flow: str = "payments", env: dict[str, str] | None = None) -> tuple[OverlapReport, list[dict]]:
    """Stage ``keys`` for both runs, start two loads in two processes at the same moment, and count."""
    from storesync.store import SyncStore

    store = SyncStore(store_url)
    store.create_all()
    for run_id in dict.fromkeys(run_ids):
        stage(store, run_id, keys, flow)
    erp = tmp / "target.db"
    DocumentTable(erp).documents_by_ref()  # creates the table before the race
    go = tmp / "go"
    children = [subprocess.Popen([sys.executable, "-m", "tests.storesync.operators.overlap_load", store_url, str(erp),
                                  run_id, str(go), str(latency), flow], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for run_id in run_ids]
    ready = [tmp / f"ready-{child.pid}" for child in children]
    deadline = time.monotonic() + 120
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=300)
        if child.returncode == 0:
            results.append(json.loads(out.strip().splitlines()[-1]))
        else:  # counted like the others: a failed load may have created documents before it failed
            results.append({"failed": err.strip().splitlines()[-1] if err.strip() else f"exit {child.returncode}"})
    documents = DocumentTable(erp).documents_by_ref()
    xrefs = store.get_xref(PAIR, flow_entity(flow), keys)
    dlq = store.list_dlq(pair=PAIR, flow=flow, state=("open", "held"))
    report = OverlapReport(
        attempted=len(keys),
        loaded=sum(1 for key in keys if documents[f"XP-{key}"] >= 1),
        duplicates=sum(count - 1 for count in documents.values() if count > 1),
        # lost: neither in the target nor waiting in the DLQ with a reason
        lost=sum(1 for key in keys if documents[f"XP-{key}"] == 0 and key not in {i["record_key"] for i in dlq}),
        dlq=len(dlq), held=sum(1 for i in dlq if i["state"] == "held"))
    report.xrefs = xrefs  # type: ignore[attr-defined]
    store.close()
    return report, results


def flow_entity(flow: str) -> str:
    from storesync.flows import get_flow

    return get_flow(flow).entity


def _main(store_url: str, erp: str, run_id: str, go: str, latency: str, flow: str) -> None:
    import os

    from storesync.operators.load import LoadOperator
    from storesync.store import SyncStore

    store = SyncStore(store_url)
    operator = LoadOperator(task_id=f"load_{os.getpid()}", pair_name=PAIR, flow_name=flow)
    Path(go).parent.joinpath(f"ready-{os.getpid()}").touch()
    while not Path(go).exists():
        time.sleep(0.002)
    counts: dict[str, Any] = operator.run(scope(store, DocumentTable(erp, float(latency)), run_id, flow), {})
    print(json.dumps(counts, default=str))


if __name__ == "__main__":
    _main(*sys.argv[1:7])
