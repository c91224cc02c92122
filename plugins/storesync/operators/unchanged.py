"""Source records that have not changed since their target payload was last pushed (``skip_unchanged_source``).

A full snapshot of a big catalogue (stock of every SKU) changes in a few records per run. Extraction still
reads and stages every record (each one gets an outcome, and counts reconcile), but a record whose source
payload is the one last pushed, under the same mapping specs, gate suites and flow options, is decided at once:
``skipped``, unchanged at the source. The gates, the transform and the load then see only what changed.

The fingerprint of a source record is written by the load, only for records whose target payload it pushed
or found already pushed (the same moment ``push_changes_only`` remembers the target payload). A record that
failed anywhere (gate, mapping, target) has no new fingerprint and is processed again next run. Re-syncs and
replays (``resync_from``, ``record_keys``) skip nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from storesync.systems import mapping_file, suite_file
from storesync.operators.base import RunScope, named_record_keys
from storesync.store.types import json_default

REASON = "unchanged at the source since its last push"


def state_entity(entity: str) -> str:
    """The ``pushed_state`` entity under which source fingerprints are kept (apart from target ones)."""
    return f"source:{entity}"


def applies(scope: RunScope, context) -> bool:
    params = (context or {}).get("params") or {}
    return (scope.spec.skip_unchanged_source and named_record_keys(context, scope.flow.name) is None
            and not params.get("resync_from"))


def config_digest(scope: RunScope) -> str:
    """What else decides the target payload: the flow's mapping specs, suites and options."""
    digest = hashlib.sha256()
    for folder, names, locate in (("mappings", scope.flow.mappings, mapping_file),
                                  ("expectations", scope.flow.expectations, suite_file)):
        for role in sorted(names):
            digest.update(f"{folder}/{role}/{names[role]}\0".encode())
            digest.update(locate(names[role]).read_bytes())
    digest.update(json.dumps(scope.flow.options, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def fingerprints(records: Iterable[tuple[str, Any]], config: str) -> dict[str, str]:
    """Per record key, a digest of the configuration and the source payload.

    Values are written as staging writes them (a datetime as ISO text): the fingerprint remembered at the push is
    taken from the staged copy, the one it is compared with from the record as the source returns it, before the
    card scrub (so a match proves the record equals a scrubbed payload, and it is staged without scrubbing).
    """
    result = {}
    for key, payload in records:
        text = json.dumps(payload, sort_keys=True, default=json_default)
        result[str(key)] = hashlib.sha256(f"{config}\0{text}".encode()).hexdigest()
    return result


def unchanged_keys(store, scope: RunScope, digests: Mapping[str, str]) -> list[str]:
    """Keys whose source fingerprint equals the one stored at their last push."""
    if not digests:
        return []
    last = store.get_fingerprints(scope.pair.name, state_entity(scope.spec.entity), list(digests))
    return [key for key, digest in digests.items() if last.get(key) == digest]


def remember_pushed(store, scope: RunScope, keys: Iterable[str], config: str) -> int:
    """Store the source fingerprints of records whose target payload was pushed (or already was)."""
    keys = list(keys)
    if not keys:
        return 0
    raw = store.get_staged(scope.pair.name, scope.flow.name, scope.run_id, "raw", keys)
    return store.put_fingerprints(scope.pair.name, state_entity(scope.spec.entity),
                                  fingerprints(raw.items(), config), scope.run_id)
