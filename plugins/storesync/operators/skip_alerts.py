"""One grouped alert per run and kind for records someone should know about: skipped at extraction, or
published with a fail-safe value by a quality gate (operators.quality.FAIL_SAFE, e.g. negative ERP stock).

The extract step skips records that are not the flow's to carry (the source adapter's ``out_of_scope``).
When the reason is an :class:`~storesync.adapters.skips.AlertingSkip` (e.g. a declined payment), the
record is also collected here, and after extraction the run sends one alert per kind listing them.

A record is alerted once, not once per run that sees it: overlapping windows, manual look-back runs and
re-syncs extract the same declined payment again, and it stays skipped every time, but only its first
sighting alerts. What was alerted is remembered per (pair, ``alerted:<kind>``, record key) in the sync
store's ``pushed_state`` table, with a digest of the reason, so a record whose reason changes (e.g.
canceled, then voided) is alerted again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from storesync.alerts import alert

TITLES = {
    "declined_payment": "{n} payment(s) declined, failed or voided at the gateway: nothing posted to the ERP",
    "negative_stock": "{n} item(s) with negative ERP stock: the storefront shows 0 until the ERP is fixed",
}


class SkipAlerts:
    def __init__(self, scope) -> None:
        self.scope = scope
        self.by_kind: dict[str, dict[str, str]] = {}

    def note(self, key: str, reason: Any) -> None:
        kind = getattr(reason, "alert", None)
        if kind:
            self.by_kind.setdefault(kind, {})[str(key)] = str(reason)

    def send(self, context: Any) -> dict[str, int]:
        """Alert every kind's records not alerted before; returns how many were alerted per kind."""
        sent: dict[str, int] = {}
        scope = self.scope
        for kind, reasons in sorted(self.by_kind.items()):
            store = scope.store
            marker = f"alerted:{kind}"
            digests = {key: hashlib.sha256(reason.encode()).hexdigest() for key, reason in reasons.items()}
            before = store.get_fingerprints(scope.pair.name, marker, list(digests))
            fresh = sorted((key for key in digests if before.get(key) != digests[key]), key=_natural)
            if not fresh:
                continue
            title = TITLES.get(kind, "{n} %s record(s) skipped: %s" % (scope.spec.entity, kind)).format(n=len(fresh))
            alert(kind=kind, pair=scope.pair, dag_id=scope.dag_id, run_id=scope.run_id, title=title,
                  lines=[reasons[key] for key in fresh], context=context)
            store.put_fingerprints(scope.pair.name, marker, {key: digests[key] for key in fresh}, scope.run_id)
            sent[kind] = len(fresh)
        return sent


def _natural(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 62, key)
