"""Quality gate: Great Expectations suites (JSON files) run on flat pandas frames of records.

    from storesync.quality import raw_xcart_orders_frame, run_gate, enforce
    result = run_gate(raw_xcart_orders_frame(orders), "include/expectations/orders_raw__xcart.json", "orderId")
    # quarantine result.failures, pass result.passed_keys on, then:
    enforce(result, "orders_raw__xcart", max_bad_ratio=0.05)

Importing this package is cheap: pandas and Great Expectations are imported inside functions.
See "Quality gate" in docs/architecture.md for the contract.
"""

from .frames import raw_xcart_orders_frame, sage500_staging_frame
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
    "raw_xcart_orders_frame",
    "sage500_staging_frame",
]
