"""The quality gate: validate a batch of records with a GX suite, row by row.

``run_gate(frame, suite_path, key_column)`` validates a pandas frame (one row per record) with
Great Expectations and maps every failing row back to its record key, so the caller can
quarantine exactly the bad records and pass the rest on. ``enforce(result, suite_name,
max_bad_ratio)`` raises ``QualityGateFailed`` when too large a share of the batch is bad.

How failing rows are found: ``result_format="COMPLETE"`` gives each failed row-level
expectation an ``unexpected_index_list`` with the frame index of *every* unexpected row
(``partial_*`` lists are capped at 20 and are not used). We give the frame a fresh 0..n-1 index,
so each index is a position in the key list. Expectations that are not row-level (row count,
column mean, …) fail the whole batch: every record gets that failure.

Two passes, because most batches pass: COMPLETE costs about twice as much as ``BOOLEAN_ONLY``
(it collects unexpected values and index lists even for expectations that pass). The first pass
runs the whole suite with ``BOOLEAN_ONLY``, which still computes each expectation's success
exactly as COMPLETE does (map expectations count unexpected rows and apply ``mostly`` to that
count; aggregates compare their observed value) and still reports expectations GX could not
evaluate. Only when some expectations failed does a second pass run a new suite of just those
(copies: the caller's suite may be cached and shared) with COMPLETE, and the result is built
from it. GX orders results by column whatever the format, so the failed subset comes back in
the order one COMPLETE pass over the whole suite would list it.

One ephemeral GX context (with one pandas data source, asset and batch definition) is created
per process and reused; creating contexts is slow. GX and pandas are imported lazily.
"""

from __future__ import annotations

import copy
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .suites import load_suite, quiet_gx

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd
    from great_expectations.core import ExpectationSuite

__all__ = ["GateResult", "QualityGateFailed", "GateError", "run_gate", "enforce", "describe_expectation"]

_DATA_SOURCE = "storesync_gate"
_ASSET = "records"
_BATCH_DEFINITION = "whole_frame"
# Keyword arguments that say what an expectation checks; the rest (batch_id, result_format, …) is
# plumbing. Lists such as value_set are left out of descriptions: long and already in the suite.
_DESCRIBED_KWARGS = (
    "column",
    "column_A",
    "column_B",
    "column_list",
    "min_value",
    "max_value",
    "strict_min",
    "strict_max",
    "value",
    "regex",
    "type_",
    "mostly",
)

# Success per expectation, nothing more: the cheap first pass.
_SUCCESS_ONLY = {
    "result_format": "BOOLEAN_ONLY",
    "return_unexpected_index_query": False,
    "include_unexpected_rows": False,
}
# Every unexpected row's frame index: the second pass, over the failed expectations only.
_EVERY_FAILING_ROW = {
    "result_format": "COMPLETE",
    "return_unexpected_index_query": False,
    "include_unexpected_rows": False,
}

_context_lock = threading.Lock()
_batch_definition: Any = None


class GateError(RuntimeError):
    """The gate could not evaluate the suite (e.g. the frame lacks a column the suite names).

    This is a problem of the pipeline, not of the records, so nothing is quarantined for it.
    """


@dataclass
class GateResult:
    """Outcome of one gate run.

    ``failures`` maps each bad record's key to the descriptions of the expectations it failed;
    ``counts_by_expectation`` counts failing rows per expectation description. ``passed_keys``
    keeps frame order. A key that appears on several rows fails if any of its rows fails.
    """

    total: int
    passed_keys: list = field(default_factory=list)
    failures: dict = field(default_factory=dict)
    counts_by_expectation: dict = field(default_factory=dict)
    suite_name: str = ""
    # Descriptions of failed expectations that are not row-level (they fail the whole batch).
    batch_failures: list = field(default_factory=list)

    @property
    def failed_count(self) -> int:
        return len(self.failures)

    @property
    def bad_ratio(self) -> float:
        return self.failed_count / self.total if self.total else 0.0

    @property
    def success(self) -> bool:
        return not self.failures and not self.batch_failures

    def summary(self) -> dict[str, Any]:
        """Small, JSON-friendly summary for XCom and logs (no keys)."""
        return {
            "suite": self.suite_name,
            "total": self.total,
            "passed": len(self.passed_keys),
            "failed": self.failed_count,
            "bad_ratio": round(self.bad_ratio, 6),
            "counts_by_expectation": dict(self.counts_by_expectation),
            "batch_failures": list(self.batch_failures),
        }


class QualityGateFailed(Exception):
    """Too many records of a batch failed the gate; the message names every failed expectation."""

    def __init__(self, suite_name: str, result: GateResult, max_bad_ratio: float):
        self.suite_name = suite_name
        self.result = result
        self.max_bad_ratio = max_bad_ratio
        by_count = sorted(result.counts_by_expectation.items(), key=lambda item: (-item[1], item[0]))
        expectations = ", ".join(f"{description} ×{count}" for description, count in by_count)
        super().__init__(
            f"quality gate {suite_name!r} failed: {result.failed_count} of {result.total} records "
            f"({_percent(result.bad_ratio)}) > max {_percent(max_bad_ratio)}: {expectations}"
        )


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def enforce(result: GateResult, suite_name: str, max_bad_ratio: float) -> None:
    """Raise ``QualityGateFailed`` when the bad share of the batch exceeds ``max_bad_ratio``."""
    if not 0 <= max_bad_ratio <= 1:
        raise ValueError(f"max_bad_ratio must be between 0 and 1, got {max_bad_ratio}")
    if result.total and result.bad_ratio > max_bad_ratio:
        raise QualityGateFailed(suite_name, result, max_bad_ratio)


def describe_expectation(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """E.g. ``expect_column_values_to_not_be_null(column=currency)`` or
    ``expect_column_values_to_be_between(column=total_delta, max_value=0.01)``."""
    parts = []
    for name in _DESCRIBED_KWARGS:
        value = kwargs.get(name)
        if value is None or value is False:
            continue
        if isinstance(value, float):
            value = format(value, "g")
        elif isinstance(value, (list, tuple)):
            value = "[" + ", ".join(str(item) for item in value) + "]"
        parts.append(f"{name}={value}")
    return f"{expectation_type}({', '.join(parts)})"


def _get_batch_definition():
    """The process-wide pandas batch definition of the shared ephemeral context."""
    global _batch_definition
    if _batch_definition is None:
        quiet_gx()
        import great_expectations as gx

        quiet_gx()  # again: importing GX set some of its loggers back to INFO
        context = gx.get_context(mode="ephemeral")
        _disable_progress_bars(context)
        data_source = context.data_sources.add_pandas(_DATA_SOURCE)
        asset = data_source.add_dataframe_asset(_ASSET)
        _batch_definition = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION)
    return _batch_definition


def _disable_progress_bars(context) -> None:
    # tqdm bars ("Calculating Metrics: …") would otherwise fill every task log.
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)


def run_gate(
    frame: pd.DataFrame,
    suite_path: str | os.PathLike[str] | ExpectationSuite,
    key_column: str,
) -> GateResult:
    """Validate ``frame`` (one row per record) and map failures to the values of ``key_column``.

    ``suite_path`` is a suite JSON file (or an already loaded ``ExpectationSuite``). An empty
    frame passes without running GX.
    """
    suite = suite_path if hasattr(suite_path, "expectations") else load_suite(suite_path)
    if key_column not in frame.columns:
        raise GateError(
            f"quality gate {suite.name!r}: key column {key_column!r} is not in the frame; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    keys = [_plain_key(value) for value in frame[key_column].tolist()]
    if not keys:
        return GateResult(total=0, suite_name=suite.name)

    # Positions, not labels: unexpected_index_list then indexes straight into `keys`.
    frame = _hashable_text(frame.reset_index(drop=True))
    with _context_lock:
        batch = _get_batch_definition().get_batch(batch_parameters={"dataframe": frame})
        # Fresh result_format dicts: GX fills its defaults into the dict it parses.
        failed = []
        for expectation_result in batch.validate(suite, result_format=dict(_SUCCESS_ONLY)).results:
            config = expectation_result.expectation_config
            _raise_if_not_evaluated(
                suite.name, describe_expectation(config.type, dict(config.kwargs)), expectation_result.exception_info
            )
            if not expectation_result.success:
                failed.append(config)
        results = []
        if failed:
            results = batch.validate(_suite_of(suite, failed), result_format=dict(_EVERY_FAILING_ROW)).results

    failed_positions: dict[int, list[str]] = {}
    counts_by_expectation: dict[str, int] = {}
    batch_failures: list[str] = []
    for expectation_result in results:
        config = expectation_result.expectation_config
        description = describe_expectation(config.type, dict(config.kwargs))
        _raise_if_not_evaluated(suite.name, description, expectation_result.exception_info)
        if expectation_result.success:
            continue
        details = expectation_result.result or {}
        positions = details.get("unexpected_index_list")
        if positions is None:
            # Not a row-level expectation (row count, aggregates): the whole batch fails it.
            batch_failures.append(description)
            positions = range(len(keys))
        elif len(positions) != details.get("unexpected_count", len(positions)):
            raise GateError(
                f"quality gate {suite.name!r}: {description} reported {details.get('unexpected_count')} "
                f"unexpected rows but listed {len(positions)}; refusing to guess which records failed"
            )
        for position in positions:
            failed_positions.setdefault(int(position), []).append(description)
        counts_by_expectation[description] = counts_by_expectation.get(description, 0) + len(positions)

    failures: dict[Any, list[str]] = {}
    for position in sorted(failed_positions):
        descriptions = failures.setdefault(keys[position], [])
        descriptions.extend(d for d in failed_positions[position] if d not in descriptions)
    passed_keys = [key for position, key in enumerate(keys) if position not in failed_positions and key not in failures]
    return GateResult(
        total=len(keys),
        passed_keys=passed_keys,
        failures=failures,
        counts_by_expectation=counts_by_expectation,
        suite_name=suite.name,
        batch_failures=batch_failures,
    )


def _suite_of(suite: ExpectationSuite, configurations: list) -> ExpectationSuite:
    """A new suite named like ``suite`` holding copies of ``configurations`` (results' configurations,
    in result order); ``suite`` itself is left alone."""
    from great_expectations.core import ExpectationSuite

    subset = ExpectationSuite(name=suite.name, expectations=[copy.deepcopy(config) for config in configurations])
    if len(subset.expectations) != len(configurations):
        # GX logs and drops a configuration it cannot build; a dropped one would pass silently.
        raise GateError(
            f"quality gate {suite.name!r}: could rebuild only {len(subset.expectations)} of "
            f"{len(configurations)} failed expectations for the row-level pass"
        )
    return subset


def _hashable_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with lone surrogates in text cells replaced by U+FFFD, in place (pass a copy).

    GX hashes every batch, and pandas hashes text as UTF-8, which has no lone surrogates (they arrive
    from JSON ``\\udXXX`` escapes). A replaced cell still fails any check it failed before, and
    ``keys`` are read before this, so failures map back to the record's exact key.
    """
    import re

    surrogate = re.compile("[\ud800-\udfff]")
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or values.dtype == "str":
            # One scan of the column's text joined together, instead of one regex call per cell.
            if surrogate.search("\n".join(v for v in values.tolist() if isinstance(v, str))):
                frame[column] = values.map(lambda v: surrogate.sub("\ufffd", v) if isinstance(v, str) else v)
    return frame


def _plain_key(value: Any) -> Any:
    """Frame cells as plain Python keys: missing values (None, NaN, NA, NaT) become None and
    numpy scalars become Python scalars, so keys compare equal to the store's keys."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _raise_if_not_evaluated(suite_name: str, description: str, exception_info: Any) -> None:
    """GX reports an expectation it could not compute as a failure with exception info; that is
    a pipeline bug (missing column, wrong type), and quarantining every record would hide it."""
    if not exception_info:
        return
    # Either {"raised_exception": …, "exception_message": …} or {metric id: that same shape}.
    candidates = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = [
        info.get("exception_message") or "unknown error"
        for info in candidates
        if isinstance(info, dict) and info.get("raised_exception")
    ]
    if messages:
        raise GateError(f"quality gate {suite_name!r}: could not evaluate {description}: {'; '.join(messages)}")
