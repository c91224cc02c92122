"""``IntacctHook``: an Airflow connection of type "intacct" → :class:`IntacctClient`.

Connection: host = gateway URL (the general endpoint; the client moves to the company's own endpoint that
``getAPISession`` returns), login = Web Services user ID, password = its password; extras ``sender_id``,
``sender_password`` (secret), ``company_id``, ``entity_id`` (optional location), ``page_size``, ``timeout``,
``max_attempts``, ``retry_base_delay``, ``throttle_base_delay``, ``max_rate_limit_wait``, and the request
budget ``requests_per_minute`` / ``max_concurrency`` (``storesync.hooks.ratelimit``). Form: connection.py.

The credentials travel inside the XML body only: the hook keeps HttpHook from turning login/password into an
HTTP Basic header and the extras into request headers, and masks both passwords and every session ID.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.providers.http.hooks.http import HttpHook
from storesync.hooks.errors import PermanentRunError
from storesync.hooks.http_session import settle_environment
from storesync.hooks.ratelimit import limiter_from_extras
from storesync.hooks.retry import RetryPolicy
from storesync.forms import form_extras
from storesync.systems.intacct.client import IntacctClient
from storesync.systems.intacct.connection import CONNECTION_FIELDS, UI_FIELD_BEHAVIOUR
from storesync.systems.intacct.wire import Credentials

_REQUIRED_EXTRAS = ("sender_id", "sender_password", "company_id")


class IntacctHook(HttpHook):
    conn_name_attr = "intacct_conn_id"
    default_conn_name = "intacct_default"
    conn_type = "intacct"
    hook_name = "Sage Intacct (XML Web Services)"

    def __init__(self, intacct_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(method="POST", http_conn_id=intacct_conn_id, **kwargs)
        self.intacct_conn_id = intacct_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        form = UI_FIELD_BEHAVIOUR
        return {**form, "placeholders": {**form["placeholders"], "extra": json.dumps(
            {"sender_id": "…", "sender_password": "…", "company_id": "…", "entity_id": None})}}

    def _configure_session_from_auth(self, session, connection):
        session.auth = None  # the user ID and password go in the XML <login>, never in an HTTP header
        return session

    def _configure_session_from_extra(self, session, connection, extra_options):
        session = super()._configure_session_from_extra(session, connection, extra_options)
        for name in CONNECTION_FIELDS:  # settings and the sender password must never travel as headers
            session.headers.pop(name, None)
        return session

    def get_client(self, *, retry: RetryPolicy | None = None, slots: int = 1) -> IntacctClient:
        """The client of this connection; ``slots``: pool slots the task holds (its share of the budget)."""
        connection = self.get_connection(self.intacct_conn_id)
        extra = form_extras(connection.extra_dejson)
        missing = [label for label, value in (("login (user ID)", connection.login),
                                              ("password (user password)", connection.password))
                   if not value]
        missing += [f"extra '{name}'" for name in _REQUIRED_EXTRAS if not extra.get(name)]
        if missing:
            raise PermanentRunError(f"connection '{self.intacct_conn_id}' lacks {', '.join(missing)}")
        for secret in (connection.password, extra["sender_password"]):
            _mask(str(secret))
        session = settle_environment(self.get_conn(), self.base_url)
        credentials = Credentials(
            sender_id=str(extra["sender_id"]), sender_password=str(extra["sender_password"]),
            user_id=connection.login, company_id=str(extra["company_id"]), user_password=connection.password,
            entity_id=str(extra["entity_id"]) if extra.get("entity_id") else None)
        policy = retry or RetryPolicy(max_attempts=int(extra.get("max_attempts", 4)),
                                      base_delay=float(extra.get("retry_base_delay", 0.5)),
                                      max_rate_limit_wait=float(extra.get("max_rate_limit_wait", 300)))
        return IntacctClient(
            session,
            endpoint=self.base_url,
            credentials=credentials,
            timeout=float(extra.get("timeout", 60)),
            page_size=int(extra.get("page_size", 1000)),
            retry=policy,
            limiter=limiter_from_extras(extra, slots=slots),
            throttle_base_delay=float(extra.get("throttle_base_delay", 1.0)),
            mask=_mask,
        )

    def test_connection(self) -> tuple[bool, str]:
        try:
            client = self.get_client(retry=RetryPolicy(max_attempts=1, max_rate_limit_wait=0))
            client.open_session()
        except Exception as exc:  # noqa: BLE001 - the UI wants the reason, not a traceback
            return False, str(exc)
        entity = f", entity {client.entity_id}" if client.entity_id else ""
        return True, f"Signed in to Intacct company {client.company_id}{entity}; session endpoint reached"


def _mask(secret: str) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older SDK layout
        from airflow.sdk.execution_time.secrets_masker import mask_secret
    mask_secret(secret)
