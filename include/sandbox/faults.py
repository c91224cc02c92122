"""One fault model for every emulator: WHEN a request is slowed, refused, failed, held, dropped or loses its
answer. HOW each fault looks on the wire stays with the emulator, because it comes from that vendor's material
(X-Cart's bare status, Acumatica's JSON message, Intacct's HTML gateway page or ``GW-0010`` XML).

The knobs (the names the model gives them; an emulator may publish one under its own name, see
:class:`FaultKnobs`):

- ``latency_ms``: every request waits this long (:meth:`FaultInjector.delay`).
- ``error_rate``, ``drop_rate``, ``timeout_rate``, ``lost_answer_rate``: shares of requests that are answered
  with a server error (a status drawn from the emulator's ``ERROR_STATUSES``), closed without an answer, held
  ``timeout_hold_s`` (longer than a client waits) and then served, or served and then answered with nothing
  the client can use ("commit, then lose the answer", e.g. a gateway timeout). One seeded draw per request
  decides among them, in that order, so the shares are exact, disjoint, and a seed repeats its run; their sum
  may not exceed 1. A request that none of the shares is set for draws nothing.
- ``burst_429``: the next N requests answer 429 with ``Retry-After: retry_after_s``; counts down on the live
  settings, so reading them shows what is left.
- ``rate_limit_per_minute``: requests beyond N in the past 60 s answer 429, ``Retry-After`` saying when the
  window frees up (0 = no limit).
- ``max_concurrency``: requests in flight above N answer 429 with ``Retry-After: retry_after_s``
  (:meth:`FaultInjector.admit` / :meth:`FaultInjector.release`; 0 = no cap).
- ``expire_session_after``: every N-th session-authenticated request finds its session expired
  (:meth:`FaultInjector.session_expires_now`; 0 = off).

Every fault injected is counted by kind (:data:`KINDS`); an emulator with counters of its own passes ``record``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from include.sandbox.common import (
    add_dataclass_options,
    check_count,
    check_seconds,
    check_share,
    dataclass_from_options,
)

#: Shares of requests, in the order one draw tests them.
SHARE_KNOBS = ("error_rate", "drop_rate", "timeout_rate", "lost_answer_rate")
COUNT_KNOBS = ("latency_ms", "burst_429", "retry_after_s", "rate_limit_per_minute", "max_concurrency",
               "expire_session_after")
SECONDS_KNOBS = ("timeout_hold_s",)
#: What a knob an emulator does not offer stands at: off.
MODEL_DEFAULTS: Mapping[str, Any] = {
    **dict.fromkeys(SHARE_KNOBS, 0.0), **dict.fromkeys(COUNT_KNOBS, 0), "retry_after_s": 1, "timeout_hold_s": 35.0,
}
TIMEOUT_HOLD_MOST_S = 3600

#: Kinds :class:`FaultInjector` counts (``error_<status>`` for each of the emulator's error statuses).
KINDS = ("requests", "latency", "error_<status>", "drop", "timeout", "lost_answer", "burst_429", "rate_limit_429",
         "concurrency_429", "session_expiry")


class FaultKnobs:
    """Base of an emulator's ``Faults`` dataclass: the subclass declares, as fields, the knobs that emulator
    offers (its public settings: constructor, command line, ``/_sandbox/faults``); this base checks them and
    lets the injector read them by the model's names.

    ``ALIASES`` maps a field whose public name differs from the model's to the model's name;
    ``ERROR_STATUSES`` are the statuses ``error_rate`` draws from (each with the same chance).
    """

    ALIASES: ClassVar[Mapping[str, str]] = {}
    ERROR_STATUSES: ClassVar[tuple[int, ...]] = (500, 503)

    def __post_init__(self) -> None:
        shares = []
        for field in dataclasses.fields(self):  # type: ignore[arg-type] - subclasses are dataclasses
            knob, value = self.ALIASES.get(field.name, field.name), getattr(self, field.name)
            if knob in SHARE_KNOBS:
                setattr(self, field.name, check_share(field.name, value))
                shares.append(field.name)
            elif knob in COUNT_KNOBS:
                check_count(field.name, value)
            elif knob in SECONDS_KNOBS:
                setattr(self, field.name, check_seconds(field.name, value, most=TIMEOUT_HOLD_MOST_S))
            else:
                raise TypeError(f"{type(self).__name__}.{field.name} is no knob of the fault model")
        if sum(getattr(self, name) for name in shares) > 1 + 1e-9:
            raise ValueError(f"{' + '.join(shares)} must not exceed 1")

    @classmethod
    def _field_of(cls, knob: str) -> str | None:
        fields = cls.__dict__.get("_FIELDS")
        if fields is None:
            fields = {cls.ALIASES.get(f.name, f.name): f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
            cls._FIELDS = fields  # type: ignore[attr-defined] - per class, computed once
        return fields.get(knob)

    def knob(self, knob: str) -> Any:
        """The value of a model knob: this emulator's setting, or off when it offers no such knob."""
        field = self._field_of(knob)
        return MODEL_DEFAULTS[knob] if field is None else getattr(self, field)

    def _spend_burst(self) -> None:
        field = self._field_of("burst_429")
        setattr(self, field, getattr(self, field) - 1)  # type: ignore[arg-type] - only called while it is > 0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


# -- what the model decides for one request ---------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """Answer with this status instead of serving the request (``retry_after`` seconds for a 429)."""

    status: int
    retry_after: int | None = None


@dataclass(frozen=True)
class Drop:
    """Close the connection without an answer."""


@dataclass(frozen=True)
class Hold:
    """Hold the answer this long (past the client's timeout); the request is served all the same."""

    seconds: float


@dataclass(frozen=True)
class LoseAnswer:
    """Serve the request (its work is committed), then give the client an answer it cannot use."""


Decision = Answer | Drop | Hold | LoseAnswer


class FaultInjector:
    """Decides, per request, which fault it meets. Seeded and thread-safe.

    ``admit``/``release`` bracket a request for the concurrency cap; ``decide`` draws the rest; ``delay`` is the
    latency to serve; ``session_expires_now`` counts session-authenticated requests. Every fault is counted by
    kind (``counts()``), or handed to ``record`` when the emulator keeps counters of its own.
    """

    WINDOW_SECONDS = 60.0

    def __init__(self, faults: FaultKnobs, *, seed: int, clock: Callable[[], float] = time.monotonic,
                 record: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._clock = clock
        self._faults = faults
        self._accepted: deque[float] = deque()  # when each request the rate limit let through arrived
        self._in_flight = 0
        self._authenticated = 0
        self._counts: dict[str, int] = {}
        self._record = record or self._count

    @property
    def faults(self) -> FaultKnobs:
        return self._faults

    @faults.setter
    def faults(self, faults: FaultKnobs) -> None:
        with self._lock:
            self._faults = faults
            self._accepted.clear()  # a new limit starts with a fresh window
            self._authenticated = 0  # and a new session expiry counts afresh

    def _count(self, kind: str) -> None:
        self._counts[kind] = self._counts.get(kind, 0) + 1

    def counts(self) -> dict[str, int]:
        """Requests admitted and faults injected so far, by kind (kinds not met yet are absent)."""
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def admit(self) -> Answer | None:
        """Count a request in; None when it may go on, else the 429 to answer (not counted in flight)."""
        with self._lock:
            self._record("requests")
            cap = self._faults.knob("max_concurrency")
            if cap and self._in_flight >= cap:
                self._record("concurrency_429")
                return Answer(429, self._faults.knob("retry_after_s"))
            self._in_flight += 1
            return None

    def release(self) -> None:
        """The end of a request that ``admit`` let in."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def decide(self) -> Decision | None:
        """The fault this request meets, or None to serve it normally: a burst 429 first, then the per-minute
        limit, then one draw among the shares."""
        with self._lock:
            faults = self._faults
            if faults.knob("burst_429"):
                faults._spend_burst()
                self._record("burst_429")
                return Answer(429, faults.knob("retry_after_s"))
            limit = faults.knob("rate_limit_per_minute")
            if limit:
                now = self._clock()
                while self._accepted and now - self._accepted[0] >= self.WINDOW_SECONDS:
                    self._accepted.popleft()
                if len(self._accepted) >= limit:
                    wait = self.WINDOW_SECONDS - (now - self._accepted[0])
                    self._record("rate_limit_429")
                    return Answer(429, max(1, math.ceil(wait)))
                self._accepted.append(now)
            return self._draw(faults)

    def _draw(self, faults: FaultKnobs) -> Decision | None:
        shares = [faults.knob(knob) for knob in SHARE_KNOBS]
        if not any(shares):
            return None  # no draw: a seed's sequence does not depend on requests served without faults
        draw, bound = self._rng.random(), 0.0
        error, drop, timeout, lost = shares
        if draw < (bound := bound + error):
            status = self._rng.choice(faults.ERROR_STATUSES)
            self._record(f"error_{status}")
            return Answer(status)
        if draw < (bound := bound + drop):
            self._record("drop")
            return Drop()
        if draw < (bound := bound + timeout):
            self._record("timeout")
            return Hold(faults.knob("timeout_hold_s"))
        if draw < bound + lost:
            self._record("lost_answer")
            return LoseAnswer()
        return None

    def delay(self) -> float:
        """Seconds this request waits before it is served (``latency_ms``), counted when above 0."""
        latency = self._faults.knob("latency_ms")
        if latency:
            with self._lock:
                self._record("latency")
        return latency / 1000

    def session_expires_now(self) -> bool:
        """Count a session-authenticated request; True when it is the N-th and its session must expire."""
        with self._lock:
            every = self._faults.knob("expire_session_after")
            if not every:
                return False
            self._authenticated += 1
            if self._authenticated < every:
                return False
            self._authenticated = 0
            self._record("session_expiry")
            return True


class FaultControls:
    """Mixin of an emulator's server: ``faults`` reads the live settings of its ``injector`` and replaces
    them at run time (tests, ``/_sandbox/faults``, the chaos scripts)."""

    injector: FaultInjector

    @property
    def faults(self) -> Any:
        return self.injector.faults

    @faults.setter
    def faults(self, faults: Any) -> None:
        self.injector.faults = faults


def add_fault_options(parser: argparse.ArgumentParser, faults_class: type[FaultKnobs]) -> None:
    """An emulator's command line: one option per knob it offers (``--error-rate`` …) and ``--fault-seed``."""
    add_dataclass_options(parser, faults_class, dest_prefix="fault")
    parser.add_argument("--fault-seed", type=int, default=None, help="seed for fault randomness (default --seed)")


def faults_from_options(faults_class: type[FaultKnobs], args: argparse.Namespace) -> Any:
    """The settings :func:`add_fault_options` options describe (checked: ValueError names a bad knob)."""
    return dataclass_from_options(faults_class, args, dest_prefix="fault")
