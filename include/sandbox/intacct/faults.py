"""Intacct's fault knobs (``POST /_sandbox/faults``) over the shared model (:mod:`include.sandbox.faults`), seeded so a
run's faults repeat.

Applied to gateway requests (``/ia/xml/xmlgw.phtml`` and the tenant endpoints), never to ``/_sandbox``:

- ``latency_ms``: every request waits this long while it holds its company's concurrency slot.
- ``error_rate``, ``drop_rate``, ``timeout_rate``: shares of requests answered 500/502/503 with an HTML body
  (no XML: a gateway fault, developer.intacct.com/web-services/error-handling "Mid-process failures"), closed
  without an answer, or executed and then held ``timeout_hold_s`` before the answer (the work is committed
  although the client gave up). One seeded draw per request, so the shares are exact and disjoint.
- ``gateway_timeout_rate``: share of requests executed and committed, then answered HTTP 524 with no body —
  the gateway's own timeout while the work went through. intacct-sdk-net ``RequestConfig`` lists 524 in
  ``NoRetryServerErrorCodes`` by default (``RequestHandlerTest::MockDefaultNo524RetryTest``): retrying blindly
  could post twice.
- ``burst_429``: the next N requests answer HTTP 429 with ``GW-0010`` (counts down).
- ``expire_session_after``: every N-th session-authenticated request finds its session expired (0 = off).

``gateway_timeout_rate`` is the model's ``lost_answer_rate`` (committed, then the answer is lost). The answers'
shapes (HTML pages, ``GW-0010`` XML, the empty 524) are the server's; its concurrency and per-minute limits are
the gateway's own (:class:`~include.sandbox.intacct.gateway.Limits`), answered with ``GW-0010``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from include.sandbox.faults import FaultKnobs

__all__ = ["Faults"]


@dataclass
class Faults(FaultKnobs):
    ALIASES: ClassVar = {"gateway_timeout_rate": "lost_answer_rate"}
    ERROR_STATUSES: ClassVar = (500, 502, 503)

    latency_ms: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_hold_s: float = 35.0
    gateway_timeout_rate: float = 0.0
    burst_429: int = 0
    expire_session_after: int = 0
