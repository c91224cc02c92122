"""One Intacct company's XML gateway: sessions, many functions per request, idempotent creates, paging.

The client holds no connection lookup (the hook builds it). What it does, and where Intacct says so:

- **Session per client** (intacct-sdk-php ``SessionProvider.php``; developer.intacct.com api-sessions): the
  first request signs in with the login credentials at the general endpoint and asks ``getAPISession`` alone;
  the answer's session ID and *endpoint* (the company's own) are used from then on. A session rejected at
  the authentication level (it timed out, or was ended) is renewed once and the request resent: no function
  of a rejected request ran, so the resend cannot double anything.
- **Many functions per request** with an outcome per function: a function's failure is that record's (its
  errorno, description, description2, correction), the others still run (error-handling "Business logic
  errors"). ``transaction=True`` asks for all-or-nothing (``OperationBlock.php``).
- **Idempotent creates** (:meth:`IntacctClient.create_once`): every request goes with ``uniqueid`` true and
  every write with a control ID derived from the storefront reference, so a resend after a lost answer is
  refused instead of posted twice; any failed keyed create is then looked up, and found means "already
  posted", never "post again".
- **Budget**: every HTTP request first takes a token from the connection's limiter (shared across tasks,
  ``storesync.hooks.ratelimit``); 429/``GW-0010`` waits with exponential backoff (Intacct sends no
  Retry-After), 5xx and lost connections retry through the :class:`RetryPolicy`.
- **Metering**: :attr:`IntacctClient.meter` counts HTTP requests, functions and the API transactions they are
  expected to cost (Intacct bills transactions per month; see ``Function.metered_units``).

Nothing here logs a request body or puts one in an error: bodies carry the sender and user passwords.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from storesync.hooks.errors import PermanentRunError, RateLimited, TransientError
from storesync.hooks.ratelimit import Unlimited
from storesync.hooks.retry import RetryPolicy
from storesync.systems.intacct.classify import (
    AuthenticationRejected,
    classify_answer,
    describe,
    is_duplicate,
    is_rolled_back_only,
)
from storesync.systems.intacct.functions import (
    Function,
    KeyedCreate,
    Lookup,
    ReadByQueryPaginator,
    get_api_session,
)
from storesync.systems.intacct.wire import (
    Credentials,
    ErrorDetail,
    Response,
    Result,
    envelope,
    login_authentication,
    session_authentication,
)

#: Functions per request when the caller sends more (our choice; Intacct documents no figure). A request of
#: 100 creates keeps requests per order far under the quota target (≤ 0.05) without huge answers.
MAX_FUNCTIONS_PER_REQUEST = 100


@dataclass
class ClientMeter:
    """What this client sent: the quota benchmark's numbers. Safe to count from several threads."""

    requests: int = 0
    functions: int = 0
    metered_units: int = 0
    sessions: int = 0
    by_function: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, functions: Sequence[Function]) -> None:
        with self._lock:
            self.requests += 1
            self.functions += len(functions)
            self.metered_units += sum(f.metered_units for f in functions)
            self.by_function.update(f.name for f in functions)

    def count_session(self) -> None:
        with self._lock:
            self.sessions += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "functions": self.functions, "metered_units": self.metered_units,
                    "sessions": self.sessions, "by_function": dict(self.by_function)}


@dataclass
class Outcome:
    """One function's outcome in a request: the function sent and Intacct's result for it."""

    function: Function
    result: Result

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def record(self) -> str:
        return self.function.label

    @property
    def errors(self) -> tuple[ErrorDetail, ...]:
        return self.result.errors

    @property
    def key(self) -> str | None:
        return self.result.key

    @property
    def duplicate(self) -> bool:
        return not self.ok and is_duplicate(self.errors)

    @property
    def rolled_back(self) -> bool:
        """Not run, or undone, because another function of the transaction failed: retry, don't DLQ."""
        return self.status == "aborted" or (not self.ok and is_rolled_back_only(self.errors))

    def attribute(self, name: str, default: str = "") -> str:
        return self.result.attribute(name, default)

    def rows(self) -> list[Any]:
        return self.result.rows()


@dataclass
class CreateOutcome:
    """What became of one keyed create.

    ``status``: ``created`` (this call made it), ``already_posted`` (an earlier attempt made it: found by the
    look-up), ``failed`` (Intacct refused it: DLQ with ``errors``), ``aborted`` (its transaction failed
    elsewhere: nothing was made, send it again).
    """

    reference: str
    status: str
    key: str | None = None
    record: dict[str, Any] | None = None
    errors: tuple[ErrorDetail, ...] = ()

    @property
    def posted(self) -> bool:
        return self.status in ("created", "already_posted")


class IntacctClient:
    def __init__(
        self,
        http: requests.Session,
        *,
        endpoint: str,
        credentials: Credentials,
        timeout: float = 30.0,
        page_size: int = 1000,
        retry: RetryPolicy | None = None,
        limiter=None,
        throttle_base_delay: float = 1.0,
        throttle_max_delay: float = 60.0,
        max_functions_per_request: int = MAX_FUNCTIONS_PER_REQUEST,
        mask: Callable[[str], None] = lambda secret: None,
    ) -> None:
        self._http = http
        self.endpoint = endpoint
        self._credentials = credentials
        self.timeout = timeout
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or Unlimited()
        self.throttle_base_delay = throttle_base_delay
        self.throttle_max_delay = throttle_max_delay
        self.max_functions_per_request = max_functions_per_request
        self._mask = mask
        self.meter = ClientMeter()
        self._session_lock = threading.Lock()
        self._sessionid: str | None = None
        self.session_endpoint: str | None = None
        self.entity_id: str | None = credentials.entity_id
        self._throttles = 0

    @property
    def company_id(self) -> str:
        return self._credentials.company_id

    # -- sessions --------------------------------------------------------------------------------------------

    def open_session(self) -> str:
        """Sign in and take a session; returns the endpoint requests go to from now on."""
        with self._session_lock:
            self._sessionid, self.session_endpoint = self._new_session()
            return self.session_endpoint

    def _session(self) -> tuple[str, str]:
        with self._session_lock:
            if self._sessionid is None or self.session_endpoint is None:
                self._sessionid, self.session_endpoint = self._new_session()
            return self._sessionid, self.session_endpoint

    def _renew(self, rejected: str) -> tuple[str, str]:
        with self._session_lock:
            if self._sessionid == rejected:  # another thread may have renewed it already
                self._sessionid, self.session_endpoint = self._new_session()
            return self._sessionid, self.session_endpoint  # type: ignore[return-value]

    def _new_session(self) -> tuple[str, str]:
        # getAPISession alone, signed in with the login (SessionProvider.php); the entity, when there is
        # one, is the login's locationid (LoginAuthentication.php).
        what = f"Intacct sign-in to company {self.company_id}"
        function = get_api_session()
        sent = self._exchange(self.endpoint, login_authentication(self._credentials), [function],
                              transaction=False, what=what)
        outcome = self._outcomes([function], *sent, what=what)[0]
        if not outcome.ok:
            raise PermanentRunError(f"{what}: getAPISession failed: {describe(outcome.errors)}")
        api = outcome.result.data.find("api") if outcome.result.data is not None else None
        sessionid = (api.findtext("sessionid") or "").strip() if api is not None else ""
        endpoint = (api.findtext("endpoint") or "").strip() if api is not None else ""
        if not sessionid or urlsplit(endpoint).scheme not in ("http", "https"):
            raise TransientError(f"{what}: getAPISession answered without a session ID and endpoint")
        self._mask(sessionid)  # a session ID signs requests like a password does
        locationid = (api.findtext("locationid") or "").strip()
        self.entity_id = locationid or None
        self.meter.count_session()
        return sessionid, endpoint

    # -- requests --------------------------------------------------------------------------------------------

    def execute(self, functions: Sequence[Function], *, transaction: bool = False) -> list[Outcome]:
        """Send ``functions`` (in requests of at most ``max_functions_per_request``) on the session and return
        one outcome per function, in order. Function failures are outcomes, not exceptions; transport,
        control and authentication failures raise (classify.py)."""
        functions = list(functions)
        if not functions:
            return []
        stable = [f.controlid for f in functions if f.controlid is not None]
        if len(stable) != len(set(stable)):
            raise ValueError("two functions of one call share a control ID: the second would be refused")
        size = self.max_functions_per_request
        if transaction and len(functions) > size:
            raise ValueError(f"a transaction holds at most {size} functions (one request)")
        outcomes: list[Outcome] = []
        for start in range(0, len(functions), size):
            chunk = functions[start:start + size]
            what = f"Intacct {_summary(chunk)} for company {self.company_id}"
            outcomes.extend(self.retry.call(lambda chunk=chunk, what=what: self._on_session(chunk, transaction, what),
                                            what=what))
        return outcomes

    def execute_one(self, function: Function) -> Outcome:
        return self.execute([function])[0]

    def _on_session(self, functions: list[Function], transaction: bool, what: str) -> list[Outcome]:
        sessionid, url = self._session()
        try:
            sent = self._exchange(url, session_authentication(sessionid), functions, transaction, what)
        except AuthenticationRejected:
            # The session timed out or was ended; nothing ran. Renew once: a second refusal is not a session
            # problem (the sender lost its authorisation, the user was disabled) and fails the run.
            sessionid, url = self._renew(sessionid)
            sent = self._exchange(url, session_authentication(sessionid), functions, transaction, what)
        return self._outcomes(functions, *sent, what=what)

    def _exchange(self, url: str, authentication, functions: list[Function], transaction: bool,
                  what: str) -> tuple[list[str], Response]:
        """One HTTP exchange: the control IDs the functions were sent under, and the classified answer."""
        # Reads get a fresh control ID per attempt (a resent read is not a duplicate); writes keep theirs.
        controlids = [f.controlid or f"read-{uuid.uuid4().hex}" for f in functions]
        body = envelope(self._credentials, controlid=f"storesync-{uuid.uuid4().hex}", authentication=authentication,
                        functions=zip(controlids, (f.body for f in functions)), transaction=transaction,
                        uniqueid=True)
        self.limiter.acquire()
        self.meter.count(functions)
        try:
            answer = self._http.post(url, data=body, headers={"Content-Type": "application/xml"},
                                     timeout=self.timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(f"{what}: {type(exc).__name__} (the request may have run; writes are keyed)") from None
        try:
            response = classify_answer(answer.status_code, answer.headers.get("Content-Type", ""), answer.content,
                                       what=what)
        except RateLimited as throttled:
            self._throttles += 1
            delay = min(self.throttle_max_delay, self.throttle_base_delay * 2 ** (self._throttles - 1))
            throttled.retry_after = delay * random.uniform(0.5, 1.0)  # spread parallel tasks' retries
            raise
        self._throttles = 0
        return controlids, response

    @staticmethod
    def _outcomes(functions: list[Function], controlids: list[str], response: Response, *,
                  what: str) -> list[Outcome]:
        by_controlid = {result.controlid: result for result in response.results}
        outcomes = []
        for function, controlid in zip(functions, controlids):
            result = by_controlid.get(controlid)
            if result is None:
                raise TransientError(f"{what}: the answer has no result for function {function.label}")
            outcomes.append(Outcome(function, result))
        return outcomes

    # -- reads -----------------------------------------------------------------------------------------------

    def pages(self, paginator) -> Iterator[Outcome]:
        """Each page's outcome: ``paginator.first()``, then ``paginator.next(page)`` until it answers None."""
        function = paginator.first()
        received = 0
        while function is not None:
            outcome = self.execute_one(function)
            if not outcome.ok:
                if function.name == "readMore":
                    # The result set is gone (expired, or an answer was lost and the server moved on): only a
                    # fresh read can account for every row.
                    raise TransientError(f"Intacct readMore of {paginator.object} failed: {describe(outcome.errors)}"
                                         "; read again from the start")
                raise PermanentRunError(f"Intacct {function.name} of {paginator.object} failed: "
                                        f"{describe(outcome.errors)}")
            received += len(outcome.result.data) if outcome.result.data is not None else 0
            yield outcome
            function = paginator.next(outcome)
        if getattr(paginator, "exact_total", False) and paginator.totalcount not in (None, received):
            raise TransientError(f"Intacct {paginator.object}: read {received} of {paginator.totalcount} rows "
                                 "(a page went missing); read again from the start")

    def iter_rows(self, paginator) -> Iterator[Any]:
        for outcome in self.pages(paginator):
            yield from outcome.rows()

    def read_by_query(self, obj: str, query: str = "", *, fields: str | Sequence[str] = "*",
                      docparid: str | None = None) -> Iterator[Any]:
        """Every row of ``obj`` matching ``query``, in pages of the connection's ``page_size``."""
        return self.iter_rows(ReadByQueryPaginator(obj, query, fields, page_size=self.page_size, docparid=docparid))

    def find(self, lookups: Sequence[Lookup]) -> list[dict[str, Any] | None]:
        """The first record each look-up finds, or None; all look-ups in as few requests as the batch allows."""
        outcomes = self.execute([lookup.function() for lookup in lookups])
        found: list[dict[str, Any] | None] = []
        for lookup, outcome in zip(lookups, outcomes):
            if not outcome.ok:
                raise PermanentRunError(f"Intacct look-up of {lookup.object} by {lookup.field} failed: "
                                        f"{describe(outcome.errors)}")
            rows = outcome.rows()
            found.append(rows[0] if rows else None)
        return found

    # -- idempotent creates ----------------------------------------------------------------------------------

    def create_once(self, creates: Sequence[KeyedCreate], *, transaction: bool = False) -> list[CreateOutcome]:
        """Send keyed creates; every one ends created, already posted, failed (with Intacct's errors) or
        aborted (its transaction failed elsewhere). A failed create is looked up before it is called failed:
        a refusal of a control ID that ran before is "already posted" whatever its errorno (the duplicate
        refusal's number is unpublished), and a look-up is one query, far cheaper than a duplicate order."""
        outcomes = self.execute([c.function for c in creates], transaction=transaction)
        results: list[CreateOutcome | None] = []
        suspects: list[int] = []
        for index, (create, outcome) in enumerate(zip(creates, outcomes)):
            reference = create.function.label
            if outcome.ok:
                rows = outcome.rows()
                record = rows[0] if rows and isinstance(rows[0], dict) else None
                key = outcome.key or (_record_key(record, create.lookup) if record else None)
                results.append(CreateOutcome(reference, "created", key, record))
            elif outcome.rolled_back:
                results.append(CreateOutcome(reference, "aborted", errors=outcome.errors))
            else:
                results.append(None)
                suspects.append(index)
        if suspects:
            found = self.find([creates[i].lookup for i in suspects])
            for index, record in zip(suspects, found):
                create, outcome = creates[index], outcomes[index]
                if record is not None:
                    results[index] = CreateOutcome(create.function.label, "already_posted",
                                                   _record_key(record, create.lookup), record)
                else:
                    results[index] = CreateOutcome(create.function.label, "failed", errors=outcome.errors)
        return [r for r in results if r is not None]


def _record_key(record: dict[str, Any], lookup: Lookup) -> str | None:
    for name in (*lookup.select, "RECORDNO"):
        value = record.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _summary(functions: Sequence[Function]) -> str:
    counts = Counter(f.name for f in functions)
    return ", ".join(f"{n}×{name}" if n > 1 else name for name, n in counts.items())
