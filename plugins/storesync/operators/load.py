"""Load: target records into the target system, idempotently, one outcome per record.

``create_once`` flows consult the sync store's cross-reference before anything is sent, then *claim* each
record in the sync store (an atomic insert, see ``SyncStore.claim``) so that of two loads overlapping on the
same records (a zombie task and its retry, a manual re-sync beside a scheduled run) only one sends it; the
adapter then checks the target itself for the external reference, so a retry after a crash between "created
in the ERP" and "recorded here" still creates nothing twice. A record another live load holds is *held*
with the reason (visible in the DLQ, fetched again by flows that retry held records, resolved when the other
load settles it); a record the target maps to a second document (an xref conflict) is held as well, never
swallowed. ``upsert`` flows send every record whose payload
differs from what was last pushed (when the flow pushes changes only) and let the adapter update or create.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
from collections import Counter
from datetime import timedelta
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.alerts import alert
from storesync.operators import unchanged as unchanged_source
from storesync.operators.base import RunScope, SyncOperator
from storesync.operators.pending import pending_records
from storesync.progress import Progress

# How long a claim protects a record whose loader stopped answering; after it a later load may take the claim
# over (the adapter's look-up by reference in the target still runs before any create). Longer than any
# batch's load takes; a pair can set the flow option ``claim_lease_minutes``.
DEFAULT_CLAIM_LEASE_MINUTES = 60
CLAIMED_ELSEWHERE = "another load claimed it"


def fingerprint(payload: Any) -> str:
    """Stable digest of a target payload's data (Decimals and dates as text, keys sorted).

    Top-level keys starting with "_" steer the loader (e.g. insert vs update) and are not data: a record
    pushed once as an insert and seen again as an update is unchanged.
    """
    if isinstance(payload, dict):
        payload = {k: v for k, v in payload.items() if not str(k).startswith("_")}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class LoadOperator(SyncOperator):
    ui_color = "#d5e8f7"

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        store, target, spec = scope.store, scope.target, scope.spec
        pair, flow, entity = scope.pair.name, scope.flow.name, spec.entity
        counts = Counter({"loaded": 0, "skipped": 0, "held": 0, "dlq": 0})
        source_config = unchanged_source.config_digest(scope) if spec.skip_unchanged_source else None
        by_reason: Counter[str] = Counter()
        held_details: list[str] = []
        progress = Progress(self.log, f"load {entity}", total=store.count_staged(pair, flow, scope.run_id, "target"))
        # Records a gate of this run quarantined and still passed on (a fail-safe substitute, e.g. 0 stock for
        # negative ERP stock: operators.quality.FAIL_SAFE) load, but their DLQ item stays open: the source is
        # not fixed until a run loads the real record.
        substituted = {item["record_key"] for item in store.list_dlq(pair=pair, flow=flow, state="open")
                       if item.get("run_id") == scope.run_id}
        create_once = spec.load_mode == "create_once"
        owner = claim_owner(scope, context) if create_once else ""
        lease = timedelta(minutes=float(scope.flow.options.get("claim_lease_minutes", DEFAULT_CLAIM_LEASE_MINUTES)))
        for batch in pending_records(scope, "target", batch_size=scope.flow.batch_size):
            outcomes: list[tuple[str, str, str]] = []
            fresh = batch
            claimed: list[str] = []
            settled: list[str] = []
            if create_once:
                known = store.get_xref(pair, entity, [key for key, _ in batch])
                outcomes += [(key, "skipped", f"already loaded as {known[key][1]}") for key, _ in batch if key in known]
                by_reason["already_loaded"] += len(outcomes)
                settled += [key for key, _ in batch if key in known]  # e.g. held while an overlapping load made it
                fresh = [(key, record) for key, record in batch if key not in known]
                fresh, claimed = self._claim(store, scope, fresh, owner, lease, outcomes, settled, by_reason,
                                             held_details)
            prints = {key: fingerprint(record) for key, record in fresh} if spec.push_changes_only else {}
            if prints:
                last = store.get_fingerprints(pair, entity, list(prints))
                unchanged = {key for key, digest in prints.items() if last.get(key) == digest}
                outcomes += [(key, "skipped", "unchanged since last push") for key in sorted(unchanged)]
                by_reason["unchanged"] += len(unchanged)
                fresh = [(key, record) for key, record in fresh if key not in unchanged]
            pushed: dict[str, str] = {}
            # Cross-references and DLQ resolutions of the batch are written together (one transaction each),
            # right after the target confirmed the batch: per-record transactions cost more than the ERP.
            xrefs: list[tuple[str, str, str | None]] = []
            payloads = dict(fresh)
            try:
                results = target.load(entity, fresh, pair=pair, run_id=scope.run_id) if fresh else []
                results = self._record_conflicts(store, scope, results)
                for result in results:
                    if result.outcome in ("loaded", "skipped") and result.target_id is not None:
                        xrefs.append((result.record_key, result.target_id, result.target_ref))
                    if result.outcome in ("loaded", "skipped"):
                        settled.append(result.record_key)
                        if result.record_key in prints:
                            pushed[result.record_key] = prints[result.record_key]
                    else:
                        store.quarantine(pair=pair, flow=flow, entity=entity, record_key=result.record_key,
                                         stage="load", reason_code=result.reason_code or "rejected",
                                         reason=result.detail, failed_expectations=result.failed,
                                         payload=payloads.get(result.record_key), dag_id=scope.dag_id,
                                         run_id=scope.run_id, state="held" if result.outcome == "held" else "open")
                        if result.outcome == "held":
                            held_details.append(result.detail)
                    if result.reason_code:
                        by_reason[result.reason_code] += 1
                    outcomes.append((result.record_key, result.outcome, result.detail))
                store.put_xrefs(pair, entity, xrefs, scope.run_id)
                if claimed:
                    done = {key: target_id for key, target_id, _ in xrefs}
                    store.settle_claims(pair, entity, owner, done=done, release=[k for k in claimed if k not in done])
            except BaseException:
                # The batch is not recorded (the target failed, or the store did: a restart): let the claims go,
                # so the task's retry can take them at once instead of waiting out the lease; whatever the target
                # did create is found there by reference before anything is created again.
                if claimed:
                    self._release_claims(store, pair, entity, owner, claimed)
                raise
            store.resolve_dlq_for_keys(pair, flow, [key for key in settled if key not in substituted], by="load",
                                       run_id=scope.run_id)
            store.put_fingerprints(pair, entity, pushed, scope.run_id)
            if source_config is not None:
                unchanged_source.remember_pushed(store, scope, pushed, source_config)
            waiting = [key for key, outcome, detail in outcomes if outcome == "held" and CLAIMED_ELSEWHERE in detail]
            if waiting:
                self._settled_elsewhere(store, scope, waiting, outcomes, held_details, by_reason)
            # A held outcome never replaces "loaded" written by the overlapping load of the same run (a zombie
            # task and its retry share the run id).
            store.record_outcomes(pair, flow, scope.run_id, [o for o in outcomes if o[0] not in waiting])
            store.record_outcomes(pair, flow, scope.run_id, [o for o in outcomes if o[0] in waiting],
                                  keep=("loaded",))
            counts.update(outcome for _, outcome, _ in outcomes)
            progress.add(len(batch))
        progress.finish()
        self.log.info("load finished: %s; by reason: %s", dict(counts), dict(by_reason))
        if held_details:
            alert(kind="held", pair=scope.pair, dag_id=scope.dag_id, run_id=scope.run_id,
                  title=f"{len(held_details)} {entity}(s) held: waiting for the target or for an overlapping load",
                  lines=held_details, context=context)
        return {**counts, "by_reason": dict(by_reason)}

    def _claim(self, store, scope: RunScope, fresh, owner: str, lease: timedelta, outcomes, settled, by_reason,
               held_details) -> tuple[list, list[str]]:
        """Claim ``fresh`` records; returns those this load may send and their keys.

        A record another load created meanwhile is skipped (it is cross-referenced); one another load is
        still creating is held with the reason, in the DLQ, so the overlap ends in a state people and the
        reconciliation see, never in a second document.
        """
        pair, flow, entity = scope.pair.name, scope.flow.name, scope.spec.entity
        if not fresh:
            return fresh, []
        result = store.claim(pair, entity, [key for key, _ in fresh], owner, lease=lease,
                             owner_is_gone=claim_owner_is_gone)
        if result.taken_over:
            self.log.warning("took over %d %s claim(s) whose load stopped answering (lease %s): %s; the target is "
                             "asked by reference before anything is created", len(result.taken_over), entity, lease,
                             ", ".join(result.taken_over[:20]))
        busy = result.held_elsewhere
        won = list(result.won)
        done = [key for key in busy if busy[key]["state"] == "done"]
        if done:
            # Created by an earlier or overlapping load. Its cross-reference is written before its claim is done,
            # so one missing now was lost (a restore, a manual delete): claim the record again and let the
            # adapter find the document by reference in the target, which rebuilds the cross-reference.
            mapped = store.get_xref(pair, entity, done)
            lost = [key for key in done if key not in mapped]
            regained = store.reclaim_done(pair, entity, {key: busy[key]["owner"] for key in lost}, owner) if lost else []
            won += regained
            for key in regained:
                busy.pop(key)
        payloads = dict(fresh)
        for key in sorted(busy):
            claim = busy[key]
            if claim["state"] == "done":
                outcomes.append((key, "skipped", f"already loaded as {claim['target_id']} by an overlapping load"))
                settled.append(key)
                by_reason["already_loaded"] += 1
                continue
            detail = (f"{entity} {key}: {CLAIMED_ELSEWHERE} ({claim['owner']}) at {claim['claimed_at']} and is "
                      f"creating it; not sent by this load, so it is never created twice (held until that load "
                      f"settles it, or its claim lease of {lease} runs out)")
            store.quarantine(pair=pair, flow=flow, entity=entity, record_key=key, stage="load",
                             reason_code="claimed_by_other_load", reason=detail, payload=payloads.get(key),
                             dag_id=scope.dag_id, run_id=scope.run_id, state="held")
            outcomes.append((key, "held", detail))
            held_details.append(detail)
            by_reason["claimed_by_other_load"] += 1
        mine = set(won)
        return [(key, record) for key, record in fresh if key in mine], [key for key, _ in fresh if key in mine]

    def _settled_elsewhere(self, store, scope: RunScope, waiting: list[str], outcomes, held_details, by_reason) -> None:
        """Records held because another load had claimed them, read again just before the outcomes are written:
        the ones it has created meanwhile are skipped as loaded and their DLQ items resolved, not left held."""
        pair, flow, entity = scope.pair.name, scope.flow.name, scope.spec.entity
        done = {key: c for key, c in store.get_claims(pair, entity, waiting).items() if c["state"] == "done"}
        if not done:
            return
        store.resolve_dlq_for_keys(pair, flow, list(done), by="load", note="loaded by an overlapping load")
        for index, (key, outcome, detail) in enumerate(outcomes):
            if key in done and outcome == "held":
                outcomes[index] = (key, "skipped", f"already loaded as {done[key]['target_id']} by an overlapping load")
                held_details.remove(detail)
                by_reason["claimed_by_other_load"] -= 1
                by_reason["already_loaded"] += 1
        waiting[:] = [key for key in waiting if key not in done]

    def _release_claims(self, store, pair: str, entity: str, owner: str, keys: list[str]) -> None:
        try:
            store.settle_claims(pair, entity, owner, release=keys)
        except Exception as exc:  # noqa: BLE001 - the store may still be down: the claims then wait out their lease
            self.log.warning("could not release %d %s claim(s) (%s); a later load takes them over after the lease",
                             len(keys), entity, type(exc).__name__)

    def _record_conflicts(self, store, scope: RunScope, results):
        """Results whose target id differs from the one the store already maps the record to become held
        (``xref_conflict``): the target may hold two documents for one record, and a person must look."""
        mapped = [r for r in results if r.outcome in ("loaded", "skipped") and r.target_id is not None]
        if not mapped or scope.spec.load_mode != "create_once":
            return results
        pair, entity = scope.pair.name, scope.spec.entity
        known = store.get_xref(pair, entity, [r.record_key for r in mapped])
        changed = []
        for result in results:
            before = known.get(result.record_key)
            if result.outcome in ("loaded", "skipped") and result.target_id is not None and before is not None and str(before[0]) != str(result.target_id):
                detail = (f"{entity} {result.record_key}: xref conflict: already mapped to {before[0]} "
                          f"({before[1]}), the target now answers {result.target_id} ({result.target_ref}); "
                          "the target may hold two documents for this record: check and void one")
                result = LoadOutcome(result.record_key, "held", detail, reason_code="xref_conflict")
            changed.append(result)
        return changed


_OWNER_PROCESS = re.compile(r" (?P<host>\S+):(?P<pid>\d+) [0-9a-f]+$")


def claim_owner_is_gone(owner: str) -> bool:
    """True only when the claim's loader certainly stopped: it ran on this host and its process no longer
    exists (a task killed mid-load, then retried here). A loader on another host, or a live process (a zombie
    task beside its retry), keeps its claim until the lease ends; the target's look-up by reference still
    runs before any create."""
    match = _OWNER_PROCESS.search(owner or "")
    if match is None or match["host"] != socket.gethostname():
        return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, owned by someone else
    return False


def claim_owner(scope: RunScope, context) -> str:
    """Who holds a claim: the run, the task try, the process and a token unique to this attempt (a zombie
    task and its retry share the run id and may share the host)."""
    ti = (context or {}).get("ti") if hasattr(context, "get") else None
    attempt = getattr(ti, "try_number", None)
    return f"{scope.run_id} try {attempt} {socket.gethostname()}:{os.getpid()} {secrets.token_hex(4)}"
