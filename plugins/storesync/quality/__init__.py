"""Quality gate: Great Expectations suites (JSON files) run on flat pandas frames of records.

    from storesync.quality import run_gate, enforce
    result = run_gate(build_frame(records), suite_path, "record_key")  # a system's frame builder
    # quarantine result.failures, pass result.passed_keys on, then:
    enforce(result, suite_path.stem, max_bad_ratio=0.05)

Importing this package is cheap: pandas and Great Expectations are imported inside functions.
See "Quality gate" in docs/architecture.md for the contract.
"""

from .gate import GateError, GateResult, QualityGateFailed, describe_expectation, enforce, run_gate
from .suites import SuiteError, clear_suite_cache, load_suite

__all__ = [
    "run_gate",
    "enforce",
    "GateResult",
    "QualityGateFailed",
    "GateError",
    "describe_expectation",
    "load_suite",
    "clear_suite_cache",
    "SuiteError",
]
