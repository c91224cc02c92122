"""Quality gate: a Great Expectations suite over one stage; failing records go to the DLQ row by row.

The task fails (without retries: the data would not change) only when the bad share of the batch is above
the flow's ``max_bad_ratio``; the exception names each failed expectation and its count.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from storesync.adapters.skips import AlertingSkip
from storesync.hooks.errors import PermanentRunError
from storesync.operators.base import RunScope, SyncOperator
from storesync.operators.pending import pending_records
from storesync.systems import suite_file


class _SystemTable(Mapping):
    """(system, entity, stage) -> value, gathered from every installed system's declaration on first use.

    Generic code names no system: each system declares its own quality frames, field wording and date columns.
    """

    def __init__(self, read: Callable[[Any], dict]) -> None:
        self._read = read
        self._table: dict | None = None

    @property
    def table(self) -> dict:
        if self._table is None:
            from storesync.systems import systems

            self._table = {(spec.name, *key): value for spec in systems() for key, value in self._read(spec).items()}
        return self._table

    def __getitem__(self, key):
        return self.table[key]

    def __iter__(self):
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


def _field_wording(spec) -> dict:
    from storesync.systems import resolve

    return resolve(spec.quality.field_wording) if spec.quality.field_wording else {}


# (source or target system, entity, stage) -> frame builder ("module:function") turning staged payloads into rows
FRAME_BUILDERS = _SystemTable(lambda spec: spec.quality.frames)
# Derived frame columns -> the record fields a person has to look at, for DLQ reasons.
SOURCE_FIELDS = _SystemTable(_field_wording)


# Records a gate quarantines that still have a safe value to publish: (entity, stage) -> "module:function(payload,
# failed descriptions) -> substitute payload | None" and the alert kind. The record goes to the DLQ with its
# reason as any other, but its substitute carries on through the flow instead of nothing: for inventory, 0 to
# sell, because skipping the SKU would leave the storefront showing its older, higher stock (an oversell).
# The substitute loads; its DLQ item stays open (operators.load) until a run loads the real record.
FAIL_SAFE = {
    ("inventory", "raw"): ("storesync.adapters.stock_levels:sell_nothing", "negative_stock"),
}



# Dates a person fixes when they are implausible: (system, entity, stage) -> the frame column (the record's field),
# as each system declares them (``QualitySpec.date_columns``).
# The range is the flow's options ``earliest_date`` (ISO date, default 2000-01-01) and ``latest_days_ahead``
# (days after the run's window end, default 2: clocks drift, an order is not placed next month). An order dated
# 1900 or 9999 would otherwise load, land in a closed or far-future ERP period and skew every report.
DATE_COLUMNS = _SystemTable(lambda spec: spec.quality.date_columns)
DEFAULT_EARLIEST_DATE = "2000-01-01"
DEFAULT_LATEST_DAYS_AHEAD = 2.0


def plausible_range(options: dict[str, Any], window_end):
    """(earliest, latest) aware UTC datetimes allowed for the flow's dates; a bad option fails the run."""
    import datetime as dt

    try:
        earliest = dt.datetime.fromisoformat(str(options.get("earliest_date", DEFAULT_EARLIEST_DATE)))
        ahead = float(options.get("latest_days_ahead", DEFAULT_LATEST_DAYS_AHEAD))
    except (TypeError, ValueError) as exc:
        raise PermanentRunError(f"flow options 'earliest_date' / 'latest_days_ahead': {exc}") from None
    if earliest.tzinfo is None:
        earliest = earliest.replace(tzinfo=dt.timezone.utc)
    end = window_end if window_end.tzinfo else window_end.replace(tzinfo=dt.timezone.utc)
    return earliest, end + dt.timedelta(days=ahead)


def implausible_dates(frame, column: str, earliest, latest) -> tuple[str, list[str]]:
    """(description, keys) of rows whose ``column`` (a datetime, or Unix seconds) lies outside [earliest, latest];
    missing dates are left to the suite's own not-null expectation."""
    import pandas as pd

    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(pd.to_numeric(values, errors="coerce"), unit="s", utc=True, errors="coerce")
    low, high = pd.Timestamp(earliest), pd.Timestamp(latest)
    outside = values.notna() & ((values < low) | (values > high))
    description = (f"expect_column_values_to_be_between(column={column}, min_value={earliest.date().isoformat()}, "
                   f"max_value={latest.date().isoformat()}) [plausible date range: flow options earliest_date, "
                   "latest_days_ahead]")
    return description, [str(key) for key in frame.loc[outside, "record_key"]]


def describe_failure(description: str, fields: dict[str, str]) -> str:
    """``field <source field>: <expectation>`` so the reason names what to fix, not a derived column."""
    column = description.partition("column=")[2].split(",")[0].rstrip(")")
    return f"field {fields.get(column, column)}: {description}" if column else description


def _function(reference: str):
    module_name, name = reference.split(":")
    return getattr(importlib.import_module(module_name), name)


def frame_builder(system: str, entity: str, stage: str):
    try:
        module_name, name = FRAME_BUILDERS[(system, entity, stage)].split(":")
    except KeyError:
        valid = ", ".join("/".join(k) for k in sorted(FRAME_BUILDERS))
        raise KeyError(f"no quality frame for {system}/{entity}/{stage}; available: {valid}") from None
    return getattr(importlib.import_module(module_name), name)


def already_quarantined_unchanged(store, scope: RunScope, failures: dict, payloads: dict) -> set[str]:
    """Failing keys whose record already sits in the DLQ with the very same payload.

    Re-extracting a record that is known to be bad (a re-run, an overlapping window) is no new evidence
    that the source broke, so such records are quarantined again but do not count towards the ratio.
    """
    if not failures:
        return set()
    active = [item for item in store.list_dlq(pair=scope.pair.name, flow=scope.flow.name)
              if item["state"] in ("open", "held") and item["record_key"] in failures]
    return {item["record_key"] for item in active if item["payload"] == payloads.get(item["record_key"])}


def without_known_bad(result, known_bad: set[str]):
    """The gate result with known-bad records taken out of both the failures and the total."""
    if not known_bad:
        return result
    failures = {k: v for k, v in result.failures.items() if k not in known_bad}
    counts: dict[str, int] = {}
    for descriptions in failures.values():
        for description in descriptions:
            counts[description] = counts.get(description, 0) + 1
    return replace(result, total=result.total - len(known_bad), failures=failures, counts_by_expectation=counts,
                   passed_keys=list(result.passed_keys))


class QualityGateOperator(SyncOperator):
    template_fields = (*SyncOperator.template_fields, "stage")
    ui_color = "#fdf0d5"

    def __init__(self, *, stage: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stage = stage

    # Records per GX validation: a backfill of any size is checked in slices of this many, so the task's memory
    # stays that of one slice (a frame and its payloads), and GX's fixed cost per validation is amortised.
    chunk_size = 20_000

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        from storesync.operators.skip_alerts import SkipAlerts
        from storesync.quality.gate import GateResult, QualityGateFailed, enforce

        side = scope.spec.source if self.stage == "raw" else scope.spec.target
        system = scope.pair.endpoint(side).system
        suite_path = suite_file(scope.flow.expectations[self.stage])
        build_frame = frame_builder(system, scope.spec.entity, self.stage)
        fields = SOURCE_FIELDS.get((system, scope.spec.entity, self.stage), {})
        date_column = DATE_COLUMNS.get((system, scope.spec.entity, self.stage))
        if date_column:
            import datetime as dt

            window_end = getattr(scope, "until", None) or dt.datetime.now(dt.timezone.utc)
            self._date_check = (date_column, *plausible_range(scope.flow.options, window_end))
        else:
            self._date_check = None
        total = failed = 0
        counts: dict[str, int] = {}
        fresh_failures: dict[str, list[str]] = {}
        fresh_total = 0
        self._alerts = SkipAlerts(scope)
        substituted = 0
        for records in pending_records(scope, self.stage, batch_size=self.chunk_size):
            result, known_bad = self._check(scope, records, build_frame, suite_path, fields)
            substituted += len(self._substituted)
            # A record with a fail-safe substitute is handled (quarantined and published safely): it does not
            # count towards the bad ratio, or a wave of negative stock would stop the zeros being published.
            known_bad = known_bad | self._substituted
            total += result.total
            failed += len(result.failures)
            for description, count in result.counts_by_expectation.items():
                counts[description] = counts.get(description, 0) + count
            fresh = without_known_bad(result, known_bad)
            fresh_total += fresh.total
            fresh_failures.update(fresh.failures)
            # Free this slice before the next is read: otherwise two slices' payloads are alive at once.
            del records, result, fresh
        self.log.info("quality gate %s: %d records, %d failed; by expectation: %s", suite_path.name, total, failed,
                      counts)
        if substituted:
            self.log.info("%d failing records quarantined and passed on with their fail-safe value", substituted)
        self._alerts.send(context)
        fresh_counts: dict[str, int] = {}
        for descriptions in fresh_failures.values():
            for description in descriptions:
                fresh_counts[description] = fresh_counts.get(description, 0) + 1
        if failed - len(fresh_failures):
            self.log.info("%d failing records were already in the DLQ unchanged; the ratio counts the other %d",
                          failed - len(fresh_failures), fresh_total)
        try:
            enforce(GateResult(total=fresh_total, failures=fresh_failures, counts_by_expectation=fresh_counts,
                               suite_name=suite_path.stem), suite_path.stem, scope.flow.max_bad_ratio)
        except QualityGateFailed as exc:
            raise PermanentRunError(str(exc)) from None
        return {"checked": total, "failed": failed}

    def _check(self, scope: RunScope, records, build_frame, suite_path, fields):
        """Validate one slice; quarantine its failing records and record their outcomes."""
        from storesync.quality.gate import run_gate

        frame = build_frame([payload for _, payload in records])
        frame["record_key"] = [key for key, _ in records]
        result = run_gate(frame, suite_path, key_column="record_key")
        if getattr(self, "_date_check", None):
            result = with_implausible_dates(result, frame, *self._date_check)
        store = scope.store
        payloads = dict(records)
        known_bad = already_quarantined_unchanged(store, scope, result.failures, payloads)
        fail_safe, alert_kind = FAIL_SAFE.get((scope.spec.entity, self.stage), (None, None))
        substitute = _function(fail_safe) if fail_safe else None
        substitutes: dict[str, Any] = {}
        for key, failed in sorted(result.failures.items()):
            reason = f"{scope.spec.entity} {key}: " + "; ".join(describe_failure(d, fields) for d in failed)
            store.quarantine(pair=scope.pair.name, flow=scope.flow.name, entity=scope.spec.entity, record_key=key,
                             stage=f"gate:{self.stage}", reason_code=f"quality:{self.stage}", reason=reason,
                             failed_expectations=failed, payload=payloads.get(key), dag_id=scope.dag_id,
                             run_id=scope.run_id)
            safe = substitute(payloads.get(key), failed) if substitute else None
            if safe is not None:
                substitutes[key] = safe
                self._alerts.note(key, AlertingSkip(reason, alert=alert_kind))
        if substitutes:  # staged in place of the record at this stage, so the next step carries them on
            store.put_staged(scope.pair.name, scope.flow.name, scope.run_id, self.stage, sorted(substitutes.items()))
        store.record_outcomes(scope.pair.name, scope.flow.name, scope.run_id,
                              [(key, "dlq", f"quality gate {self.stage}") for key in result.failures
                               if key not in substitutes])
        self._substituted = set(substitutes)
        return result, known_bad


def with_implausible_dates(result, frame, column: str, earliest, latest):
    """The gate result with the records whose date is implausible failing too (one DLQ entry per record)."""
    description, keys = implausible_dates(frame, column, earliest, latest)
    if not keys:
        return result
    failures = {key: list(found) for key, found in result.failures.items()}
    for key in keys:
        failures.setdefault(key, []).append(description)
    counts = dict(result.counts_by_expectation)
    counts[description] = counts.get(description, 0) + len(keys)
    bad = set(keys)
    return replace(result, failures=failures, counts_by_expectation=counts,
                   passed_keys=[key for key in result.passed_keys if str(key) not in bad])
