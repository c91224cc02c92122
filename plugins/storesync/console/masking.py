"""What the console may show of a DLQ record: card data and secrets masked.

Card data is scrubbed before a record is ever stored (``storesync.privacy``); it is scrubbed again here so a
record stored before that rule, or by another path, still shows nothing a screen must not. Secrets (API keys,
passwords, tokens) have no place in a record either: any key naming one has its value replaced.
"""

from __future__ import annotations

import re
from typing import Any

from storesync.privacy import scrub_card_data

SECRET = "[secret]"
# Key names (lower-case, letters and digits only) whose values are secrets, also as a suffix (``xApiKey``).
_SECRET_NAMES = ("password", "passwd", "pwd", "secret", "token", "apikey", "accesskey", "privatekey",
                 "authorization", "cookie", "sessionid", "clientsecret", "signature")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
# "key=value" / "key: value" inside free text (reasons echo request parameters such as ``_key=…``).
_SECRET_IN_TEXT = re.compile(
    r"(?i)(\b_?(?:api[_-]?key|_key|password|passwd|secret|token|client_secret|authorization)\b\s*[=:]\s*)"
    r"(?:Bearer\s+)?[^\s&,;\"']+")


def is_secret_key(key: Any) -> bool:
    name = _NON_ALNUM.sub("", str(key).lower())
    return name in ("key", "pin") or any(name.endswith(secret) for secret in _SECRET_NAMES)


def mask_text(text: str) -> str:
    return _SECRET_IN_TEXT.sub(lambda m: m.group(1) + SECRET, scrub_card_data(text))


def mask_record(value: Any) -> Any:
    """A copy of ``value`` with card data and secret values masked (keys kept, so the shape stays readable)."""
    value = scrub_card_data(value)
    return _mask_secrets(value)


def _mask_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: (SECRET if is_secret_key(key) and item not in (None, "") else _mask_secrets(item))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_secrets(item) for item in value]
    if isinstance(value, str):
        return _SECRET_IN_TEXT.sub(lambda m: m.group(1) + SECRET, value)
    return value
