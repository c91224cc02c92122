"""Secrets never reach a log in any form they take on the wire (issue 14, finding 7).

Airflow's secrets masker replaces the exact text of every secret registered with ``mask_secret``. A secret
rarely travels as its exact text: the X-Cart key sits percent-encoded in the query string that urllib3
prints at DEBUG (``_key=rw%2Fkey%2B3f``), a database password percent-encoded in a SQLAlchemy URL, a
token base64-encoded in an ``Authorization: Basic`` header. Two layers, installed by ``install()`` (every
sync task calls it as it starts; it is idempotent):

1. The masker's *adapter* (Airflow's ``[logging] secret_mask_adapter`` hook, chained to one configured
   there) turns every secret registered from then on — by our hooks, by Airflow for connection passwords, by
   the alert channels — into all its forms: percent-encoded (``quote`` with and without safe characters,
   ``quote_plus``, SQLAlchemy's URL quoting, lower-case hex), JSON-escaped, and base64 (alone, and the part
   of it that any base64 text holding the secret at any offset must contain, which covers
   ``base64(login:secret)`` whatever the login).
2. A filter on the loggers of the HTTP and database libraries (urllib3, requests, httpx, SQLAlchemy)
   blanks the values of credential-like query parameters (``_key``, ``token``, ``password``, ...) and the
   password of any ``scheme://user:password@host`` URL, registered or not — so a secret the masker never
   heard of (a worker with masking off, a script) still does not leak through those libraries at DEBUG.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

__all__ = ["install", "secret_forms", "mask_secret_forms", "redact_credentials", "LIBRARY_LOGGERS"]

REDACTED = "***"
# Loggers of libraries that print URLs or connection strings at DEBUG.
LIBRARY_LOGGERS = ("urllib3", "urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", "requests",
                   "httpx", "httpcore", "sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool",
                   "sqlalchemy.pool.impl.QueuePool")
_CREDENTIAL_PARAMETERS = ("_key", "key", "api_key", "apikey", "api-key", "token", "access_token", "auth",
                          "password", "passwd", "pwd", "secret", "client_secret", "signature", "sig", "code")
_QUERY_CREDENTIAL = re.compile(
    r"(?i)([?&;](?:%s)=)([^&;#\s\"'<>]+)" % "|".join(re.escape(name) for name in _CREDENTIAL_PARAMETERS))
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^:/@\s\"']*:)([^@/\s\"']+)(@)")
_MIN_FORM_LENGTH = 5  # Airflow's default min_length_masked_secret: shorter forms would mask ordinary text


def redact_credentials(text: str) -> str:
    """``text`` with credential query parameters and URL passwords replaced by ``***``."""
    if "=" in text:
        text = _QUERY_CREDENTIAL.sub(lambda m: m.group(1) + REDACTED, text)
    if "@" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    return text


def _base64_cores(secret: bytes) -> set[str]:
    """Per alignment (the secret starting at byte offset 0, 1 or 2 of a base64 block), the base64 characters
    that depend on the secret alone: any base64 text holding the secret contains one of them."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret).decode()
        first_block = -(-offset // 3)              # the first 3-byte block made of secret bytes only
        last_block = (offset + len(secret)) // 3   # blocks ending inside the secret
        core = encoded[4 * first_block: 4 * last_block]
        if len(core) >= 8:  # shorter cores would match ordinary base64 by chance
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))  # URL-safe alphabet
    return cores


def secret_forms(secret: str) -> list[str]:
    """Every form ``secret`` takes on the wire (percent-encoded, JSON-escaped, base64), without ``secret`` itself."""
    if not isinstance(secret, str) or not secret:
        return []
    forms = {quote(secret, safe=""), quote(secret), quote_plus(secret), quote(secret, safe="/:@"),
             re.sub(r"[:@/]", lambda m: f"%{ord(m.group()):X}", secret),  # SQLAlchemy's URL quoting of a password
             json.dumps(secret)[1:-1], base64.b64encode(secret.encode()).decode(),
             base64.b64encode(secret.encode()).decode().rstrip("=")}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), form) for form in list(forms)}
    forms |= _base64_cores(secret.encode())
    return sorted(form for form in forms if form != secret and len(form) >= _MIN_FORM_LENGTH)


def mask_secret_forms(secret: str | None, *, login: str | None = None) -> None:
    """Register ``secret`` and all its forms with Airflow's masker (also ``base64(login:secret)``)."""
    if not secret:
        return
    from airflow.sdk.log import mask_secret

    mask_secret(secret)
    for form in secret_forms(secret):
        mask_secret(form)
    if login:
        mask_secret(base64.b64encode(f"{login}:{secret}".encode()).decode())


class LibraryCredentialFilter(logging.Filter):
    """Blanks credentials in URLs the HTTP and database libraries print (see ``redact_credentials``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is left to the handler's own error
            return True
        redacted = redact_credentials(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = LibraryCredentialFilter()


def _adapter(previous: Callable[[str], Iterable[str] | str] | None) -> Callable[[str], list[str]]:
    def adapt(secret: str) -> list[str]:
        forms = secret_forms(secret)
        if previous is not None:
            extra = previous(secret)
            forms += [extra] if isinstance(extra, str) else list(extra)
        return forms

    adapt.storesync_forms = True  # type: ignore[attr-defined]
    return adapt


def _maskers() -> list:
    maskers = []
    for module in ("airflow.sdk._shared.secrets_masker", "airflow._shared.secrets_masker"):
        try:
            maskers.append(__import__(module, fromlist=["_secrets_masker"])._secrets_masker())
        except Exception:  # noqa: BLE001 - a layout without that masker
            continue
    return maskers


def install() -> None:
    """Install both layers (idempotent; cheap enough to call at the start of every task)."""
    for masker in _maskers():
        current = getattr(masker, "secret_mask_adapter", None)
        if not getattr(current, "storesync_forms", False):
            masker.secret_mask_adapter = _adapter(current)
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
