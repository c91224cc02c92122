"""The licence an Acumatica instance enforces on its API, its sessions, and the counters tests read.

Acumatica's Integration Development Guide, "License Restrictions for API Users"
(Acumatica/Acumatica-AI-Resources, Documentation/IntegrationDevelopmentGuide/IS__con_License_Restrictions_API_Users.md)
and "Limitation of API Connections" (IS__con_Limitation_of_API_Connections.md) describe the model emulated here:

- every API request except a sign-out enters an internal queue; ``max_concurrent`` API processing cores take
  requests from it one by one. A request that finds every core busy **waits** in the queue (it is not refused);
- per minute: when the requests processed in the past minute reach 50 % of ``requests_per_minute``, the
  request is **delayed** by (time left of the minute since its first request) / (requests left in the minute);
- a request is **declined** (HTTP 429) only when more than ``max_queue`` (20) requests are waiting, or when it
  stayed in the queue longer than ``queue_timeout_s`` (10 minutes). No ``Retry-After`` is documented, so none
  is sent. A declined request is not counted as processed;
- a sign-in beyond ``max_sessions`` API users is refused with "API Login Limit" (429, as Acumatica's own REST
  client reports it: AcumaticaRESTAPIClientForCSharp, Acumatica.RESTClient/AuthApi/AuthApi.cs).

:class:`Limits` (per server; ``POST /_sandbox/limits`` changes them at run time): ``max_sessions``,
``max_concurrent`` (0 = no limit), ``requests_per_minute`` (0 = no limit), ``max_queue``, ``queue_timeout_s``,
``latency_ms`` (added to every API request inside its core, like a slow server), ``session_idle_timeout_s``
(a session unused this long expires; its next request is answered 401), ``token_lifetime_s`` (OAuth
``expires_in``).

Time comes from ``clock`` (monotonic seconds) for the windows; queue waits use real time (a condition
variable), and per-minute delays are served by the server's injectable ``sleep``.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from include.sandbox.common import check_count, check_seconds

#: Counters of :class:`Stats` (``429`` and ``open_sessions`` are derived when read).
COUNTERS = (
    "requests", "logins", "failed_logins", "logouts", "tokens_issued", "401", "expired_sessions",
    "429_sessions", "429_queue_full", "429_queue_timeout", "429_burst", "queued", "delayed",
    "error_500", "error_503", "timeouts", "drops", "forced_expiries",
)


@dataclass
class Limits:
    max_sessions: int = 2
    max_concurrent: int = 3
    requests_per_minute: int = 0
    latency_ms: int = 0
    session_idle_timeout_s: float = 600.0
    token_lifetime_s: float = 3600.0
    max_queue: int = 20
    queue_timeout_s: float = 600.0

    def __post_init__(self) -> None:
        for name in ("max_sessions", "max_concurrent", "requests_per_minute", "latency_ms", "max_queue"):
            check_count(name, getattr(self, name), note="0 = no limit where a limit is meant")
        for name in ("session_idle_timeout_s", "token_lifetime_s", "queue_timeout_s"):
            setattr(self, name, check_seconds(name, getattr(self, name)))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Rejection:
    """A request the licence refuses: status, message, optional Retry-After."""

    status: int
    message: str
    retry_after: int | None = None
    kind: str = ""


class Stats:
    """Thread-safe counters (see :data:`COUNTERS`), plus when each 429 was answered: ``snapshot()`` adds
    ``429s_after_first_minute``, the 429s answered 60 s or more after the first request counted (since the
    last reset), so a run can tell a limit hit while warming up from one hit in its steady state."""

    FIRST_MINUTE_SECONDS = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._first_request_at: float | None = None
        self._rejected_at: list[float] = []

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount
            if name == "requests" and self._first_request_at is None:
                self._first_request_at = self._clock()
            elif name.startswith("429_"):
                self._rejected_at.extend([self._clock()] * amount)

    def seconds_of_429s(self) -> list[float]:
        """When each 429 was answered, in seconds after the first request counted."""
        with self._lock:
            first = self._first_request_at
            return [] if first is None else [round(at - first, 3) for at in self._rejected_at]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self._counts)
        counts["429"] = sum(value for name, value in counts.items() if name.startswith("429_"))
        counts["429s_after_first_minute"] = sum(1 for at in self.seconds_of_429s() if at >= self.FIRST_MINUTE_SECONDS)
        return counts

    def reset(self) -> None:
        with self._lock:
            self._counts = dict.fromkeys(COUNTERS, 0)
            self._first_request_at = None
            self._rejected_at = []


class Licence:
    """Admission (concurrency, per-minute window), sessions and tokens of one instance."""

    WINDOW_SECONDS = 60.0

    def __init__(self, limits: Limits, *, stats: Stats, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._limits = limits
        self._clock = clock
        self.stats = stats
        self._in_flight = 0
        self._waiting = 0
        self._window: deque[float] = deque()
        self._sessions: dict[str, float] = {}  # session token -> last used
        self._tokens: dict[str, float] = {}  # bearer token -> expires at

    @property
    def limits(self) -> Limits:
        return self._limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        with self._lock:
            self._limits = limits
            self._window.clear()  # a new licence starts a fresh window

    def now(self) -> float:
        return self._clock()

    # -- admission -------------------------------------------------------------------------------------

    def admit(self) -> Rejection | float:
        """Take an API request through the queue: a :class:`Rejection` (429) when it is declined, else the
        per-minute delay in seconds it must wait inside its core before being served (then ``release`` it)."""
        limits = self._limits
        with self._cond:
            self.stats.add("requests")
            if limits.max_concurrent and self._in_flight >= limits.max_concurrent:
                if self._waiting >= limits.max_queue:
                    self.stats.add("429_queue_full")
                    return Rejection(429, f"The number of requests in the queue has exceeded the limit of "
                                          f"{limits.max_queue} imposed by the license.", None, "queue_full")
                self._waiting += 1
                self.stats.add("queued")
                deadline = time.monotonic() + limits.queue_timeout_s
                try:
                    while limits.max_concurrent and self._in_flight >= limits.max_concurrent:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            self.stats.add("429_queue_timeout")
                            return Rejection(429, "The request stayed in the queue longer than the license allows.",
                                             None, "queue_timeout")
                        self._cond.wait(left)
                finally:
                    self._waiting -= 1
            self._in_flight += 1
            delay = self._minute_delay(limits)
            if delay:
                self.stats.add("delayed")
            return delay

    def _minute_delay(self, limits: Limits) -> float:
        """The guide's per-minute delay (see the module docstring); the request counts at its served time."""
        if not limits.requests_per_minute:
            return 0.0
        now = self._clock()
        while self._window and now - self._window[0] >= self.WINDOW_SECONDS:
            self._window.popleft()
        limit, done = limits.requests_per_minute, len(self._window)
        delay = 0.0
        if self._window and done * 2 >= limit:
            time_left = max(0.0, self.WINDOW_SECONDS - (now - self._window[0]))
            requests_left = limit - done
            delay = time_left / requests_left if requests_left > 0 else time_left
        self._window.append(now + delay)
        return delay

    def release(self) -> None:
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._cond.notify()

    def waiting(self) -> int:
        with self._cond:
            return self._waiting

    # -- sessions and tokens ---------------------------------------------------------------------------

    def _purge(self, now: float) -> None:
        idle = self._limits.session_idle_timeout_s
        for token in [t for t, used in self._sessions.items() if now - used >= idle]:
            del self._sessions[token]
            self.stats.add("expired_sessions")
        for token in [t for t, expires in self._tokens.items() if now >= expires]:
            del self._tokens[token]

    def open_session(self) -> str | Rejection:
        with self._lock:
            now = self._clock()
            self._purge(now)
            limit = self._limits.max_sessions
            if limit and len(self._sessions) >= limit:
                self.stats.add("429_sessions")
                return Rejection(429, f"API Login Limit: the license allows {limit} concurrent API users; sign "
                                      "out of one session first.", None, "sessions")
            token = secrets.token_urlsafe(24)
            self._sessions[token] = now
            self.stats.add("logins")
            return token

    def close_session(self, token: str | None) -> bool:
        with self._lock:
            if token and self._sessions.pop(token, None) is not None:
                self.stats.add("logouts")
                return True
            return False

    def issue_token(self) -> tuple[str, int]:
        with self._lock:
            token = secrets.token_urlsafe(32)
            lifetime = self._limits.token_lifetime_s
            self._tokens[token] = self._clock() + lifetime
            self.stats.add("tokens_issued")
            return token, int(lifetime)

    def authenticate(self, session: str | None, bearer: str | None) -> str | None:
        """The credential a request is served under (touching a session), or None → 401."""
        with self._lock:
            now = self._clock()
            self._purge(now)
            if bearer and bearer in self._tokens:
                return bearer
            if session and session in self._sessions:
                self._sessions[session] = now
                return session
            return None

    def expire(self, credential: str | None = None) -> int:
        """End one session/token, or every one when None (as an instance restart would); how many ended."""
        with self._lock:
            if credential is None:
                count = len(self._sessions) + len(self._tokens)
                self._sessions.clear()
                self._tokens.clear()
                return count
            return int(self._sessions.pop(credential, None) is not None) + int(
                self._tokens.pop(credential, None) is not None)

    def open_sessions(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._sessions)
