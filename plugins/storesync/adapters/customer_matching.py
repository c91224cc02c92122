"""Which ERP customer a storefront customer is: the dedup rule of the customers flow, for every ERP.

Rules, in order: the same e-mail (case and surrounding blanks ignored), then the same normalised name and
postal code (both present); a match is updated, never duplicated, and otherwise the customer is new. How
candidates are read is each ERP adapter's business (SQL for Sage 500, ``$filter`` for Acumatica); the rule
and the ERP-owned fields option are not, so they live here.

A fresh ERP customer id is ``XC`` + the storefront profile id zero-padded to 10 (12 characters: Sage 500's
``CustID`` and Acumatica's ``CustomerID`` take it), so a re-run after a crash finds the same id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from storesync.hooks.errors import PermanentRunError

# Fields a pair may declare the ERP's alone (option ``erp_owned_customer_fields``): an update from the
# storefront leaves them as the ERP has them; they only flow ERP -> storefront.
OWNABLE_FIELDS = ("address", "status", "name", "email", "phone")
DEFAULT_OWNED_FIELDS = ("status",)
NEW_CUSTOMER_PREFIX = "XC"
NEW_CUSTOMER_ID_LENGTH = 12

EMAIL_RULE = "email"
NAME_POSTAL_RULE = "name+postal code"
NEW = "new"


def normalised_email(email: Any) -> str:
    return str(email or "").strip().lower()


def normalised_name(name: str | None) -> str:
    """Accents dropped, lower case, punctuation to blanks, single blanks: "Zoë  O'Brien" -> "zoe o brien"."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


def normalised_postal(code: str | None) -> str:
    """Upper case, letters and digits only: "sw1a 1aa" and "SW1A1AA" are the same postcode."""
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def full_name(record: dict[str, Any]) -> str:
    return f"{record.get('first_name') or ''} {record.get('last_name') or ''}"


def billing_postal(record: dict[str, Any]) -> str | None:
    return (record.get("billing_address") or {}).get("postal_code")


def lookup_values(records: Iterable[tuple[str, dict[str, Any]]]) -> tuple[list[str], list[str]]:
    """The e-mails (normalised) and postal codes (as the storefront has them) to read ERP candidates for."""
    records = list(records)
    emails = sorted({normalised_email(r.get("email")) for _, r in records} - {""})
    postals = sorted({billing_postal(r) or "" for _, r in records} - {""})
    return emails, postals


def new_customer_id(key: str) -> str:
    """The ERP id of a customer we create for storefront profile ``key`` (stable across re-runs)."""
    digits = NEW_CUSTOMER_ID_LENGTH - len(NEW_CUSTOMER_PREFIX)
    return f"{NEW_CUSTOMER_PREFIX}{int(key):0{digits}d}" if key.isdigit() else f"{NEW_CUSTOMER_PREFIX}{key}"[:NEW_CUSTOMER_ID_LENGTH]


class Candidates:
    """ERP customers that might be a storefront customer, indexed the two ways the rule compares them.

    The first customer added under a key wins, so adapters add candidates in a stable order (their key).
    """

    def __init__(self) -> None:
        self.by_email: dict[str, str] = {}
        self.by_name_postal: dict[tuple[str, str], str] = {}

    def add(self, customer_id: str, *, email: str | None = None, name: str | None = None,
            postal: str | None = None) -> None:
        """Index ``customer_id`` under its e-mail, and under name + postal code when both are given."""
        if normalised_email(email):
            self.by_email.setdefault(normalised_email(email), customer_id)
        if name is not None and normalised_postal(postal):
            self.by_name_postal.setdefault((normalised_name(name), normalised_postal(postal)), customer_id)

    def match(self, record: dict[str, Any]) -> tuple[str, str] | None:
        """``(customer id, rule)`` for a canonical customer, or None when the ERP has no such customer."""
        email = normalised_email(record.get("email"))
        if email and email in self.by_email:
            return self.by_email[email], EMAIL_RULE
        postal = billing_postal(record)
        if postal:
            found = self.by_name_postal.get((normalised_name(full_name(record)), normalised_postal(postal)))
            if found is not None:
                return found, NAME_POSTAL_RULE
        return None

    def decide(self, key: str, record: dict[str, Any]) -> tuple[str, str]:
        """``(customer id, rule)``: the match, or a new id for the profile and rule ``new``."""
        return self.match(record) or (new_customer_id(key), NEW)


def owned_fields(options: dict[str, Any] | None) -> tuple[str, ...]:
    """The pair's ERP-owned customer fields (default: status); an unknown name fails naming the valid ones."""
    fields = tuple((options or {}).get("erp_owned_customer_fields", DEFAULT_OWNED_FIELDS) or ())
    unknown = [field for field in fields if field not in OWNABLE_FIELDS]
    if unknown:
        # A typo must fail the run, not silently let the storefront overwrite what the ERP owns.
        raise PermanentRunError(f"customers option 'erp_owned_customer_fields': unknown field {unknown[0]!r}; "
                         f"valid: {', '.join(OWNABLE_FIELDS)}")
    return fields
