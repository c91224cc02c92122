"""Frames for the payments and refunds flows' gates: one row per record, the columns the suites check.

Raw: X-Cart payment transactions (both flows read the same entity, so they share the raw frame and suite).
Target: the ``StgCustPmt`` / ``StgARCreditMemo`` rows the mapping produced (``{"row": {...}}``), before the
loader adds ``CustID`` from the ERP. Like the other builders: pandas is imported lazily, numbers become
floats only inside the frame (for the checks), anything unusable becomes NaN/None so the row fails an
expectation instead of the build crashing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text
