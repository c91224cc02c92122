"""The licence an Acumatica instance enforces on its API, its sessions, and the counters tests read.

:class:`Limits` (per server; ``POST /_sandbox/limits`` changes them at run time):

- ``max_sessions``: concurrent API sessions (cookie logins). A login beyond it is answered 429 and no
  session is created; a logout, or an idle session timing out, frees a place. OAuth tokens are not sessions.
- ``max_concurrent``: requests being served at once (login included); one more is answered 429.
- ``requests_per_minute``: a **sliding** 60-second window over the requests that were let in (0 = no
  limit). A request that would be the window's (limit + 1)-th is answered 429 with ``Retry-After`` = the
  whole seconds until the window's oldest request leaves it; refused requests do not count.
- ``latency_ms``: added to every API request, inside its concurrency slot (it holds the slot like a slow
  server does).
- ``session_idle_timeout_s``: a session unused this long expires; its next request is answered 401.
- ``token_lifetime_s``: ``expires_in`` of an OAuth token.
- ``retry_after_s``: ``Retry-After`` of session and concurrency 429s (the per-minute 429 computes its own).

Time comes from ``clock`` (monotonic seconds), so tests can move it instead of sleeping.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Counters of :class:`Stats` (``429`` and ``open_sessions`` are derived when read).
COUNTERS = (
    "requests", "logins", "failed_logins", "logouts", "tokens_issued", "401", "expired_sessions",
    "429_sessions", "429_concurrent_requests", "429_requests_per_minute", "429_burst",
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
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        for name in ("max_sessions", "max_concurrent", "requests_per_minute", "latency_ms", "retry_after_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer (0 = no limit where a limit is meant)")
        for name in ("session_idle_timeout_s", "token_lifetime_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name} must be a number of seconds above 0")
            setattr(self, name, float(value))

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
        self._limits = limits
        self._clock = clock
        self.stats = stats
        self._in_flight = 0
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

    def admit(self) -> Rejection | None:
        """Count an API request in; None when it may be served (then ``release`` it), else the 429."""
        limits = self._limits
        with self._lock:
            self.stats.add("requests")
            if limits.max_concurrent and self._in_flight >= limits.max_concurrent:
                self.stats.add("429_concurrent_requests")
                return Rejection(429, f"API request limit: the licence allows {limits.max_concurrent} concurrent "
                                      "requests.", limits.retry_after_s, "concurrent_requests")
            if limits.requests_per_minute:
                now = self._clock()
                while self._window and now - self._window[0] >= self.WINDOW_SECONDS:
                    self._window.popleft()
                if len(self._window) >= limits.requests_per_minute:
                    wait = self.WINDOW_SECONDS - (now - self._window[0])
                    self.stats.add("429_requests_per_minute")
                    return Rejection(429, f"API request limit: the licence allows {limits.requests_per_minute} "
                                          "requests per minute.", max(1, math.ceil(wait)), "requests_per_minute")
                self._window.append(now)
            self._in_flight += 1
            return None

    def release(self) -> None:
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

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
                return Rejection(429, f"API Login Limit: the licence allows {limit} concurrent API sessions; log "
                                      "out of one first.", self._limits.retry_after_s, "sessions")
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
