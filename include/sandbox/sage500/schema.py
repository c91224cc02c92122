"""Sage 500 tables of the sandbox, described as data and rendered to portable DDL per dialect.

The tables are a subset of the real Sage 500 schema with its real table and column names and sizes
(docs/architecture.md, "Sage 500 sandbox"). Identifiers are never quoted: PostgreSQL folds them to lower
case, SQLite and SQL Server (default collation) ignore case, so the same SQL text works everywhere.

Surrogate keys (``CustKey``, ``SOKey`` …) are plain integer primary keys allocated from the key-allocation
table ``tciSurrogateKey`` by :func:`allocate_keys`, as Sage 500 does with ``spGetNextSurrogateKey``. Why:
reading back an identity value differs per database and driver (``last_insert_rowid()``, ``lastval()``,
``SCOPE_IDENTITY()``), while ``SELECT MAX(key) + 1`` is wrong under concurrency (two transactions read the
same maximum). ``UPDATE tciSurrogateKey SET NextKey = NextKey + n`` first takes the row's write lock
(PostgreSQL, SQL Server) or the database's write lock (SQLite) until commit, so a concurrent allocator waits
and then sees the committed counter; the block of ``n`` keys is then read back inside the same transaction.
Blocks make bulk inserts (seeding, large import sessions) cost one allocation per table.

Only the staging tables' ``RowKey`` auto-increments (dialect identity column): the loader inserts rows
without it and never needs it back.

Exact decimals: money ``decimal(15,3)``, unit prices ``decimal(15,5)``, quantities ``decimal(16,8)``, as in
Sage. On SQLite they are stored as text (see :mod:`.dialects`) and come back as ``str``.

No foreign-key constraints: the import procedure emulation enforces references, and drop/seed order then
does not matter. Timestamps are naive and UTC.

Tables per flow of a storefront ↔ Sage 500 pair (real Sage names unless marked *unverified*, where public
material is silent and the sandbox picked something plausible):

- customers: ``tarCustomer`` (+ ``CustClassKey``, ``DfltBillToAddrKey``, ``DfltShipToAddrKey``, ``UserFld1..4``),
  ``tarCustAddr`` (the customer's addresses, CustAddrID), ``tciAddress``, ``tciContact``, ``tarCustClass``
  (*unverified* columns: ``CustClassID`` varchar(12), ``CustClassName``), staging ``StgCustomer``,
  ``StgCustAddr``, ``StgContact`` with the columns spARapiCustomerIns copies (docs/sage500.md, CUSTSP);
- sales orders: ``tsoSalesOrder``, ``tsoSOLine``, ``tsoSOLineDist``, staging ``StgSalesOrder``/``StgSOLine``;
- shipments: ``tsoShipment`` (ShipKey, TranNo, TranID, TranDate = ship date, SOKey, ShipMethID; *unverified*:
  ``CarrierID`` varchar(15) and ``TrackingNo`` varchar(40) on the header: real Sage keeps packages/tracking
  in further tables) and ``tsoShipLine`` (ShipLineKey, ShipKey, SOLineKey; *unverified*: ``QtyShipped``,
  ``ItemKey``, ``WhseKey`` on the line: real Sage has a ``tsoShipLineDist`` too);
- payments: ``tarCustPmt`` (CustPmtKey, CompanyID, CustKey, TranNo, TranDate, TranAmt are known; *unverified*:
  ``UnappliedAmt``, ``PmtMethID`` as free text, ``CashAcctKey`` pointing straight at ``tglAccount.GLAcctKey``
  where real Sage has Cash Management cash accounts) and ``tarCustPmtAppl`` (*unverified*: applications to a
  sales order, ``ApplyToSOKey``; real Sage applies receipts to invoices, kept as ``ApplyToInvcKey``);
  staging ``StgCustPmt`` is the sandbox's own (Sage 500 has no documented receipt import);
- credit memos: ``tarInvoice`` rows with ``TranType = 502`` (*unverified* code; Sage's AR document types are
  501, 502, 503, … and the sandbox reads 502 as credit memo), ``Balance``, *unverified* ``ApplyToSOKey``
  (the refunded order); staging ``StgARCreditMemo`` is the sandbox's own;
- ledger: ``tglAccount`` (GLAcctKey, GLAcctNo varchar(100), Description; *unverified*: ``AcctTypeID`` with
  sandbox codes 101 cash / 120 receivables / 401 sales, ``CurrID`` NULL for any currency);
- inventory: ``timItem``, ``timItemDescription``, ``timWarehouse``, ``timWhseBinInvt`` with a sandbox
  ``UpdateDate`` (*unverified*; indexed) stamped whenever a stock row changes, so stock changes are found by
  ``UpdateDate`` without touching ``timItem.UpdateDate`` (which would look like a product change).

``UserFld1`` keeps Sage's varchar(15): loaders store a short external reference there (the storefront's
payment or refund id); a longer gateway transaction id belongs in ``TranCmnt`` (varchar(50)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dialects import Dialect, get_dialect


class KeyAllocationError(RuntimeError):
    """No ``tciSurrogateKey`` row for a table (schema not created by :func:`create_schema`)."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # identity | integer | smallint | varchar | char | decimal | timestamp
    size: int | None = None  # varchar/char length
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True
    default: str | None = None  # SQL literal

    def ddl(self, dialect: Dialect) -> str:
        if self.kind == "identity":
            return f"{self.name} {dialect.identity_key}"
        types = {
            "integer": dialect.integer,
            "smallint": "SMALLINT",
            "varchar": f"VARCHAR({self.size})",
            "char": f"CHAR({self.size})",
            "decimal": dialect.decimal(self.precision or 0, self.scale or 0),
            "timestamp": dialect.timestamp,
        }
        text = f"{self.name} {types[self.kind]}"
        if self.default is not None:
            text += f" DEFAULT {self.default}"
        return text + ("" if self.nullable else " NOT NULL")


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    #: Surrogate-key column allocated from tciSurrogateKey, if any.
    surrogate_key: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name.lower() == name.lower():
                return c
        raise KeyError(f"{self.name} has no column {name}")

    def ddl(self, dialect: Dialect) -> list[str]:
        body = [c.ddl(dialect) for c in self.columns]
        if self.primary_key:
            body.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        statements = [dialect.create_table(self.name, ", ".join(body))]
        statements += [dialect.create_index(i.name, self.name, i.columns, unique=i.unique) for i in self.indexes]
        return statements


# -- column shorthands (Sage sizes) -----------------------------------------------------------------------

def _key(name: str) -> Column:  # surrogate key allocated from tciSurrogateKey
    return Column(name, "integer", nullable=False)


def _int(name: str, nullable: bool = True) -> Column:
    return Column(name, "integer", nullable=nullable)


def _small(name: str, nullable: bool = True, default: str | None = None) -> Column:
    return Column(name, "smallint", nullable=nullable, default=default)


def _vc(name: str, size: int, nullable: bool = True) -> Column:
    return Column(name, "varchar", size=size, nullable=nullable)


def _company() -> Column:
    return Column("CompanyID", "char", size=3, nullable=False)


def _money(name: str, nullable: bool = True) -> Column:
    return Column(name, "decimal", precision=15, scale=3, nullable=nullable)


def _qty(name: str, nullable: bool = True) -> Column:
    return Column(name, "decimal", precision=16, scale=8, nullable=nullable)


def _price(name: str, nullable: bool = True) -> Column:
    return Column(name, "decimal", precision=15, scale=5, nullable=nullable)


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, "timestamp", nullable=nullable)


def _dates() -> tuple[Column, Column]:
    return _ts("CreateDate"), _ts("UpdateDate")


def _address_columns(prefix: str) -> tuple[Column, ...]:
    return (
        _vc(f"{prefix}AddrName", 40), *(_vc(f"{prefix}AddrLine{n}", 40) for n in range(1, 6)),
        _vc(f"{prefix}City", 20), _vc(f"{prefix}StateID", 3), _vc(f"{prefix}PostalCode", 10),
        _vc(f"{prefix}CountryID", 3),
    )


def _pct(name: str) -> Column:
    return Column(name, "decimal", precision=5, scale=2)


def _customer_address_columns() -> tuple[Column, ...]:
    """Address, contact and address-default columns StgCustomer and StgCustAddr share (#tarCustAddrValWrk)."""
    return (
        *(_vc(f"AddrLine{n}", 40) for n in range(1, 6)), _vc("AddrName", 40), _vc("AllowInvtSubst", 3),
        _vc("City", 20), _vc("CloseSOLineOnFirstShip", 3), _vc("CloseSOOnFirstShip", 3), _vc("CommPlanID", 15),
        _vc("CountryID", 3), _vc("CurrExchSchdID", 15), _vc("CurrID", 3), _vc("CustPriceGroupID", 15),
        _vc("EMailAddr", 256), _vc("Fax", 17), _vc("FaxExt", 4), _vc("FOBID", 15), _vc("InvcFormID", 15),
        _vc("InvcMsg", 100), _vc("LanguageID", 25), _vc("Name", 40), _vc("PackListFormID", 15), _vc("Phone", 17),
        _vc("PhoneExt", 4), _vc("PmtTermsID", 15), _vc("PostalCode", 10), _vc("PriceBase", 25),
        _vc("PrintOrderAck", 3), _vc("RequireSOAck", 3), _vc("SalesTerritoryID", 15), _vc("ShipComplete", 3),
        _small("ShipDays"), _vc("ShipLabelFormID", 15), _vc("ShipMethID", 15), _vc("SOAckFormID", 15),
        _vc("SperID", 12), _vc("StateID", 3), _vc("STaxSchdID", 15), _vc("Title", 40), _vc("WhseID", 6),
        _vc("BOLReqd", 3), _vc("InvoiceReqd", 3), _vc("PackListReqd", 3), _vc("PackListContentsReqd", 3),
        _vc("Residential", 3), _vc("ShipLabelsReqd", 3), _vc("CarrierAcctNo", 20), _vc("CarrierBillMeth", 25),
        _vc("FreightMethod", 25), _pct("PriceAdj"), _vc("CRMContactID", 32), _vc("CRMAddrID", 32),
    )


def _user_fields() -> tuple[Column, ...]:
    return tuple(_vc(f"UserFld{n}", 15) for n in range(1, 5))


def _staging_control() -> tuple[Column, ...]:
    # RowKey auto-increments; ProcessStatus 0 new / 1 processed / 2 error; Action 0 auto / 1 insert / 2 update /
    # 3 delete. Data columns stay nullable: staging accepts anything, the import procedure validates.
    return (
        Column("RowKey", "identity"),
        _int("SessionKey", nullable=False),
        _small("ProcessStatus", nullable=False, default="0"),
        _small("Action", default="1"),  # nullable as in a site's StgSOLine; NULL and 0 mean "automatic"
    )


# -- the tables -------------------------------------------------------------------------------------------

KEY_ALLOCATION_TABLE = Table(
    "tciSurrogateKey",
    (_vc("TableName", 30, nullable=False), _int("NextKey", nullable=False)),
    primary_key=("TableName",),
)

TABLES: tuple[Table, ...] = (
    KEY_ALLOCATION_TABLE,
    Table(
        "tciCurrency",
        (_vc("CurrID", 3, nullable=False), _vc("CurrName", 40), _small("DigitsAfterDecimal")),
        primary_key=("CurrID",),
    ),
    Table(
        "tciAddress",
        (
            _key("AddrKey"), _vc("AddrName", 40),
            *(_vc(f"AddrLine{n}", 40) for n in range(1, 6)),
            _vc("City", 20), _vc("StateID", 3), _vc("PostalCode", 10), _vc("CountryID", 3),
            *_dates(),
        ),
        primary_key=("AddrKey",),
        surrogate_key="AddrKey",
    ),
    Table(
        "tciContact",
        (_key("CntctKey"), _int("CntctOwnerKey"), _vc("Name", 40), _vc("EMailAddr", 256), _vc("Phone", 17),
         *_dates()),
        primary_key=("CntctKey",),
        indexes=(Index("ix_tciContact_EMailAddr", ("EMailAddr",)), Index("ix_tciContact_Owner", ("CntctOwnerKey",))),
        surrogate_key="CntctKey",
    ),
    Table(
        "tarCustClass",  # customer classes: defaults for new customers
        (_key("CustClassKey"), _company(), _vc("CustClassID", 12, nullable=False), _vc("CustClassName", 40),
         *_dates()),
        primary_key=("CustClassKey",),
        indexes=(Index("ux_tarCustClass_CustClassID", ("CompanyID", "CustClassID"), unique=True),),
        surrogate_key="CustClassKey",
    ),
    Table(
        "tarCustomer",
        (
            _key("CustKey"), _company(), _vc("CustID", 12, nullable=False), _vc("CustName", 40, nullable=False),
            _int("PrimaryAddrKey"), _int("PrimaryCntctKey"), _int("CustClassKey"),
            _int("DfltBillToAddrKey"), _int("DfltShipToAddrKey"),  # CUSTSP: INSERT tarCustomer
            _small("Status", nullable=False),  # 1 active, 2 inactive, 3 temporary, 4 deleted
            *_user_fields(), *_dates(),
        ),
        primary_key=("CustKey",),
        indexes=(Index("ux_tarCustomer_CustID", ("CompanyID", "CustID"), unique=True),
                 Index("ix_tarCustomer_UpdateDate", ("UpdateDate",))),
        surrogate_key="CustKey",
    ),
    Table(
        # A customer's addresses (CUSTSP: INSERT tarCustAddr): the primary one has CustAddrID = CustID; its
        # tciAddress row shares the AddrKey. Only the columns the sandbox fills (Sage has ~40 defaults more).
        "tarCustAddr",
        (_key("AddrKey"), _int("CustKey", nullable=False), _vc("CustAddrID", 15, nullable=False),
         _int("DfltCntctKey"), _vc("CurrID", 3), *_dates()),
        primary_key=("AddrKey",),
        indexes=(Index("ux_tarCustAddr_CustAddrID", ("CustKey", "CustAddrID"), unique=True),),
    ),
    Table(
        "timItem",
        (
            _key("ItemKey"), _company(), _vc("ItemID", 30, nullable=False),
            _small("ItemType", nullable=False),  # 5 finished good (Sage: 1 misc … 8 assembled kit)
            _small("Status", nullable=False),  # 1 active, 2 inactive, 3 discontinued, 4 deleted
            _money("StdPrice"), *_dates(),
        ),
        primary_key=("ItemKey",),
        indexes=(Index("ux_timItem_ItemID", ("CompanyID", "ItemID"), unique=True),
                 Index("ix_timItem_UpdateDate", ("UpdateDate",))),
        surrogate_key="ItemKey",
    ),
    Table(
        "timItemDescription",
        (_int("ItemKey", nullable=False), _int("LanguageID", nullable=False), _vc("ShortDesc", 40),
         _vc("LongDesc", 255)),
        primary_key=("ItemKey", "LanguageID"),
    ),
    Table(
        "timWarehouse",
        (_key("WhseKey"), _company(), _vc("WhseID", 6, nullable=False), _vc("Description", 30), *_dates()),
        primary_key=("WhseKey",),
        indexes=(Index("ux_timWarehouse_WhseID", ("CompanyID", "WhseID"), unique=True),),
        surrogate_key="WhseKey",
    ),
    Table(
        "timWhseBinInvt",
        (_int("WhseKey", nullable=False), _int("ItemKey", nullable=False), _qty("QtyOnHand", nullable=False),
         _qty("PendQtyDecrease", nullable=False),
         _ts("UpdateDate")),  # sandbox: when the stock row last changed (see the module docstring)
        primary_key=("WhseKey", "ItemKey"),
        indexes=(Index("ix_timWhseBinInvt_ItemKey", ("ItemKey",)), Index("ix_timWhseBinInvt_UpdateDate", ("UpdateDate",))),
    ),
    Table(
        "tciShipMethod",  # ship methods; orders refer to them by key (tsoSalesOrder.DfltShipMethKey)
        (_key("ShipMethKey"), _company(), _vc("ShipMethID", 15, nullable=False), _vc("ShipMethDesc", 40), *_dates()),
        primary_key=("ShipMethKey",),
        indexes=(Index("ux_tciShipMethod_ShipMethID", ("CompanyID", "ShipMethID"), unique=True),),
        surrogate_key="ShipMethKey",
    ),
    Table(
        "tsoSalesOrder",
        (
            _key("SOKey"), _company(), _vc("TranNo", 10, nullable=False), _vc("TranID", 13, nullable=False),
            _ts("TranDate", nullable=False), _int("CustKey", nullable=False), _vc("CustPONo", 15),
            _vc("CurrID", 3, nullable=False),
            _small("Status", nullable=False),  # 0 not active, 1 open, 2 inactive, 3 canceled, 4 closed, ...
            _small("Hold", nullable=False, default="0"), _vc("HoldReason", 20),
            _small("RequireSOAck", nullable=False, default="0"), _ts("AckDate"), _ts("CloseDate"),
            _money("TranAmt", nullable=False), _money("OpenAmt", nullable=False), _money("FreightAmt", nullable=False),
            _money("STaxAmt", nullable=False), _money("TradeDiscAmt", nullable=False),
            _int("DfltShipMethKey"), _int("DfltWhseKey"), _int("BillToAddrKey"), _int("DfltShipToAddrKey"),
            _vc("TranCmnt", 50),
            *_user_fields(),
            *_dates(),
        ),
        primary_key=("SOKey",),
        indexes=(Index("ux_tsoSalesOrder_TranNo", ("CompanyID", "TranNo"), unique=True),
                 Index("ix_tsoSalesOrder_UpdateDate", ("UpdateDate",)),
                 Index("ix_tsoSalesOrder_CustKey", ("CustKey",)),
                 # The orders loader looks its documents up by external reference (UserFld1 = XC-<id>) before
                 # and after each batch; unindexed, every look-up scans every sales order (load time grows
                 # with the square of the order count). A deployment adds the same index to tsoSalesOrder.
                 Index("ix_tsoSalesOrder_UserFld1", ("CompanyID", "UserFld1"))),
        surrogate_key="SOKey",
    ),
    Table(
        "tsoSOLine",
        (_key("SOLineKey"), _int("SOKey", nullable=False), _small("SOLineNo", nullable=False),
         _int("ItemKey"), _vc("Description", 40), _price("UnitPrice"),
         _small("CmntOnly", nullable=False),  # 1: a comment line (no item, no distribution)
         _small("ReqCert", nullable=False, default="0"),
         _small("Status", nullable=False),  # 1 open, 2 closed
         _vc("UserFld1", 15), _vc("UserFld2", 15)),
        primary_key=("SOLineKey",),
        indexes=(Index("ux_tsoSOLine_SOLineNo", ("SOKey", "SOLineNo"), unique=True),),
        surrogate_key="SOLineKey",
    ),
    Table(
        "tsoSOLineDist",
        (_key("SOLineDistKey"), _int("SOLineKey", nullable=False), _qty("QtyOrd", nullable=False),
         _qty("QtyShip", nullable=False), _qty("QtyOpenToShip", nullable=False), _money("ExtAmt", nullable=False),
         _money("FreightAmt", nullable=False), _small("DeliveryMeth", nullable=False),
         _small("Hold", nullable=False, default="0"),
         _small("Status", nullable=False),  # 1 open, 2 closed
         _int("WhseKey")),
        primary_key=("SOLineDistKey",),
        indexes=(Index("ix_tsoSOLineDist_SOLineKey", ("SOLineKey",)),),
        surrogate_key="SOLineDistKey",
    ),
    Table(
        "tsoShipment",
        (
            _key("ShipKey"), _company(), _vc("TranNo", 10, nullable=False), _vc("TranID", 13, nullable=False),
            _ts("TranDate", nullable=False),  # ship date
            _int("SOKey", nullable=False), _int("CustKey", nullable=False), _vc("ShipMethID", 15),
            _vc("CarrierID", 15), _vc("TrackingNo", 40), *_dates(),
        ),
        primary_key=("ShipKey",),
        indexes=(Index("ux_tsoShipment_TranNo", ("CompanyID", "TranNo"), unique=True),
                 Index("ix_tsoShipment_SOKey", ("SOKey",)),
                 Index("ix_tsoShipment_UpdateDate", ("UpdateDate",))),
        surrogate_key="ShipKey",
    ),
    Table(
        "tsoShipLine",
        (_key("ShipLineKey"), _int("ShipKey", nullable=False), _int("SOLineKey", nullable=False),
         _int("ItemKey", nullable=False), _int("WhseKey", nullable=False), _qty("QtyShipped", nullable=False)),
        primary_key=("ShipLineKey",),
        indexes=(Index("ix_tsoShipLine_ShipKey", ("ShipKey",)), Index("ix_tsoShipLine_SOLineKey", ("SOLineKey",))),
        surrogate_key="ShipLineKey",
    ),
    Table(
        "tglAccount",
        (
            _key("GLAcctKey"), _company(), _vc("GLAcctNo", 100, nullable=False), _vc("Description", 40),
            _small("AcctTypeID", nullable=False),  # sandbox codes: 101 cash, 120 receivables, 401 sales, ...
            _small("Status", nullable=False),  # 1 active, 2 inactive, 3 deleted
            _vc("CurrID", 3),  # NULL: any currency
            *_dates(),
        ),
        primary_key=("GLAcctKey",),
        indexes=(Index("ux_tglAccount_GLAcctNo", ("CompanyID", "GLAcctNo"), unique=True),),
        surrogate_key="GLAcctKey",
    ),
    Table(
        "tarCustPmt",  # customer payments (cash receipts)
        (
            _key("CustPmtKey"), _company(), _vc("TranNo", 10, nullable=False), _vc("TranID", 13, nullable=False),
            _ts("TranDate", nullable=False), _int("CustKey", nullable=False), _vc("CurrID", 3, nullable=False),
            _money("TranAmt", nullable=False), _money("UnappliedAmt", nullable=False), _vc("PmtMethID", 15),
            _int("CashAcctKey", nullable=False),  # tglAccount.GLAcctKey of the cash account
            _vc("TranCmnt", 50), *_user_fields(), *_dates(),
        ),
        primary_key=("CustPmtKey",),
        indexes=(Index("ux_tarCustPmt_TranNo", ("CompanyID", "TranNo"), unique=True),
                 Index("ix_tarCustPmt_UserFld1", ("CompanyID", "UserFld1")),
                 Index("ix_tarCustPmt_CustKey", ("CustKey",)),
                 Index("ix_tarCustPmt_UpdateDate", ("UpdateDate",))),
        surrogate_key="CustPmtKey",
    ),
    Table(
        "tarCustPmtAppl",  # what a payment is applied to: a sales order (or an invoice)
        (_key("CustPmtApplKey"), _int("CustPmtKey", nullable=False), _int("ApplyToSOKey"), _int("ApplyToInvcKey"),
         _money("ApplAmt", nullable=False), _ts("ApplDate", nullable=False), *_dates()),
        primary_key=("CustPmtApplKey",),
        indexes=(Index("ix_tarCustPmtAppl_CustPmtKey", ("CustPmtKey",)),
                 Index("ix_tarCustPmtAppl_ApplyToSOKey", ("ApplyToSOKey",))),
        surrogate_key="CustPmtApplKey",
    ),
    Table(
        "tarInvoice",  # AR documents; the sandbox writes credit memos (TranType 502)
        (
            _key("InvcKey"), _company(), _small("TranType", nullable=False), _vc("TranNo", 10, nullable=False),
            _vc("TranID", 13, nullable=False), _ts("TranDate", nullable=False), _int("CustKey", nullable=False),
            _vc("CurrID", 3, nullable=False), _money("TranAmt", nullable=False), _money("Balance", nullable=False),
            _int("ApplyToSOKey"), _vc("TranCmnt", 50), *_user_fields(), *_dates(),
        ),
        primary_key=("InvcKey",),
        indexes=(Index("ux_tarInvoice_TranNo", ("CompanyID", "TranType", "TranNo"), unique=True),
                 Index("ix_tarInvoice_UserFld1", ("CompanyID", "UserFld1")),
                 Index("ix_tarInvoice_ApplyToSOKey", ("ApplyToSOKey",)),
                 Index("ix_tarInvoice_UpdateDate", ("UpdateDate",))),
        surrogate_key="InvcKey",
    ),
    Table(
        # The columns spSOapiSalesOrdIns copies from StgSalesOrder into its work table (and nothing else:
        # TranAmt, a ship-to without the Dflt prefix or a bare ShipMethID are not columns the procedure reads).
        # Yes/no and list columns are text, as in Sage's staging tables: the procedure converts them.
        "StgSalesOrder",
        (
            *_staging_control(),
            _ts("AckDate"), *_address_columns("BillTo"), _vc("BillToCustAddrID", 15), _ts("CloseDate"),
            _vc("ContactName", 40), _vc("ConfirmNo", 10), _vc("CurrID", 3),
            _vc("CustID", 12), _vc("CustClassID", 12), _vc("CustPONo", 15), _vc("DfltAcctRefCode", 20),
            _vc("CurrExchSchdID", 15), _vc("DfltPurchVAddrID", 15), _vc("DfltCommPlanID", 15), _vc("DfltFOBID", 15),
            _ts("DfltPromDate"), _ts("DfltRequestDate"), _ts("DfltShipDate"), _vc("DfltShipMethID", 15),
            _small("DfltShipPriority"), *_address_columns("DfltShipTo"), _vc("DfltShipToCustAddrID", 15),
            _vc("DfltWarehouseID", 6), _ts("Expiration"), _money("FreightAmt"),
            _vc("Hold", 3), _vc("HoldReason", 20), _money("OpenAmt"), _vc("PmtTermsID", 15),
            _vc("PrimarySperID", 12), _vc("RecurSOTranNo", 10), _vc("RequireSOAck", 3), _vc("SalesSourceID", 15),
            _vc("SOAckFormID", 15), _vc("Status", 25), _money("STaxAmt"), _money("TradeDiscAmt"),
            _vc("TranCmnt", 50), _ts("TranDate"), _vc("TranNo", 10),
            *_user_fields(),
        ),
        indexes=(Index("ix_StgSalesOrder_Session", ("SessionKey", "ProcessStatus")),),
    ),
    Table(
        "StgSOLine",  # the column list of a site's copy of the standard table (see docs/sage500.md)
        (
            *_staging_control(),
            _vc("AcctRefCode", 20), _money("AmtInvcd"), _ts("CloseDate"), _vc("CmntOnly", 3), _vc("CommClassID", 15),
            _vc("CommPlanID", 15), _vc("DeliveryMeth", 25), _vc("Description", 40), _money("ExtAmt"),
            _vc("ExtCmnt", 255), _vc("FOBID", 15), _money("FreightAmt"), _vc("GLAcctNo", 100), _vc("Hold", 3),
            _vc("HoldReason", 20), _vc("ItemAliasID", 30), _vc("ItemID", 30), _vc("KitComponent", 3),
            _qty("OrigOrdered"), _ts("OrigPromiseDate"), _vc("PONumber", 13), _ts("PromiseDate"), _qty("QtyInvcd"),
            _qty("QtyOnBO"), _qty("QtyOrd"), _qty("QtyRtrnCredit"), _qty("QtyRtrnReplacement"), _qty("QtyShip"),
            _vc("ReqCert", 3), _ts("RequestDate"), _ts("ShipDate"), _vc("ShipMethID", 15), _small("ShipPriority"),
            *_address_columns("ShipTo"), _int("SOLineNo"), _vc("Status", 25), _vc("STaxClassID", 15),
            _money("TradeDiscAmt"), Column("TradeDiscPct", "decimal", precision=5, scale=2), _vc("TranNo", 10),
            _vc("UnitMeasID", 6), _price("UnitPrice"), _vc("UserFld1", 15), _vc("UserFld2", 15),
            _vc("VendorID", 12), _vc("WarehouseID", 6),
        ),
        indexes=(Index("ix_StgSOLine_Session", ("SessionKey", "TranNo")),),
    ),
    Table(
        # The columns spARapiCustomerIns copies from StgCustomer into #StgCustomer (its INSERT … SELECT list),
        # sized as its work tables #tarCustHdrValWrk / #tarCustAddrValWrk declare them (docs/sage500.md, CUSTSP).
        # One row is the customer, its primary address (AddrName is ignored: the primary address is named
        # CustName) and its primary contact (Name, EMailAddr, Phone …).
        "StgCustomer",
        (
            *_staging_control(),
            _vc("ABANo", 10), *_customer_address_columns(), _vc("AllowCustRefund", 3), _vc("AllowWriteOff", 3),
            _vc("BillingType", 25), _vc("DfltSalesReturnAcctNo", 100), _money("CreditLimit"),
            _vc("CreditLimitAgeCat", 25), _vc("CreditLimitUsed", 3), _vc("CRMCustID", 32),
            _vc("CustClassID", 15), _vc("CustID", 12), _vc("CustName", 40), _vc("CustRefNo", 15), _ts("DateEstab"),
            _vc("DfltBillToAddrID", 15), _vc("DfltItemID", 30), _vc("DfltSalesAcctNo", 100),
            _vc("DfltShipToAddrID", 15), _money("FinChgFlatAmt"), _pct("FinChgPct"), _vc("Hold", 3),
            _vc("PrintDunnMsg", 3), _vc("ReqPO", 3), _vc("SalesSourceID", 15), _small("ShipPriority"),
            _vc("Status", 25), _vc("StdIndusCodeID", 7), _vc("StmtCycleID", 15), _vc("StmtFormID", 15),
            _pct("TradeDiscPct"), *_user_fields(), _vc("VendID", 12),
        ),
        indexes=(Index("ix_StgCustomer_Session", ("SessionKey", "ProcessStatus")),),
    ),
    Table(
        # Further customer addresses (bill-to, ship-to): the columns spARapiCustomerIns copies into #StgCustAddr.
        # A row belongs to the StgCustomer row with its CustID and is read when that row names its CustAddrID
        # as DfltBillToAddrID or DfltShipToAddrID.
        "StgCustAddr",
        (*_staging_control(), *_customer_address_columns(), _vc("CustAddrID", 15), _vc("CustID", 12)),
        indexes=(Index("ix_StgCustAddr_Session", ("SessionKey", "CustID")),),
    ),
    Table(
        # Further contacts of a customer (CntctOwnerID = CustID): the columns copied into #StgContact.
        "StgContact",
        (
            *_staging_control(), _vc("CntctOwnerID", 12), _vc("EMailAddr", 256), _vc("Fax", 17), _vc("FaxExt", 4),
            _vc("Name", 40), _vc("Phone", 17), _vc("PhoneExt", 4), _vc("Title", 40), _vc("CRMContactID", 32),
        ),
        indexes=(Index("ix_StgContact_Session", ("SessionKey", "ProcessStatus")),),
    ),
    Table(
        "StgCustPmt",
        (
            *_staging_control(),
            _vc("TranNo", 10), _ts("TranDate"), _vc("CustID", 12), _vc("CurrID", 3), _money("TranAmt"),
            _vc("PmtMethID", 15), _vc("CashAcctID", 100), _vc("ApplyToTranNo", 10), _vc("TranCmnt", 50),
            *_user_fields(),
        ),
        indexes=(Index("ix_StgCustPmt_Session", ("SessionKey", "ProcessStatus")),),
    ),
    Table(
        "StgARCreditMemo",
        (
            *_staging_control(),
            _vc("TranNo", 10), _ts("TranDate"), _vc("CustID", 12), _vc("CurrID", 3), _money("TranAmt"),
            _vc("ApplyToTranNo", 10), _vc("TranCmnt", 50), *_user_fields(),
        ),
        indexes=(Index("ix_StgARCreditMemo_Session", ("SessionKey", "ProcessStatus")),),
    ),
    Table(
        # The Data Migration log: the columns the import procedures insert, nothing else (no entry number:
        # rows of a session have no order a reader could rely on). Status: 0 info, 1 failure, 2 warning,
        # 3 success. ColumnID/ColumnValue/Comment widths from the procedures' own work tables.
        "tdmMigrationLogWrk",
        (_int("SessionKey", nullable=False), _vc("EntityID", 255), _vc("ColumnID", 35), _vc("ColumnValue", 100),
         _small("Duplicate"), _vc("Comment", 255), _small("Status", nullable=False)),
        indexes=(Index("ix_tdmMigrationLogWrk_Session", ("SessionKey",)),),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def _sizes(table: Table) -> dict[str, int]:
    return {c.name: c.size for c in table.columns if c.kind in ("varchar", "char") and c.size}


def _decimals(table: Table) -> dict[str, tuple[int, int]]:
    return {c.name: (c.precision, c.scale) for c in table.columns if c.kind == "decimal"}


#: The Data Import staging tables.
STAGING_TABLES = ("StgSalesOrder", "StgSOLine", "StgCustomer", "StgCustAddr", "StgContact", "StgCustPmt",
                  "StgARCreditMemo")
#: Maximum text length of each staging column, for quality suites and tests.
STAGING_COLUMN_SIZES: dict[str, dict[str, int]] = {name: _sizes(TABLES_BY_NAME[name]) for name in STAGING_TABLES}
#: (precision, scale) of each exact-decimal staging column.
STAGING_DECIMAL_COLUMNS: dict[str, dict[str, tuple[int, int]]] = {
    name: _decimals(TABLES_BY_NAME[name]) for name in STAGING_TABLES
}


def column_sizes(table: str) -> dict[str, int]:
    """Maximum text length of each character column of any sandbox table."""
    return _sizes(TABLES_BY_NAME[table])


# -- DDL ----------------------------------------------------------------------------------------------------

def schema_statements(dialect: str | Dialect) -> list[str]:
    """Every DDL statement :func:`create_schema` runs, in order."""
    d = get_dialect(dialect)
    return [statement for table in TABLES for statement in table.ddl(d)]


#: Columns added to ERP tables by the vendor-conformant layout (issue 12), with the value existing rows get.
UPGRADE_DEFAULTS: dict[str, dict[str, str]] = {
    "tsoSalesOrder": {"RequireSOAck": "0"},
    "tsoSOLine": {"CmntOnly": "0", "ReqCert": "0", "Status": "1"},
    "tsoSOLineDist": {"QtyOpenToShip": "0", "FreightAmt": "0", "DeliveryMeth": "1", "Hold": "0", "Status": "1"},
}
#: Transient tables (session rows only): recreated when their columns differ from the current layout.
TRANSIENT_TABLES = (*STAGING_TABLES, "tdmMigrationLogWrk")


def _existing_columns(conn, table: str) -> set[str] | None:
    """The table's column names (lower case), or None when it does not exist."""
    cursor = conn.cursor()
    try:
        cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        columns = {c[0].lower() for c in cursor.description}
        conn.commit()
        return columns
    except Exception:  # pyodbc.Error: no such table (PostgreSQL needs the failed transaction rolled back)
        conn.rollback()
        return None


def upgrade_schema(conn, dialect: str | Dialect) -> list[str]:
    """Bring a sandbox created with an older layout up to date, in place; returns what it did.

    Staging and log tables hold only session rows: when their columns differ they are dropped (and
    :func:`create_schema` creates them anew). ERP tables keep their rows and get the missing columns, filled
    as :data:`UPGRADE_DEFAULTS` says; a sales order's old ship-to and ship-method columns are carried over to
    ``DfltShipToAddrKey`` and ``DfltShipMethKey`` by :func:`create_schema` once ``tciShipMethod`` exists.
    """
    d = get_dialect(dialect)
    done: list[str] = []
    cursor = conn.cursor()
    for table in TABLES:
        existing = _existing_columns(conn, table.name)
        if existing is None:
            continue
        wanted = {c.lower() for c in table.column_names}
        if existing == wanted:
            continue
        if table.name in TRANSIENT_TABLES:
            cursor.execute(d.drop_table(table.name))
            done.append(f"recreated {table.name}")
        else:
            for column in table.columns:
                if column.name.lower() in existing:
                    continue
                default = UPGRADE_DEFAULTS.get(table.name, {}).get(column.name, column.default)
                added = Column(column.name, column.kind, column.size, column.precision, column.scale, True, default)
                cursor.execute(f"ALTER TABLE {table.name} ADD {added.ddl(d)}")
                if default is not None:
                    cursor.execute(f"UPDATE {table.name} SET {column.name} = {default} WHERE {column.name} IS NULL")
                done.append(f"added {table.name}.{column.name}")
        conn.commit()
    return done


def _carry_over_order_references(conn) -> None:
    """Old sales orders named their ship-to (ShipToAddrKey) and ship method (ShipMethID) directly."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM tsoSalesOrder WHERE 1 = 0")  # exists: create_schema has just ensured it
    existing = {c[0].lower() for c in cursor.description}
    if "shiptoaddrkey" in existing:
        cursor.execute("UPDATE tsoSalesOrder SET DfltShipToAddrKey = ShipToAddrKey "
                       "WHERE DfltShipToAddrKey IS NULL AND ShipToAddrKey IS NOT NULL")
    if "shipmethid" in existing:
        missing = [tuple(r) for r in cursor.execute(
            "SELECT DISTINCT o.CompanyID, o.ShipMethID FROM tsoSalesOrder o WHERE o.ShipMethID IS NOT NULL AND NOT "
            "EXISTS (SELECT 1 FROM tciShipMethod m WHERE m.CompanyID = o.CompanyID AND m.ShipMethID = o.ShipMethID)"
        ).fetchall()]
        if missing:
            first = allocate_keys(conn, "tciShipMethod", len(missing))
            insert_rows(cursor, "tciShipMethod", ("ShipMethKey", "CompanyID", "ShipMethID"),
                        [(first + i, company, meth) for i, (company, meth) in enumerate(missing)])
        cursor.execute("UPDATE tsoSalesOrder SET DfltShipMethKey = (SELECT m.ShipMethKey FROM tciShipMethod m "
                       "WHERE m.CompanyID = tsoSalesOrder.CompanyID AND m.ShipMethID = tsoSalesOrder.ShipMethID) "
                       "WHERE DfltShipMethKey IS NULL AND ShipMethID IS NOT NULL")


def link_primary_addresses(conn) -> None:
    """Customers without their primary ``tarCustAddr`` row or default bill-to/ship-to keys get them, as
    spARapiCustomerIns creates them (CustAddrID = CustID; defaults = the primary address). For seeded customers
    and for customers of a sandbox created before the customer import followed Sage (in-place upgrade)."""
    cursor = conn.cursor()
    cursor.execute("INSERT INTO tarCustAddr (AddrKey, CustKey, CustAddrID, DfltCntctKey, CreateDate, UpdateDate) "
                   "SELECT c.PrimaryAddrKey, c.CustKey, c.CustID, c.PrimaryCntctKey, c.CreateDate, c.UpdateDate "
                   "FROM tarCustomer c WHERE c.PrimaryAddrKey IS NOT NULL AND NOT EXISTS "
                   "(SELECT 1 FROM tarCustAddr a WHERE a.AddrKey = c.PrimaryAddrKey)")
    cursor.execute("UPDATE tarCustomer SET DfltBillToAddrKey = PrimaryAddrKey WHERE DfltBillToAddrKey IS NULL")
    cursor.execute("UPDATE tarCustomer SET DfltShipToAddrKey = PrimaryAddrKey WHERE DfltShipToAddrKey IS NULL")


def create_schema(conn, dialect: str | Dialect) -> None:
    """Create missing tables, indexes and key-allocation rows, in one transaction; safe to repeat.

    A sandbox created with an older layout is upgraded in place first (:func:`upgrade_schema`).
    """
    upgrade_schema(conn, dialect)
    statements = schema_statements(dialect)
    cursor = conn.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
        for table in TABLES:
            if table.surrogate_key:
                exists = cursor.execute(
                    "SELECT COUNT(*) FROM tciSurrogateKey WHERE TableName = ?", table.name
                ).fetchone()[0]
                if not exists:
                    cursor.execute("INSERT INTO tciSurrogateKey (TableName, NextKey) VALUES (?, ?)", table.name, 1)
        _carry_over_order_references(conn)
        link_primary_addresses(conn)
        conn.commit()
    except Exception:
        conn.rollback()
        raise


def drop_schema(conn, dialect: str | Dialect) -> None:
    """Drop every sandbox table that exists (indexes go with their tables)."""
    d = get_dialect(dialect)
    cursor = conn.cursor()
    try:
        for table in reversed(TABLES):
            cursor.execute(d.drop_table(table.name))
        conn.commit()
    except Exception:
        conn.rollback()
        raise


def table_counts(conn) -> dict[str, int]:
    """Rows per sandbox table (for the CLI and for tests that inspect state)."""
    cursor = conn.cursor()
    return {t.name: int(cursor.execute(f"SELECT COUNT(*) FROM {t.name}").fetchone()[0]) for t in TABLES}


# -- keys and batched inserts -----------------------------------------------------------------------------

def allocate_keys(conn, table: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive surrogate keys for ``table``; returns the first one.

    Runs in the caller's transaction and holds the allocation row locked until it commits, which is what
    keeps concurrent allocators from handing out the same keys (see the module docstring). Commit soon.
    """
    if count < 1:
        raise ValueError(f"cannot allocate {count} keys")
    cursor = conn.cursor()
    # Write first: the lock is taken before the counter is read.
    cursor.execute("UPDATE tciSurrogateKey SET NextKey = NextKey + ? WHERE TableName = ?", count, table)
    if cursor.rowcount == 0:
        raise KeyAllocationError(f"tciSurrogateKey has no row for table {table}; create the schema with create_schema()")
    next_key = cursor.execute("SELECT NextKey FROM tciSurrogateKey WHERE TableName = ?", table).fetchone()[0]
    return int(next_key) - count


def insert_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                max_parameters: int = 999) -> int:
    """Insert rows with multi-row ``INSERT … VALUES (…), (…)`` statements; returns the number inserted.

    Multi-row VALUES is portable (SQLite 3.7.11+, PostgreSQL, SQL Server) and far faster than ``executemany``
    over the PostgreSQL ODBC driver, which sends one statement per row. Batches stay under
    ``max_parameters`` markers and SQL Server's 1000-row limit.
    """
    columns = list(columns)
    per_row = len(columns)
    batch_size = max(1, min(1000, max_parameters // per_row))
    row_marks = "(" + ", ".join("?" for _ in columns) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    total = 0
    batch: list[Sequence[Any]] = []

    def flush() -> None:
        if batch:
            cursor.execute(head + ", ".join([row_marks] * len(batch)), [value for row in batch for value in row])

    for row in rows:
        if len(row) != per_row:
            raise ValueError(f"{table}: row has {len(row)} values for {per_row} columns")
        batch.append(row)
        total += 1
        if len(batch) == batch_size:
            flush()
            batch = []
    flush()
    return total
