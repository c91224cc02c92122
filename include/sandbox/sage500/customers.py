"""Emulation of Sage 500's customer Data Import procedure ``spARapiCustomerIns`` for one staging session.

Source (docs/sage500.md, CUSTSP): a site's copy of the standard procedure, ``chrisdilalla/Tylie-API``
``database/2019-01-04_01 spARCustomerImport_Tylie.sql`` (header "NAME: spARapiCustomerIns", Sage copyright).
Its own text settles what is emulated here; its validation sub-procedures (``spARCustHdrVal``,
``spARCustAddrVal``) are not public, and what they would check is marked *unverified* below.

Interface (:func:`spARapiCustomerIns`): the migration interface of the sales-order procedure (``@oContinue
OUTPUT, @iCancel, @iSessionKey, @iCompanyID, @iRptOption, @iPrintWarnings, @iUseStageTable, @oRecsProcessed,
@oFailedRecs, @oTotalRecs, @_oRetVal``); one call processes the whole session (Sage: blocks, for about
``@MIGRATE_SECS`` = 3 s, then ``@oContinue = 1``), so ``@oContinue`` comes back 0.

Staging (columns: :mod:`.schema`), linked by CustID, never by RowKey:

- ``StgCustomer``: one row per customer. The row is also the **primary address** (CustAddrID = CustID,
  ``AddrName`` = ``CustName`` whatever AddrName says: "Primary AddrName is always Cust Name") and the
  **primary contact** (``Name`` – blank when NULL –, ``EMailAddr``, ``Phone``).
- ``StgCustAddr``: further addresses. One is read with its customer when that row names its ``CustAddrID`` in
  ``DfltBillToAddrID``/``DfltShipToAddrID`` (blank → the CustID, i.e. the primary address); a named address
  not staged fails the customer (``DfltShipToAddrID failed validation.``). An address row with a ``Name``
  gets its own contact (the same name as the primary contact shares it). Rows naming no customer of the
  session are added to an existing customer (Action 1; its CustAddrID must be new for it).
- ``StgContact``: further contacts (``CntctOwnerID`` = CustID, ``Name`` required, Action 0 → update when the
  customer has a contact of that name); processed after the customers.

Actions: NULL → 1 insert; 0 → 2 update when the CustID exists in the company, else 1. Log rows
(``tdmMigrationLogWrk``), as the procedure writes them:

- a CustID on more than one row of the session: the first row (lowest RowKey) is processed, every later one
  gets ``ProcessStatus = 2`` and a **warning** (Status 2, Duplicate 1, ColumnID ``CustID``);
- an insert of an existing CustID: failure (Status 1, **Duplicate 1**, ColumnID ``CustID``); an update of a
  missing one: failure (Status 1, Duplicate 1);
- an imported customer: one row ``EntityID = CustID``, ColumnID '', Status 3, Comment ``Record has been
  inserted.`` / ``Record has been updated.``; one more per StgCustAddr row (``EntityID = CustID|CustAddrID``),
  per StgContact row (``CustID|Name``);
- a refused customer: its rows stay at ``ProcessStatus = 2`` (its addresses too, each logged as failed
  because of its parent); imported rows are deleted.

*Unverified* (in the validation procedures, not public; the least forgiving choice): CustName required on
insert and not blank; CustClassID required on insert and must exist (the class supplies the defaults and the
customer's CustClassKey); Status one of the database values 1/2/3 (NULL → 1 active; list texts such as
'Active' are not translated, as in the sales-order emulation); Action 3 refused; text longer than its column
(SQLite only: PostgreSQL refuses it while staging). Updates need a Data Import job's updatable-column list in
Sage (``tdiDataTrnsfrColumnMap``); the sandbox has none and applies a NULL-keeps, value-replaces rule instead.
Comments are the sandbox's texts: Sage builds them from string numbers (``ciBuildString``) whose texts are
not public, except the "Record has been …" and "… failed validation." texts written literally.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .importing import (
    ACTION_AUTO,
    ACTION_INSERT,
    ACTION_UPDATE,
    LOG_STATUS_FAILURE,
    LOG_STATUS_INFO,
    LOG_STATUS_SUCCESS,
    LOG_STATUS_WARNING,
    PROCESS_ERROR,
    RET_PARM_ERR,
    RET_SUCCESS,
    RPT_PRINT_ALL,
    RPT_PRINT_NONE,
    RPT_PRINT_SUCCESSFUL,
    RPT_PRINT_UNSUCCESSFUL,
    ImportResult,
    MigrationOutputs,
    Problem,
    check_sizes,
    delete_rows,
    lookup,
    natural_id,
    read_session,
    run_in_transaction,
    text,
    utc_now,
    write_log,
)
from .schema import allocate_keys, insert_rows

CUSTOMER_ACTIVE, CUSTOMER_DELETED = 1, 4
IMPORTABLE_STATUSES = {"1": 1, "2": 2, "3": 3}  # active, inactive, temporary (tarCustomer.Status DB values)
ADDRESS_LINES = ("AddrLine1", "AddrLine2", "AddrLine3", "AddrLine4", "AddrLine5")
ADDRESS_COLUMNS = (*ADDRESS_LINES, "City", "StateID", "PostalCode", "CountryID")
USER_FIELDS = ("UserFld1", "UserFld2", "UserFld3", "UserFld4")
CONTACT_COLUMNS = ("EMailAddr", "Phone")

# Comments of the log rows. The procedure writes the first two literally; the others come from Sage string
# numbers (in brackets) whose texts are not public: the sandbox's own wording.
INSERTED, UPDATED = "Record has been inserted.", "Record has been updated."
DUPLICATE = "Duplicate record [110067]: the CustID is on an earlier row of this session; this row is ignored."
PARENT_FAILED = "The parent customer failed; the record was not migrated [151769, 100447]."


def spARapiCustomerIns(conn, o_continue: int | None, i_cancel: int, i_session_key: int | None,  # noqa: N802
                       i_company_id: str | None, i_rpt_option: int = RPT_PRINT_NONE, i_print_warnings: int = 1,
                       use_stage_table: int = 1, o_recs_processed: int | None = None,
                       o_failed_recs: int | None = None, o_total_recs: int | None = None, *,
                       now: datetime | None = None, collect: ImportResult | None = None) -> MigrationOutputs:
    """One call of the procedure with its interface (CUSTSP "MIGRATION SP INTERFACE PARAMETERS"): the whole
    session is processed, so ``@oContinue`` comes back 0. ``@oRecsProcessed``/``@oFailedRecs`` are additive;
    ``@oTotalRecs`` is set (StgCustomer + StgCustAddr + StgContact rows at ProcessStatus 0) only when it comes
    in NULL or 0. ``@iCancel = 1`` logs an info row and processes nothing. Failure rows are logged when
    ``@iRptOption`` is 0 or 3, success rows when it is 0 or 2, duplicate warnings when ``@iPrintWarnings = 1``.
    Sandbox choice, as for sales orders: ``@UseStageTable = 0`` (caller-built temp tables) → ``@_oRetVal`` 3.
    ``collect`` gathers what happened (tests, :func:`run_customer_import`).
    """
    recs, failed, total = o_recs_processed or 0, o_failed_recs or 0, o_total_recs or 0
    company = natural_id(i_company_id)
    if i_session_key is None or not company or use_stage_table != 1 or i_rpt_option not in (0, 1, 2, 3):
        return MigrationOutputs(0, recs, failed, total, RET_PARM_ERR)
    result = collect if collect is not None else ImportResult()

    def call() -> MigrationOutputs:
        cursor = conn.cursor()
        if int(i_cancel or 0) == 1:  # CUSTSP 575-590: logged whatever @iRptOption says
            write_log(cursor, int(i_session_key), [("", Problem("", "", "Processing was cancelled."))],
                      LOG_STATUS_INFO)
            return MigrationOutputs(0, recs, failed, total, RET_SUCCESS)
        work = _CustomerImport(conn, int(i_session_key), company, now or utc_now(), bool(i_print_warnings == 1),
                               int(i_rpt_option), result)
        counts = work.run()
        return MigrationOutputs(0, recs + counts[0], failed + counts[1], total or counts[0], RET_SUCCESS)

    return run_in_transaction(conn, call)


def run_customer_import(conn, session_key: int, *, company_id: str = "SOA", now: datetime | None = None,
                        print_warnings: bool = True) -> ImportResult:
    """Call :func:`spARapiCustomerIns` as a caller does (all rows reported) for one staging session.

    ``processed``/``failed``/``warnings`` are keyed by CustID (``RowKey n`` when it is missing); ``keys`` maps
    each imported CustID to its CustKey. ``print_warnings`` is ``@iPrintWarnings`` (duplicate rows are logged
    only with it). ``now`` (naive UTC) stamps the rows; default the clock.
    """
    result = ImportResult()
    outputs = spARapiCustomerIns(conn, 1, 0, session_key, company_id, RPT_PRINT_ALL, int(print_warnings), 1,
                                 now=now, collect=result)
    if outputs.o_ret_val != RET_SUCCESS:
        raise RuntimeError(f"spARapiCustomerIns returned {outputs.o_ret_val}")
    return result


class _CustomerImport:
    def __init__(self, conn, session_key: int, company_id: str, now: datetime, print_warnings: bool,
                 rpt_option: int, result: ImportResult) -> None:
        self.conn, self.cursor = conn, conn.cursor()
        self.session_key, self.company_id, self.now = session_key, company_id, now
        self.print_warnings, self.rpt_option = print_warnings, rpt_option
        self.result = result
        self.refused_rows = 0  # staging rows this call set to ProcessStatus 2
        self.log: list[tuple[str, Problem, int]] = []  # (EntityID, problem, Status)

    # -- the session --------------------------------------------------------------------------------------

    def run(self) -> tuple[int, int]:
        """Import the session; returns (rows read, rows refused) over the three staging tables."""
        staged = read_session(self.cursor, "StgCustomer", self.session_key)
        addresses = read_session(self.cursor, "StgCustAddr", self.session_key)
        contacts = read_session(self.cursor, "StgContact", self.session_key)
        ids = [natural_id(row["CustID"]) for row in staged]
        self.existing = self._customers(ids + [natural_id(a["CustID"]) for a in addresses]
                                        + [natural_id(c["CntctOwnerID"]) for c in contacts])
        self.cursor.execute("SELECT CustClassID, CustClassKey FROM tarCustClass WHERE CompanyID = ?", self.company_id)
        self.classes = {str(class_id).rstrip(): key for class_id, key in self.cursor.fetchall()}

        first_row: dict[str, int] = {}
        plans, used_addresses = [], set()
        for row, cust_id in zip(staged, ids):
            entity = cust_id or f"RowKey {row['RowKey']}"
            if cust_id is not None and cust_id in first_row:
                self._duplicate_row(row, cust_id)
                continue
            if cust_id is not None:
                first_row[cust_id] = row["RowKey"]
            plan = self._plan(row, cust_id, addresses)
            used_addresses.update(a["RowKey"] for a in plan["addresses"])
            if plan["problems"]:
                self._refuse(entity, row["RowKey"], plan["problems"], plan["addresses"], cust_id)
            else:
                plans.append(plan)

        for plan in plans:
            key = self._insert(plan) if plan["current"] is None else self._update(plan)
            self._done(plan, key)
        self._extra_addresses([a for a in addresses if a["RowKey"] not in used_addresses])
        self._contacts(contacts)
        self._write_log()
        return len(staged) + len(addresses) + len(contacts), self.refused_rows

    def _customers(self, ids) -> dict[str, dict[str, Any]]:
        columns = ("CustID", "CustKey", "CustName", "Status", "PrimaryAddrKey", "PrimaryCntctKey")
        return lookup(self.cursor, f"SELECT {', '.join(columns)} FROM tarCustomer WHERE CompanyID = ? "
                      "AND CustID IN ({marks})", [self.company_id], filter(None, ids), columns)

    def _duplicate_row(self, row: dict[str, Any], cust_id: str) -> None:
        # Only with @iPrintWarnings = 1 is the ignored row logged; it is set to ProcessStatus 2 either way.
        self._mark_failed("StgCustomer", [row["RowKey"]])
        if self.print_warnings:
            self.log.append((cust_id, Problem("CustID", cust_id, DUPLICATE, duplicate=True), LOG_STATUS_WARNING))
        self.result.warnings.setdefault(cust_id, []).append(f"CustID={cust_id!r}: {DUPLICATE}")

    # -- validation ---------------------------------------------------------------------------------------

    def _plan(self, row: dict[str, Any], cust_id: str | None, addresses: list[dict[str, Any]]) -> dict[str, Any]:
        problems: list[Problem] = []
        check_sizes("StgCustomer", row, problems)
        current = self.existing.get(cust_id) if cust_id else None
        action = row["Action"]
        if action is None:
            action = ACTION_INSERT
        elif action == ACTION_AUTO:
            action = ACTION_UPDATE if current is not None else ACTION_INSERT

        if action not in (ACTION_INSERT, ACTION_UPDATE):
            problems.append(Problem("Action", action, "only Action 0 (auto), 1 (insert) and 2 (update) are "
                                                      "emulated by the sandbox's spARapiCustomerIns"))
        if cust_id is None:
            problems.append(Problem("CustID", row["CustID"], "CustID is required"))
        elif action == ACTION_INSERT and current is not None:
            problems.append(Problem("CustID", cust_id, f"Duplicate record [110067]: customer {cust_id} already "
                                                       f"exists in company {self.company_id}", duplicate=True))
        elif action == ACTION_UPDATE and current is None:
            problems.append(Problem("CustID", cust_id, f"Update failed [430127]: customer {cust_id} does not exist "
                                                       f"in company {self.company_id}", duplicate=True))
        elif current is not None and current["Status"] == CUSTOMER_DELETED:
            problems.append(Problem("CustID", cust_id, "customer is deleted (Status 4) and cannot be updated"))
        inserting = action == ACTION_INSERT and current is None

        name = text(row["CustName"])
        if inserting and (name is None or not name.strip()):
            problems.append(Problem("CustName", row["CustName"], "CustName is required for a new customer"))
        elif not inserting and name is not None and not name.strip():
            problems.append(Problem("CustName", row["CustName"], "CustName cannot be blank"))

        status = None if row["Status"] is None else str(row["Status"]).strip()
        if status is not None and status not in IMPORTABLE_STATUSES:
            problems.append(Problem("Status", row["Status"],
                                    "Status must be 1 (active), 2 (inactive) or 3 (temporary)"))

        class_id = natural_id(row["CustClassID"])
        if class_id is None and inserting:
            problems.append(Problem("CustClassID", row["CustClassID"], "CustClassID is required for a new customer"))
        elif class_id is not None and class_id not in self.classes:
            problems.append(Problem("CustClassID", row["CustClassID"],
                                    f"customer class does not exist in company {self.company_id}"))

        linked = []
        if inserting and cust_id is not None:
            linked = self._linked_addresses(row, cust_id, addresses, problems)
        return {
            "RowKey": row["RowKey"], "CustID": cust_id, "current": current, "problems": problems,
            "CustName": name, "Status": IMPORTABLE_STATUSES.get(status or "", None),
            "CustClassKey": self.classes.get(class_id) if class_id else None, "addresses": linked,
            "address": {c: text(row[c]) for c in ADDRESS_COLUMNS if row[c] is not None},
            "contact": {c: text(row[c]) for c in CONTACT_COLUMNS if row[c] is not None},
            "ContactName": text(row["Name"]),
            "DfltBillToAddrID": natural_id(row["DfltBillToAddrID"]),
            "DfltShipToAddrID": natural_id(row["DfltShipToAddrID"]),
            "user": {c: text(row[c]) for c in USER_FIELDS if row[c] is not None},
        }

    def _linked_addresses(self, row, cust_id: str, addresses, problems: list[Problem]) -> list[dict[str, Any]]:
        """The StgCustAddr rows a new customer names as default bill-to / ship-to (other than its primary)."""
        linked: dict[str, dict[str, Any]] = {}
        for column in ("DfltBillToAddrID", "DfltShipToAddrID"):
            wanted = natural_id(row[column])
            if wanted is None or wanted == cust_id or wanted in linked:
                continue
            found = [a for a in addresses if natural_id(a["CustID"]) == cust_id
                     and natural_id(a["CustAddrID"]) == wanted]
            if not found:
                problems.append(Problem(column, wanted, f"{column} failed validation."))
                continue
            address = found[0]
            for extra in found[1:]:  # the same CustAddrID staged twice: the later rows are duplicates
                problems.append(Problem("CustAddrID", wanted, f"Duplicate record [110067]: address {wanted} is on "
                                                              f"StgCustAddr rows {address['RowKey']} and "
                                                              f"{extra['RowKey']}", duplicate=True))
            address_problems: list[Problem] = []
            check_sizes("StgCustAddr", address, address_problems, prefix=f"address {wanted}: ")
            problems.extend(address_problems)
            linked[wanted] = address
        return list(linked.values())

    def _refuse(self, entity: str, row_key: int, problems: list[Problem], addresses, cust_id: str | None) -> None:
        self._mark_failed("StgCustomer", [row_key])
        self._mark_failed("StgCustAddr", [a["RowKey"] for a in addresses])
        for problem in problems:
            self.log.append((entity if cust_id else "", problem, LOG_STATUS_FAILURE))
        for address in addresses:
            self.log.append((f"{cust_id}|{natural_id(address['CustAddrID'])}",
                             Problem("CustID", cust_id, PARENT_FAILED), LOG_STATUS_FAILURE))
        self.result.failed.setdefault(entity, []).extend(problem.message() for problem in problems)

    # -- writing --------------------------------------------------------------------------------------------

    def _insert(self, plan: dict[str, Any]) -> int:
        cust_key = allocate_keys(self.conn, "tarCustomer")
        addr_key = allocate_keys(self.conn, "tciAddress", 1 + len(plan["addresses"]))
        contact_name = plan["ContactName"] or ""  # COALESCE(Name, ''): the primary contact always exists
        contacts = {contact_name.strip(): self._new_contact(cust_key, contact_name, plan["contact"])}
        self._new_address(addr_key, cust_key, plan["CustID"], plan["CustName"], plan["address"],
                          contacts[contact_name.strip()])
        keys = {plan["CustID"]: addr_key}
        for offset, address in enumerate(plan["addresses"], start=1):
            name = text(address["Name"])
            contact = None
            if name is not None and name.strip():
                if name.strip() not in contacts:  # the same name as an earlier contact: the same contact
                    contacts[name.strip()] = self._new_contact(
                        cust_key, name, {c: text(address[c]) for c in CONTACT_COLUMNS if address[c] is not None})
                contact = contacts[name.strip()]
            custaddr_id = natural_id(address["CustAddrID"])
            self._new_address(addr_key + offset, cust_key, custaddr_id, text(address["AddrName"]),
                              {c: text(address[c]) for c in ADDRESS_COLUMNS if address[c] is not None}, contact)
            keys[custaddr_id] = addr_key + offset
        # A blank default bill-to / ship-to is the primary address (the procedure sets it to the CustID).
        bill_to = keys[plan["DfltBillToAddrID"] or plan["CustID"]]
        ship_to = keys[plan["DfltShipToAddrID"] or plan["CustID"]]
        insert_rows(self.cursor, "tarCustomer", (
            "CustKey", "CompanyID", "CustID", "CustName", "PrimaryAddrKey", "PrimaryCntctKey", "CustClassKey",
            "DfltBillToAddrKey", "DfltShipToAddrKey", "Status", *USER_FIELDS, "CreateDate", "UpdateDate"),
            [(cust_key, self.company_id, plan["CustID"], plan["CustName"], addr_key, contacts[contact_name.strip()],
              plan["CustClassKey"], bill_to, ship_to,
              plan["Status"] if plan["Status"] is not None else CUSTOMER_ACTIVE,
              *(plan["user"].get(c) for c in USER_FIELDS), self.now, self.now)])
        return cust_key

    def _new_contact(self, owner_key: int, name: str, values: dict[str, Any]) -> int:
        key = allocate_keys(self.conn, "tciContact")
        insert_rows(self.cursor, "tciContact", ("CntctKey", "CntctOwnerKey", "Name", "EMailAddr", "Phone",
                                                "CreateDate", "UpdateDate"),
                    [(key, owner_key, name, values.get("EMailAddr"), values.get("Phone"), self.now, self.now)])
        return key

    def _new_address(self, addr_key: int, cust_key: int, custaddr_id: str, addr_name: str | None,
                     values: dict[str, Any], contact_key: int | None) -> None:
        # Address lines are stored as '' when not given (COALESCE(AddrLine1, '') …), the rest as staged.
        insert_rows(self.cursor, "tciAddress", ("AddrKey", "AddrName", *ADDRESS_COLUMNS, "CreateDate", "UpdateDate"),
                    [(addr_key, addr_name, *(values.get(c) or "" for c in ADDRESS_LINES),
                      *(values.get(c) for c in ADDRESS_COLUMNS[len(ADDRESS_LINES):]), self.now, self.now)])
        insert_rows(self.cursor, "tarCustAddr", ("AddrKey", "CustKey", "CustAddrID", "DfltCntctKey", "CreateDate",
                                                 "UpdateDate"),
                    [(addr_key, cust_key, custaddr_id, contact_key, self.now, self.now)])

    def _set(self, table: str, key_column: str, key: int, values: dict[str, Any]) -> None:
        columns = list(values)
        self.cursor.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {key_column} = ?",
                            [*values.values(), key])

    def _update(self, plan: dict[str, Any]) -> int:
        """Sandbox rule (*unverified*, see the module docstring): a NULL column keeps the ERP's value."""
        current = plan["current"]
        customer: dict[str, Any] = {}
        if plan["CustName"] is not None:
            customer["CustName"] = plan["CustName"]
        if plan["Status"] is not None:
            customer["Status"] = plan["Status"]
        if plan["CustClassKey"] is not None:
            customer["CustClassKey"] = plan["CustClassKey"]
        customer.update(plan["user"])
        address = dict(plan["address"])
        if plan["CustName"] is not None:
            address["AddrName"] = plan["CustName"]  # the primary address is named after the customer
        if address:
            if current["PrimaryAddrKey"] is not None:
                self._set("tciAddress", "AddrKey", current["PrimaryAddrKey"], {**address, "UpdateDate": self.now})
            else:
                key = allocate_keys(self.conn, "tciAddress")
                self._new_address(key, current["CustKey"], plan["CustID"], plan["CustName"] or current["CustName"],
                                  address, current["PrimaryCntctKey"])
                customer["PrimaryAddrKey"] = key
        if plan["contact"]:
            if current["PrimaryCntctKey"] is not None:
                self._set("tciContact", "CntctKey", current["PrimaryCntctKey"], {**plan["contact"],
                                                                                 "UpdateDate": self.now})
            else:
                customer["PrimaryCntctKey"] = self._new_contact(current["CustKey"], plan["ContactName"] or "",
                                                                plan["contact"])
        self._set("tarCustomer", "CustKey", current["CustKey"], {**customer, "UpdateDate": self.now})
        return current["CustKey"]

    def _done(self, plan: dict[str, Any], cust_key: int) -> None:
        cust_id = plan["CustID"]
        self.result.processed.append(cust_id)
        self.result.keys[cust_id] = cust_key
        comment = INSERTED if plan["current"] is None else UPDATED
        self.log.append((cust_id, Problem("", "", comment), LOG_STATUS_SUCCESS))
        for address in plan["addresses"]:
            self.log.append((f"{cust_id}|{natural_id(address['CustAddrID'])}", Problem("", "", INSERTED),
                             LOG_STATUS_SUCCESS))
        delete_rows(self.cursor, "StgCustomer", [plan["RowKey"]])
        delete_rows(self.cursor, "StgCustAddr", [a["RowKey"] for a in plan["addresses"]])

    # -- addresses and contacts of existing customers ----------------------------------------------------------

    def _owner(self, cust_id: str | None) -> dict[str, Any] | None:
        if cust_id is None:
            return None
        if cust_id not in self.existing or cust_id in self.result.keys:
            self.existing.update(self._customers([cust_id]))  # customers this session has just created
        return self.existing.get(cust_id)

    def _extra_addresses(self, addresses: list[dict[str, Any]]) -> None:
        for address in addresses:
            cust_id, custaddr_id = natural_id(address["CustID"]), natural_id(address["CustAddrID"])
            entity = f"{cust_id or ''}|{custaddr_id or ''}"
            problems: list[Problem] = []
            check_sizes("StgCustAddr", address, problems)
            owner = self._owner(cust_id)
            if owner is None:
                problems.append(Problem("CustID", address["CustID"], "customer does not exist in company "
                                                                     f"{self.company_id}"))
            if custaddr_id is None:
                problems.append(Problem("CustAddrID", address["CustAddrID"], "CustAddrID is required"))
            elif owner is not None and self._address_exists(owner["CustKey"], custaddr_id):
                problems.append(Problem("CustAddrID", custaddr_id, "Duplicate record [110067]: the customer has "
                                                                   "this address already", duplicate=True))
            if address["Action"] not in (None, ACTION_AUTO, ACTION_INSERT):
                problems.append(Problem("Action", address["Action"], "the sandbox adds addresses only (Action 1)"))
            if problems:
                self._mark_failed("StgCustAddr", [address["RowKey"]])
                self.log.extend((entity, problem, LOG_STATUS_FAILURE) for problem in problems)
                self.result.failed.setdefault(entity, []).extend(p.message() for p in problems)
                continue
            contact = None
            name = text(address["Name"])
            if name is not None and name.strip():
                contact = self._new_contact(owner["CustKey"], name, {c: text(address[c]) for c in CONTACT_COLUMNS
                                                                     if address[c] is not None})
            self._new_address(allocate_keys(self.conn, "tciAddress"), owner["CustKey"], custaddr_id,
                              text(address["AddrName"]),
                              {c: text(address[c]) for c in ADDRESS_COLUMNS if address[c] is not None}, contact)
            self.log.append((entity, Problem("", "", INSERTED), LOG_STATUS_SUCCESS))
            delete_rows(self.cursor, "StgCustAddr", [address["RowKey"]])

    def _address_exists(self, cust_key: int, custaddr_id: str) -> bool:
        self.cursor.execute("SELECT COUNT(*) FROM tarCustAddr WHERE CustKey = ? AND CustAddrID = ?",
                            cust_key, custaddr_id)
        return self.cursor.fetchone()[0] > 0

    def _contact_key(self, owner_key: int, name: str) -> int | None:
        self.cursor.execute("SELECT CntctKey FROM tciContact WHERE CntctOwnerKey = ? AND Name = ?", owner_key, name)
        found = self.cursor.fetchone()
        return None if found is None else found[0]

    def _contacts(self, contacts: list[dict[str, Any]]) -> None:
        for contact in contacts:
            cust_id, name = natural_id(contact["CntctOwnerID"]), text(contact["Name"])
            entity = f"{cust_id or ''}|{(name or '').strip()}"
            problems: list[Problem] = []
            check_sizes("StgContact", contact, problems)
            owner = self._owner(cust_id)
            if owner is None:
                problems.append(Problem("CustID", contact["CntctOwnerID"], "customer does not exist in company "
                                                                           f"{self.company_id}"))
            if name is None:
                problems.append(Problem("Name", None, "Name is invalid [151465]"))
            key = self._contact_key(owner["CustKey"], name) if owner is not None and name is not None else None
            action = contact["Action"]
            if action is None:
                action = ACTION_INSERT
            elif action == ACTION_AUTO:
                action = ACTION_UPDATE if key is not None else ACTION_INSERT
            if owner is not None and name is not None:
                if action == ACTION_INSERT and key is not None:
                    problems.append(Problem("Name", name, "Duplicate record [110067]: the customer has a contact "
                                                          "of this name", duplicate=True))
                elif action == ACTION_UPDATE and key is None:
                    problems.append(Problem("Name", name, "Update failed [430127]: no contact of this name"))
                elif action not in (ACTION_INSERT, ACTION_UPDATE):
                    problems.append(Problem("Action", action, "only Action 0, 1 and 2 are emulated"))
            if problems:
                self._mark_failed("StgContact", [contact["RowKey"]])
                self.log.extend((entity, problem, LOG_STATUS_FAILURE) for problem in problems)
                self.result.failed.setdefault(entity, []).extend(p.message() for p in problems)
                continue
            values = {c: text(contact[c]) for c in CONTACT_COLUMNS if contact[c] is not None}
            if action == ACTION_INSERT:
                self._new_contact(owner["CustKey"], name, values)
            else:
                self._set("tciContact", "CntctKey", key, {**values, "UpdateDate": self.now})
            self.log.append((entity, Problem("", "", INSERTED if action == ACTION_INSERT else UPDATED),
                             LOG_STATUS_SUCCESS))
            delete_rows(self.cursor, "StgContact", [contact["RowKey"]])

    # -- bookkeeping ------------------------------------------------------------------------------------------

    def _mark_failed(self, table: str, row_keys: list[int]) -> None:
        self.refused_rows += len(row_keys)
        for key in row_keys:
            self.cursor.execute(f"UPDATE {table} SET ProcessStatus = ? WHERE RowKey = ?", PROCESS_ERROR, key)

    def _write_log(self) -> None:
        # CUSTSP: failures are reported with @iRptOption 0 (all) or 3 (bad), successes with 0 or 2 (good);
        # duplicate warnings depend on @iPrintWarnings only (already filtered when they were noted).
        wanted = {LOG_STATUS_WARNING}
        if self.rpt_option in (RPT_PRINT_ALL, RPT_PRINT_UNSUCCESSFUL):
            wanted.add(LOG_STATUS_FAILURE)
        if self.rpt_option in (RPT_PRINT_ALL, RPT_PRINT_SUCCESSFUL):
            wanted.add(LOG_STATUS_SUCCESS)
        for status in (LOG_STATUS_FAILURE, LOG_STATUS_WARNING, LOG_STATUS_SUCCESS):
            if status in wanted:
                write_log(self.cursor, self.session_key,
                          [(entity, problem) for entity, problem, s in self.log if s == status], status)
