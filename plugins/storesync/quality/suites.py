"""Loading Great Expectations suites kept as JSON files (each system's expectations/*.json).

A suite file is what ``ExpectationSuite.to_json_dict()`` writes; loading is the reverse,
``ExpectationSuite(**json)``. GX on its own *logs and drops* an expectation whose type it does
not know, so a typo would silently weaken a gate: we build every expectation ourselves first
and raise ``SuiteError`` naming the file, the expectation's position and type instead.

Suites are cached per path (and file modification time), since parsing them builds pydantic
models. Great Expectations is imported inside the functions: importing it costs seconds and
DAG files import this package at parse time.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from great_expectations.core import ExpectationSuite

__all__ = ["SuiteError", "load_suite", "suite_from_dict", "clear_suite_cache", "quiet_gx"]

_cache: dict[Path, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


class SuiteError(ValueError):
    """An expectation suite file that cannot be loaded; the message names the file."""


def quiet_gx() -> None:
    """Keep Great Expectations quiet: call before importing it and again after.

    No usage statistics from workers, and no INFO chatter in every task log. Setting the parent
    logger is not enough: some GX modules set their own logger to INFO when imported (e.g.
    ``great_expectations.data_context.types.base``), which Airflow's log handlers then print.
    """
    import logging

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger):
            if logger.level and logger.level < logging.WARNING:
                logger.setLevel(logging.WARNING)


def load_suite(path: str | os.PathLike[str]) -> ExpectationSuite:
    """The suite stored at ``path``, cached until the file changes."""
    resolved = Path(path).expanduser().resolve()
    try:
        mtime = resolved.stat().st_mtime
    except FileNotFoundError:
        raise SuiteError(f"expectation suite file not found: {resolved}") from None
    with _cache_lock:
        cached = _cache.get(resolved)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    try:
        document = json.loads(resolved.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{resolved}: not valid JSON: {exc}") from None
    suite = suite_from_dict(document, source=str(resolved))
    with _cache_lock:
        _cache[resolved] = (mtime, suite)
    return suite


def clear_suite_cache() -> None:
    with _cache_lock:
        _cache.clear()


def suite_from_dict(document: Any, source: str = "<dict>") -> ExpectationSuite:
    """Build an ``ExpectationSuite`` from its JSON form, with errors that name ``source``."""
    quiet_gx()
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    quiet_gx()  # again: importing GX set some of its loggers back to INFO
    if not isinstance(document, dict):
        raise SuiteError(f"{source}: a suite must be a JSON object, got {type(document).__name__}")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SuiteError(f"{source}: the suite needs a non-empty string 'name'")
    expectations = document.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteError(f"{source}: suite {name!r} needs a non-empty 'expectations' list")
    allowed_keys = {"name", "id", "expectations", "meta", "notes", "suite_parameters", "data_asset_type"}
    unknown = sorted(set(document) - allowed_keys)
    if unknown:
        raise SuiteError(f"{source}: suite {name!r} has unknown keys {unknown}; valid keys: {sorted(allowed_keys)}")

    for position, expectation in enumerate(expectations, start=1):
        where = f"{source}: suite {name!r}, expectation #{position}"
        if not isinstance(expectation, dict):
            raise SuiteError(f"{where}: must be an object with 'type' and 'kwargs'")
        expectation_type = expectation.get("type")
        if not isinstance(expectation_type, str):
            raise SuiteError(f"{where}: missing 'type' (e.g. \"expect_column_values_to_not_be_null\")")
        if not isinstance(expectation.get("kwargs", {}), dict):
            raise SuiteError(f"{where} ({expectation_type}): 'kwargs' must be an object")
        try:
            ExpectationConfiguration(**expectation).to_domain_obj()
        except Exception as exc:  # GX raises pydantic, TypeError and its own errors here
            raise SuiteError(f"{where} ({expectation_type}): {_one_line(exc)}") from None

    try:
        suite = ExpectationSuite(**document)
    except Exception as exc:
        raise SuiteError(f"{source}: suite {name!r}: {_one_line(exc)}") from None
    if len(suite.expectations) != len(expectations):
        # Belt and braces for GX's drop-and-log behaviour described in the module docstring.
        raise SuiteError(
            f"{source}: suite {name!r}: Great Expectations accepted only "
            f"{len(suite.expectations)} of {len(expectations)} expectations"
        )
    return suite


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
