"""X-Cart's fault knobs and their answers, over the shared model (:mod:`include.sandbox.faults`).

Applied to every ``/admin.php`` request (never to ``/_sandbox``). X-Cart's REST API module answers an error
as a bare status with an empty body, and the emulator's 429s carry ``Retry-After``; so a decision becomes
``(status, headers)``, or the model's ``Drop`` / ``Hold``. X-Cart authenticates every request by its static
``_key``: there is no session to expire, so ``expire_session_after`` is not offered; nor is
``lost_answer_rate`` (no gateway in front of X-Cart is emulated).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from include.sandbox import faults as model
from include.sandbox.faults import Answer, Drop, FaultKnobs, Hold

__all__ = ["FAULT_KINDS", "Drop", "FaultInjector", "Faults", "Hold"]


@dataclass
class Faults(FaultKnobs):
    """Fault-injection knobs, applied to every ``/admin.php`` request (never to ``/_sandbox``).

    ``error_rate``, ``drop_rate`` and ``timeout_rate`` are shares of requests drawn from one seeded random
    number per request, so they are exact and disjoint (their sum may not exceed 1). ``burst_429`` counts
    down as its 429s are served (reading the faults shows what is left). ``retry_after_s`` is the
    ``Retry-After`` of burst and concurrency 429s; the per-minute limit says when its window frees up.
    """

    latency_ms: int = 0
    error_rate: float = 0.0  # share of requests answered 500 or 503
    rate_limit_per_minute: int = 0  # 0 means unlimited; excess requests get 429 + Retry-After
    timeout_rate: float = 0.0  # share of requests held timeout_hold_s before they are served
    timeout_hold_s: float = 35.0  # longer than the client's timeout (tests use e.g. 2 s against 1 s)
    drop_rate: float = 0.0  # share of requests whose connection is closed without an answer
    burst_429: int = 0  # the next N requests answer 429 + Retry-After
    max_concurrency: int = 0  # 0 means unlimited; requests in flight above it get 429 + Retry-After
    retry_after_s: int = 1  # Retry-After of burst and concurrency 429s

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON: the original three always, every other knob when it is not at its default
        (clients written before the extra knobs existed compare the whole object)."""
        values = dataclasses.asdict(self)
        return {name: value for name, value in values.items()
                if name in _BASE_FAULTS or value != _FAULT_DEFAULTS[name]}


_BASE_FAULTS = ("latency_ms", "error_rate", "rate_limit_per_minute")
_FAULT_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Faults)}

FAULT_KINDS = ("latency", "error_500", "error_503", "timeout", "drop", "burst_429", "rate_limit_429",
               "concurrency_429")

Reply = tuple[int, dict[str, str]]


def _reply(answer: Answer) -> Reply:
    return answer.status, ({"Retry-After": str(answer.retry_after)} if answer.retry_after is not None else {})


class FaultInjector:
    """The shared model with X-Cart's answers: ``admit``/``release`` bracket each request for the concurrency
    cap; ``before_request`` decides the rest and serves the latency. ``stats()`` counts the API requests seen
    and every fault injected, by kind (see ``FAULT_KINDS``)."""

    def __init__(self, faults: Faults, *, seed: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._model = model.FaultInjector(faults, seed=seed, clock=clock)

    @property
    def faults(self) -> Faults:
        return self._model.faults  # type: ignore[return-value] - only X-Cart's Faults are set

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._model.faults = faults

    def stats(self) -> dict[str, int]:
        """Requests seen and faults injected so far, by kind, plus ``429`` (all 429s served)."""
        counts = self._model.counts()
        stats = {kind: counts.get(kind, 0) for kind in ("requests", *FAULT_KINDS)}
        stats["429"] = stats["burst_429"] + stats["rate_limit_429"] + stats["concurrency_429"]
        return stats

    def reset_stats(self) -> None:
        self._model.reset_counts()

    def admit(self) -> Reply | None:
        """Count a request in; None when it may go on, else the 429 to answer (not counted in flight)."""
        rejected = self._model.admit()
        return None if rejected is None else _reply(rejected)

    def release(self) -> None:
        """The end of a request that ``admit`` let in."""
        self._model.release()

    def before_request(self) -> Reply | Drop | Hold | None:
        """None to serve the request normally, else the (status, headers) to answer, ``Drop`` or ``Hold``.
        A 429 answers at once; every other outcome waits the latency first."""
        decision = self._model.decide()
        if isinstance(decision, Answer) and decision.status == 429:
            return _reply(decision)
        seconds = self._model.delay()
        if seconds:
            time.sleep(seconds)
        if isinstance(decision, Answer):
            return decision.status, {}
        return decision  # type: ignore[return-value] - X-Cart's Faults offer no lost_answer_rate
