"""Intacct customers: matching storefront customers, writing them (``create``/``update`` CUSTOMER), reading
Intacct's edits.

Matching is the shared rule (:mod:`storesync.adapters.customer_matching`: the same e-mail, then the same
normalised name and postal code; a match is updated, never duplicated; otherwise a new customer
``XC<profile id, 10 digits>``). Candidates are read with one ``query`` per chunk of values on
``DISPLAYCONTACT.EMAIL1`` (``options/caseinsensitive``: e-mails are compared without case) and on
``DISPLAYCONTACT.MAILADDRESS.ZIP``.

Writes (generic ``create``/``update`` of CUSTOMER, fields as docs/intacct.md audits them from intacct-sdk-php
``CustomerCreateTest``/``CustomerUpdateTest``: CUSTOMERID, NAME, STATUS, DISPLAYCONTACT with PRINTAS,
FIRSTNAME, LASTNAME, EMAIL1, PHONE1, MAILADDRESS ADDRESS1, ADDRESS2, CITY, STATE, ZIP, COUNTRYCODE):

- a **create** is keyed (control ID ``customer:<CUSTOMERID>``, ``client.create_once``): a resend after a lost
  answer is refused and looked up by CUSTOMERID, never made twice;
- an **update** names the customer by CUSTOMERID and leaves out the fields the ERP owns (pair option
  ``erp_owned_customer_fields``, status by default) and every empty value; the address goes as one unit,
  its empty fields sent empty (a move to a place without a state drops the old state; that an empty element
  clears an Intacct field is how the emulator reads it, *unverified* against a live company). Updates
  are idempotent, so their control ID is new per load call (:func:`~.loading.update_controlid`).

All creates and updates of a batch travel in as few requests as the client allows; a refused customer is
that record's DLQ entry with Intacct's errorno and description2, the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.customer_matching import NEW, Candidates, lookup_values, owned_fields
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.loading import (
    ERP,
    aborted,
    flatten,
    changed_between,
    nested,
    refused,
    rows_where_in,
    text,
    unflatten,
    update_controlid,
)

OBJECT = "CUSTOMER"
EMAIL = "DISPLAYCONTACT.EMAIL1"
ZIP = "DISPLAYCONTACT.MAILADDRESS.ZIP"
ADDRESS = "DISPLAYCONTACT.MAILADDRESS."
#: Where each ownable canonical field lives in a mapped customer (dotted Intacct names; a trailing "." is a
#: prefix: the whole address).
OWNED_PATHS = {
    "address": (ADDRESS,),
    "status": ("STATUS",),
    "name": ("NAME", "DISPLAYCONTACT.PRINTAS", "DISPLAYCONTACT.FIRSTNAME", "DISPLAYCONTACT.LASTNAME"),
    "email": (EMAIL,),
    "phone": ("DISPLAYCONTACT.PHONE1",),
}
#: What the customers flow reads back (ERP → storefront) and the raw suite checks.
READ_FIELDS = ("RECORDNO", "CUSTOMERID", "NAME", "STATUS", "CUSTTYPE", "CURRENCY", "ONHOLD",
               "DISPLAYCONTACT.FIRSTNAME", "DISPLAYCONTACT.LASTNAME", EMAIL, "DISPLAYCONTACT.PHONE1",
               "DISPLAYCONTACT.MAILADDRESS.ADDRESS1", "DISPLAYCONTACT.MAILADDRESS.ADDRESS2",
               "DISPLAYCONTACT.MAILADDRESS.CITY", "DISPLAYCONTACT.MAILADDRESS.STATE", ZIP,
               "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE", "WHENMODIFIED")


# -- storefront -> ERP --------------------------------------------------------------------------------------

def existing_customers(client, emails: list[str], postals: list[str]) -> Candidates:
    """Intacct customers with one of ``emails`` (matched by e-mail) or ``postals`` (by name + postal code)."""
    candidates = Candidates()
    select = ("CUSTOMERID", "NAME", EMAIL, ZIP)
    # Rows come in RECORDNO order: the oldest customer wins a tie, on every run alike.
    for row in rows_where_in(client, OBJECT, select, EMAIL, emails, case_insensitive=True):
        candidates.add(row["CUSTOMERID"], email=row.get(EMAIL))
    for row in rows_where_in(client, OBJECT, select, ZIP, postals):
        candidates.add(row["CUSTOMERID"], name=row.get("NAME"), postal=row.get(ZIP))
    return candidates


def prepare_customers(client, records: list[tuple[str, dict[str, Any]]],
                      options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per customer: the CUSTOMERID to write (matched or new), the rule that matched, and create/update."""
    candidates = existing_customers(client, *lookup_values(records))
    contexts = {}
    for key, record in records:
        customer_id, rule = candidates.decide(key, record)
        contexts[key] = {"customer_id": customer_id, "match": rule, "action": "create" if rule == NEW else "update"}
    return contexts


def customer_body(record: dict[str, Any], owned: tuple[str, ...]) -> dict[str, Any]:
    """The CUSTOMER element's content for a mapped customer (nested; see the module docstring)."""
    updating = record.get("_action") == "update"
    skipped = [path for name in (owned if updating else ()) for path in OWNED_PATHS[name]]
    flat = {}
    for name, value in flatten(record).items():
        if any(name == path or (path.endswith(".") and name.startswith(path)) for path in skipped):
            continue
        if updating and name.startswith(ADDRESS):
            flat[name] = "" if value is None else value  # one unit: an empty element clears Intacct's value
        elif value not in (None, ""):
            flat[name] = value  # no storefront gap clears what Intacct has
    if updating and not any(flat.get(name) for name in flat if name.startswith(ADDRESS)):
        flat = {name: value for name, value in flat.items() if not name.startswith(ADDRESS)}  # no address known
    return nested(flat)


def load_customers(client, records: list[tuple[str, dict[str, Any]]],
                   options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    owned = owned_fields(options)
    outcomes: dict[str, LoadOutcome] = {}
    creates: list[tuple[str, fn.KeyedCreate]] = []
    updates: list[tuple[str, fn.Function]] = []
    for key, record in records:
        customer_id = record["CUSTOMERID"]
        try:
            body = customer_body(record, owned)
            if record.get("_action") == "create":
                creates.append((key, fn.KeyedCreate(
                    fn.create(OBJECT, body, controlid=fn.stable_controlid("customer", customer_id), reference=key),
                    fn.Lookup(OBJECT, "CUSTOMERID", customer_id, select=("CUSTOMERID", "RECORDNO")))))
            else:
                updates.append((key, fn.update(OBJECT, body, controlid=update_controlid("customer-update",
                                                                                        customer_id), reference=key)))
        except PermanentRecordError as exc:
            outcomes[key] = LoadOutcome(key, "dlq", f"customer {key}: {exc}", reason_code="invalid_value",
                                        failed=[getattr(exc, "field", None) or "customer"])
    by_key = dict(records)
    for (key, _), made in zip(creates, client.create_once([create for _, create in creates])):
        customer_id = by_key[key]["CUSTOMERID"]
        if made.posted:
            verb = "created" if made.status == "created" else "found (an earlier attempt created it)"
            outcomes[key] = LoadOutcome(key, "loaded", f"{verb}: {ERP} customer {customer_id}",
                                        target_id=customer_id, target_ref=customer_id)
        elif made.status == "aborted":
            outcomes[key] = aborted(key, "customer", f"the create of customer {customer_id}")
        else:
            outcomes[key] = refused(key, "customer", f"customer {customer_id}", made.errors)
    for (key, _), sent in zip(updates, client.execute([function for _, function in updates])):
        customer_id = by_key[key]["CUSTOMERID"]
        if sent.ok or sent.duplicate:  # a duplicate: this call's own update ran before its answer was lost
            outcomes[key] = LoadOutcome(key, "loaded", f"updated (matched by {by_key[key].get('_match')}) "
                                        f"{ERP} customer {customer_id}", target_id=customer_id,
                                        target_ref=customer_id)
        elif sent.rolled_back:
            outcomes[key] = aborted(key, "customer", f"the update of customer {customer_id}")
        else:
            outcomes[key] = refused(key, "customer", f"the update of customer {customer_id}", sent.errors)
    return [outcomes[key] for key, _ in records]


# -- ERP -> storefront --------------------------------------------------------------------------------------

def _customer(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    record = unflatten({name: row.get(name) for name in READ_FIELDS})  # nested: DISPLAYCONTACT.MAILADDRESS…
    return text(record["CUSTOMERID"]) or "", record


def read_customers(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Customers Intacct changed in [since, until) (WHENMODIFIED), in RECORDNO order."""
    paginator = fn.QueryPaginator(OBJECT, list(READ_FIELDS), where=changed_between(since, until))
    for row in client.iter_rows(paginator):
        yield _customer(row)


def read_customers_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named customers (re-sync, DLQ replay), whatever their dates; unknown ids are left out."""
    wanted = [k.strip() for k in keys if k and k.strip()]
    for row in rows_where_in(client, OBJECT, READ_FIELDS, "CUSTOMERID", wanted):
        yield _customer(row)
