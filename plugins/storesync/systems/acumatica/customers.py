"""Acumatica customers: matching storefront customers, writing them with ``PUT Customer``, reading ERP edits.

Matching (dedup) is the rule of :mod:`storesync.adapters.customer_matching`, the one the Sage 500 pair uses
(the same e-mail, then the same normalised name and postal code; a match is updated, never duplicated;
otherwise a new customer ``XC<profile id, 10 digits>`` is created). Candidates are read with ``$filter`` on
the linked contact (``MainContact/Email``, ``MainContact/Address/PostalCode``), a few values per request.

``PUT Customer`` creates or updates by ``CustomerID`` and leaves every field it is not sent as it is. So on
an update the fields the ERP owns (pair option ``erp_owned_customer_fields``, e.g. status) are left out of
the body, and so is every empty value on either action: no storefront gap ever clears what Acumatica has
(Sage's staging reads NULL the same way). The address is the exception on an update: it is sent as one
unit, its empty fields included (a new address without a state clears the old one's), only its unknown
(None) fields left out. A refusal (422) goes to the DLQ naming each field Acumatica named.

ERP edits are the customers whose ``LastModifiedDateTime`` lies in the window; that a main-contact or address
edit moves the customer's own timestamp holds in the emulator and is assumed of a real instance (Sage 500 is
read on both the customer's and the address's UpdateDate for that reason).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from storesync.systems.acumatica.reads import any_of, changed_between, chunks, pick, text
from storesync.adapters.base import LoadOutcome
from storesync.adapters.customer_matching import NEW, Candidates, lookup_values, owned_fields
from storesync.systems.acumatica.wire import odata_string
from storesync.hooks.errors import PermanentRecordError

ERP = "Acumatica"
EXPAND = ("MainContact", "MainContact/Address")
# Values per $filter: 20 e-mails make a query string of about 1.5 KB, far below common URL limits.
MATCH_CHUNK = 20
# Where each ownable canonical field lives in a Customer body (dotted paths).
OWNED_PATHS = {
    "address": ("MainContact.Address",),
    "status": ("Status",),
    "name": ("CustomerName", "MainContact.FirstName", "MainContact.LastName"),
    "email": ("MainContact.Email",),
    "phone": ("MainContact.Phone1",),
}
CUSTOMER_FIELDS = ("CustomerID", "CustomerName", "Status", "CustomerClass", "LastModifiedDateTime")
CONTACT_FIELDS = ("Email", "Phone1", "FirstName", "LastName")
ADDRESS_FIELDS = ("AddressLine1", "AddressLine2", "City", "State", "PostalCode", "Country")


# -- storefront -> ERP --------------------------------------------------------------------------------------

def _contact(customer: dict[str, Any]) -> dict[str, Any]:
    contact = customer.get("MainContact")
    return contact if isinstance(contact, dict) else {}


def _address(customer: dict[str, Any]) -> dict[str, Any]:
    address = _contact(customer).get("Address")
    return address if isinstance(address, dict) else {}


def existing_customers(client, emails: list[str], postals: list[str]) -> Candidates:
    """Acumatica customers with one of ``emails`` (matched by e-mail) or ``postals`` (by name + postal code)."""
    candidates = Candidates()
    for chunk in chunks(emails, MATCH_CHUNK):
        for customer in _listed(client, any_of("MainContact/Email", chunk, odata_string)):
            candidates.add(customer["CustomerID"], email=_contact(customer).get("Email"))
    # Postal codes are stored as typed; the rule compares them normalised over these candidates.
    for chunk in chunks(postals, MATCH_CHUNK):
        for customer in _listed(client, any_of("MainContact/Address/PostalCode", chunk, odata_string)):
            candidates.add(customer["CustomerID"], name=customer.get("CustomerName"),
                           postal=_address(customer).get("PostalCode"))
    return candidates


def _listed(client, condition: str) -> list[dict[str, Any]]:
    """Customers matching ``condition``, with their ids stripped, in CustomerID order (the first match wins)."""
    found = []
    for customer in client.list("Customer", filter=condition, expand=EXPAND):
        customer_id = text(customer.get("CustomerID"))
        if customer_id:
            found.append({**customer, "CustomerID": customer_id})
    return sorted(found, key=lambda customer: customer["CustomerID"])


def prepare_customers(client, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per customer: the CustomerID to write (matched or new), the rule that matched, and create/update."""
    candidates = existing_customers(client, *lookup_values(records))
    contexts = {}
    for key, record in records:
        customer_id, rule = candidates.decide(key, record)
        contexts[key] = {"customer_id": customer_id, "match": rule, "action": "create" if rule == NEW else "update"}
    return contexts


def _without(body: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node.pop(last, None)


def _without_empty(value: Any) -> Any:
    """The body minus empty values and the linked records they leave empty (PUT keeps what it is not sent)."""
    if isinstance(value, dict):
        kept = {name: _without_empty(item) for name, item in value.items()}
        return {name: item for name, item in kept.items() if item not in (None, "", {})}
    return value


def _whole_address(address: Any) -> Any:
    """A sent address as one unit: its known-empty fields ("") are sent too, its unknown ones (None) are not.

    An address is replaced, not patched field by field: a customer who moves from Chicago, IL to München
    (no state) must not keep State IL, which would then flow back to the storefront as an edit and be pushed
    again next run as a change. A field the storefront cannot know (None, e.g. X-Cart's complex profile has
    no second street line) is left to Acumatica. An address with no value at all is not sent.
    """
    if not isinstance(address, dict) or all(value in (None, "") for value in address.values()):
        return None
    return {name: value for name, value in address.items() if value is not None}


def customer_body(record: dict[str, Any], owned: tuple[str, ...]) -> dict[str, Any]:
    """The PUT body of a mapped customer: loader-steering "_" fields out, owned fields out on an update."""
    body = copy.deepcopy({name: value for name, value in record.items() if not str(name).startswith("_")})
    if record.get("_action") == "update":
        for field in owned:
            for path in OWNED_PATHS[field]:
                _without(body, path)
    # A create has nothing to clear: its empty fields are simply not sent.
    address = _whole_address(_address(body)) if record.get("_action") == "update" else None
    body = _without_empty(body)
    if address is not None:
        body.setdefault("MainContact", {})["Address"] = address
    return body


def refusal(key: str, customer_id: str, exc: PermanentRecordError) -> LoadOutcome:
    """A DLQ outcome naming every field Acumatica refused (422), or its message when it named none."""
    fields = dict(getattr(exc, "field_errors", None) or {})
    failed = [f"{path}: {message}" for path, message in sorted(fields.items())]
    summary = getattr(exc, "record_error", None) or str(exc)
    named = "; ".join(f"field {path}: {message}" for path, message in sorted(fields.items())) or summary
    return LoadOutcome(key, "dlq", f"customer {key}: {ERP} refused customer {customer_id}: {named}",
                       reason_code="erp_rejected", failed=failed or [summary])


def load_customers(client, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    owned = owned_fields(options)
    outcomes = []
    for key, record in records:
        customer_id = record["CustomerID"]
        creating = record.get("_action") == "create"
        try:
            # If-None-Match: * on a create never overwrites a customer someone else made with the same id;
            # If-Match: * on an update never creates one that was deleted meanwhile (412 either way: DLQ).
            client.put("Customer", customer_body(record, owned), mode="insert" if creating else "update")
        except PermanentRecordError as exc:
            outcomes.append(refusal(key, customer_id, exc))
            continue
        verb = "created" if record.get("_action") == "create" else f"updated (matched by {record.get('_match')})"
        outcomes.append(LoadOutcome(key, "loaded", f"{verb} {ERP} customer {customer_id}",
                                    target_id=customer_id, target_ref=customer_id))
    return outcomes


# -- ERP -> storefront --------------------------------------------------------------------------------------

def _customer(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    customer = pick(record, CUSTOMER_FIELDS, texts=("CustomerID", "CustomerName", "Status", "CustomerClass"),
                    times=("LastModifiedDateTime",))
    contact = pick(_contact(record), CONTACT_FIELDS, texts=CONTACT_FIELDS)
    contact["Address"] = pick(_address(record), ADDRESS_FIELDS, texts=ADDRESS_FIELDS)
    customer["MainContact"] = contact
    return customer["CustomerID"] or "", customer


def read_customers(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Customers (with main contact and its address) Acumatica changed in the window."""
    for record in client.list("Customer", filter=changed_between(since, until), expand=EXPAND):
        yield _customer(record)


def read_customers_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named customers (re-sync, DLQ replay), whatever their dates; unknown ids are left out."""
    for key in dict.fromkeys(k.strip() for k in keys if k.strip()):
        record = client.get("Customer", key, expand=EXPAND)
        if record is not None:
            yield _customer(record)
