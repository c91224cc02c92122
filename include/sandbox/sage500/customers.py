"""Emulation of Sage 500's customer Data Import procedure, ``spARapiCustomerIns(@iSessionKey)``.

Staging contract (``StgCustomer``, one row per customer; the shared session contract is in :mod:`.importing`):

    RowKey(auto), SessionKey, ProcessStatus (0 new), Action (0 auto, 1 insert, 2 update; 3 delete is refused),
    CustID varchar(12), CustName varchar(40), CustClassID varchar(12), AddrName, AddrLine1, AddrLine2 varchar(40),
    City varchar(20), StateID varchar(3), PostalCode varchar(10), CountryID varchar(3), EMailAddr varchar(256),
    Phone varchar(17), Status (1 active, 2 inactive, 3 temporary), UserFld1..4 varchar(15)

- **insert** (Action 1, or 0 when the CustID is new in the company): a new ``tarCustomer`` (new CustKey,
  ``Status`` default 1, class ``CustClassID`` or the default class ``WEB`` when the company has one), its
  primary ``tciAddress`` (``AddrName`` defaults to ``CustName``) and primary ``tciContact``
  (``Name = CustName``, ``EMailAddr``, ``Phone``, ``CntctOwnerKey = CustKey``);
- **update** (Action 2, or 0 when the CustID exists): a NULL staging column keeps the customer's value, any
  other value (an empty string too) replaces it: name, class, status, user fields on ``tarCustomer``; address
  columns on the primary ``tciAddress``; ``EMailAddr``/``Phone`` (and ``Name`` when ``CustName`` changes) on
  the primary ``tciContact``; a missing primary address or contact is created;
- ``UpdateDate`` is set to the import time on every row written (``CreateDate`` too on new rows).

Refused, with one ``tdmMigrationLogWrk`` row per problem (``EntityID = CustID``): Action 3 or unknown;
missing CustID; a CustID on more than one row of the session; Action 1 for an existing CustID; Action 2 for a
missing one; a deleted customer (Status 4); missing/blank ``CustName`` for a new customer or blank on update;
Status other than 1/2/3; an unknown ``CustClassID``; text longer than its Sage column (SQLite only:
PostgreSQL refuses it while staging).

Unverified choices (public material is silent): the default class ``WEB``; NULL-keeps/value-replaces
semantics for updates; the contact's ``Name`` following ``CustName``. Countries, states and e-mail syntax
are not validated (as in the sales-order emulation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .importing import (
    ACTION_AUTO,
    ACTION_INSERT,
    ACTION_UPDATE,
    ImportResult,
    Problem,
    check_sizes,
    counts,
    finish_session,
    lookup,
    natural_id,
    read_session,
    run_in_transaction,
    text,
    utc_now,
)
from .schema import allocate_keys, insert_rows

CUSTOMER_ACTIVE, CUSTOMER_DELETED = 1, 4
IMPORTABLE_STATUSES = (1, 2, 3)  # active, inactive, temporary
DEFAULT_CUST_CLASS_ID = "WEB"
ADDRESS_COLUMNS = ("AddrName", "AddrLine1", "AddrLine2", "City", "StateID", "PostalCode", "CountryID")
USER_FIELDS = ("UserFld1", "UserFld2", "UserFld3", "UserFld4")


def run_customer_import(conn, session_key: int, *, company_id: str = "SOA",
                        now: datetime | None = None) -> ImportResult:
    """Emulate ``spARapiCustomerIns(@iSessionKey)`` for one staging session; see the module docstring.

    ``ImportResult.processed``/``failed`` are keyed by CustID (``RowKey n`` when it is missing);
    ``keys`` maps each imported CustID to its CustKey. ``now`` (naive UTC) stamps the rows; default the clock.
    """
    return run_in_transaction(conn, lambda: _import(conn, int(session_key), company_id, now or utc_now()))


def _import(conn, session_key: int, company_id: str, now: datetime) -> ImportResult:
    cursor = conn.cursor()
    staged = read_session(cursor, "StgCustomer", session_key)
    ids = [natural_id(row["CustID"]) for row in staged]
    id_counts = counts(ids)
    existing = lookup(cursor, "SELECT CustID, CustKey, CustName, Status, PrimaryAddrKey, PrimaryCntctKey "
                      "FROM tarCustomer WHERE CompanyID = ? AND CustID IN ({marks})", [company_id],
                      filter(None, ids), ("CustID", "CustKey", "CustName", "Status", "PrimaryAddrKey",
                                          "PrimaryCntctKey"))
    cursor.execute("SELECT CustClassID, CustClassKey FROM tarCustClass WHERE CompanyID = ?", company_id)
    classes = {str(class_id).rstrip(): key for class_id, key in cursor.fetchall()}

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    refused: list[tuple[str, int, list[Problem]]] = []
    for row, cust_id in zip(staged, ids):
        problems: list[Problem] = []
        plan = _validate(row, cust_id, id_counts, existing, classes, company_id, problems)
        if problems:
            refused.append((cust_id or f"RowKey {row['RowKey']}", row["RowKey"], problems))
        elif plan["current"] is None:
            inserts.append(plan)
        else:
            updates.append(plan)

    done: list[tuple[str, int, int]] = []
    if inserts:
        done += _insert(conn, cursor, inserts, company_id, classes, now)
    for plan in updates:
        done.append(_update(conn, cursor, plan, now))
    done.sort(key=lambda entry: entry[1])  # staging order
    return finish_session(cursor, "StgCustomer", session_key, ImportResult(), done=done, refused=refused)


def _validate(row: dict[str, Any], cust_id: str | None, id_counts: dict, existing: dict, classes: dict,
              company_id: str, problems: list[Problem]) -> dict[str, Any]:
    check_sizes("StgCustomer", row, problems)
    action = row["Action"]
    if action not in (ACTION_AUTO, ACTION_INSERT, ACTION_UPDATE):
        problems.append(Problem("Action", action, "only Action 0 (auto), 1 (insert) and 2 (update) are supported "
                                "by spARapiCustomerIns in the sandbox"))
    current = existing.get(cust_id) if cust_id else None
    if cust_id is None:
        problems.append(Problem("CustID", row["CustID"], "CustID is required"))
    elif id_counts[cust_id] > 1:
        problems.append(Problem("CustID", cust_id, f"CustID appears on {id_counts[cust_id]} rows in this session"))
    elif action == ACTION_INSERT and current is not None:
        problems.append(Problem("CustID", cust_id, f"customer {cust_id} already exists in company {company_id}"))
    elif action == ACTION_UPDATE and current is None:
        problems.append(Problem("CustID", cust_id, f"customer {cust_id} does not exist in company {company_id}"))
    elif current is not None and current["Status"] == CUSTOMER_DELETED:
        problems.append(Problem("CustID", cust_id, "customer is deleted (Status 4) and cannot be updated"))

    name = text(row["CustName"])
    if current is None and (name is None or not name.strip()):
        problems.append(Problem("CustName", row["CustName"], "CustName is required for a new customer"))
    elif current is not None and name is not None and not name.strip():
        problems.append(Problem("CustName", row["CustName"], "CustName cannot be blank"))

    status = row["Status"]
    if status is not None and status not in IMPORTABLE_STATUSES:
        problems.append(Problem("Status", status, "Status must be 1 (active), 2 (inactive) or 3 (temporary)"))

    class_id = natural_id(row["CustClassID"])
    if class_id is not None and class_id not in classes:
        problems.append(Problem("CustClassID", row["CustClassID"],
                                f"customer class does not exist in company {company_id}"))

    return {
        "RowKey": row["RowKey"], "CustID": cust_id, "current": current, "CustName": name, "Status": status,
        "CustClassKey": classes.get(class_id) if class_id else None,
        "address": {c: text(row[c]) for c in ADDRESS_COLUMNS if row[c] is not None},
        "contact": {c: text(row[c]) for c in ("EMailAddr", "Phone") if row[c] is not None},
        "user": {c: text(row[c]) for c in USER_FIELDS if row[c] is not None},
    }


def _insert(conn, cursor, plans: list[dict[str, Any]], company_id: str, classes: dict[str, int],
            now: datetime) -> list[tuple[str, int, int]]:
    count = len(plans)
    cust_key = allocate_keys(conn, "tarCustomer", count)
    addr_key = allocate_keys(conn, "tciAddress", count)
    cntct_key = allocate_keys(conn, "tciContact", count)
    default_class = classes.get(DEFAULT_CUST_CLASS_ID)
    customers, addresses, contacts, done = [], [], [], []
    for offset, plan in enumerate(plans):
        ck, ak, tk = cust_key + offset, addr_key + offset, cntct_key + offset
        address = plan["address"]
        addresses.append((ak, address.get("AddrName", plan["CustName"]), *(address.get(c) for c in ADDRESS_COLUMNS[1:]),
                          now, now))
        contacts.append((tk, ck, plan["CustName"], plan["contact"].get("EMailAddr"), plan["contact"].get("Phone"),
                         now, now))
        class_key = plan["CustClassKey"] if plan["CustClassKey"] is not None else default_class
        customers.append((ck, company_id, plan["CustID"], plan["CustName"], ak, tk, class_key,
                          plan["Status"] if plan["Status"] is not None else CUSTOMER_ACTIVE,
                          *(plan["user"].get(c) for c in USER_FIELDS), now, now))
        done.append((plan["CustID"], plan["RowKey"], ck))
    insert_rows(cursor, "tciAddress", ("AddrKey", *ADDRESS_COLUMNS, "CreateDate", "UpdateDate"), addresses)
    insert_rows(cursor, "tciContact", ("CntctKey", "CntctOwnerKey", "Name", "EMailAddr", "Phone", "CreateDate",
                                       "UpdateDate"), contacts)
    insert_rows(cursor, "tarCustomer", ("CustKey", "CompanyID", "CustID", "CustName", "PrimaryAddrKey",
                                        "PrimaryCntctKey", "CustClassKey", "Status", *USER_FIELDS, "CreateDate",
                                        "UpdateDate"), customers)
    return done


def _set(cursor, table: str, key_column: str, key: int, values: dict[str, Any]) -> None:
    columns = list(values)
    cursor.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {key_column} = ?",
                   [*values.values(), key])


def _update(conn, cursor, plan: dict[str, Any], now: datetime) -> tuple[str, int, int]:
    current = plan["current"]
    customer: dict[str, Any] = {}
    if plan["CustName"] is not None:
        customer["CustName"] = plan["CustName"]
    if plan["Status"] is not None:
        customer["Status"] = plan["Status"]
    if plan["CustClassKey"] is not None:
        customer["CustClassKey"] = plan["CustClassKey"]
    customer.update(plan["user"])

    if plan["address"]:
        if current["PrimaryAddrKey"] is not None:
            _set(cursor, "tciAddress", "AddrKey", current["PrimaryAddrKey"], {**plan["address"], "UpdateDate": now})
        else:
            key = allocate_keys(conn, "tciAddress")
            address = {"AddrName": plan["CustName"] or current["CustName"], **plan["address"]}
            insert_rows(cursor, "tciAddress", ("AddrKey", *ADDRESS_COLUMNS, "CreateDate", "UpdateDate"),
                        [(key, *(address.get(c) for c in ADDRESS_COLUMNS), now, now)])
            customer["PrimaryAddrKey"] = key

    contact = dict(plan["contact"])
    if plan["CustName"] is not None:
        contact["Name"] = plan["CustName"]
    if contact:
        if current["PrimaryCntctKey"] is not None:
            _set(cursor, "tciContact", "CntctKey", current["PrimaryCntctKey"], {**contact, "UpdateDate": now})
        else:
            key = allocate_keys(conn, "tciContact")
            insert_rows(cursor, "tciContact", ("CntctKey", "CntctOwnerKey", "Name", "EMailAddr", "Phone", "CreateDate",
                                               "UpdateDate"),
                        [(key, current["CustKey"], contact.get("Name", current["CustName"]), contact.get("EMailAddr"),
                          contact.get("Phone"), now, now)])
            customer["PrimaryCntctKey"] = key

    _set(cursor, "tarCustomer", "CustKey", current["CustKey"], {**customer, "UpdateDate": now})
    return plan["CustID"], plan["RowKey"], current["CustKey"]
