"""The X-Cart 5 REST API module's request rules, as its own source has them, over the sandbox store.

Sources (X-Cart 5 module ``XC\\RESTAPI`` and core, read in ``glennmanning1/mostad-xcart``, an X-Cart 5
store's source tree; paths under ``classes/XLite/``):

- ``Module/XC/RESTAPI/Controller/Admin/RESTAPI.php``: access is the read/write key for any method, the
  read-only key for GET only; a refused request is 403 when the schema found the entity's repository
  (``isForbid``), else 404, with no body; ``_method`` (or ``X-HTTP-Method-Override``) overrides the verb
  and an unknown method becomes GET; an exception while processing is 400 with ``X-REST-Error``; a PUT
  body is decoded with ``parse_str`` (form encoding), whatever its content type.
- ``Module/XC/RESTAPI/Core/Schema/ASchema.php``: ``_path=<entity>`` is a "*All" request,
  ``<entity>/<id>`` a "*One" request (so a single create is ``POST <entity>/0``: the id is not used);
  input is the ``model`` parameter (a JSON string or a bracketed form array) or else the request data
  without the service keys; ``POST <entity>`` takes a list of rows; a GET list converts without
  associations, a single record with them; the data go through ``loadRawFixture`` (fields the entity
  does not map are ignored; a to-one association is found by its id; a to-many entry without its id
  is a new row).
- ``Module/XC/RESTAPI/Core/Schema/Native.php``: no ``_cnd`` → every row (``findAllForREST``, no limit);
  any ``_cnd`` → the repository's ``search``: conditions the repository has no handler for are skipped
  (e.g. ``Model/Repo/Order.php::callSearchConditionHandler``), so an unknown condition leaves the rows
  unfiltered; entity paths are model class paths in lower case with ``-`` for ``\\``
  (``payment-backendtransaction`` = ``XLite\\Model\\Payment\\BackendTransaction``).
- ``Module/XC/RESTAPI/Core/Schema/Complex.php``: ``_schema=complex`` only for product, profile
  (alias person) and order, and only for GET (``isValid``/``isForbid``).
- ``Module/XC/RESTAPI/Core/Printer/Base/HTTP.php``: ``X-Result-Count`` is ``count($data)`` (1 for a
  single record): the rows in this response, never a total.
- ``Model/Repo/Order.php``: order conditions ``orderId``, ``orderNumber``, ``paymentStatus``,
  ``shippingStatus`` (code or id), ``date`` ([start, end], unix seconds, both inclusive, on the order
  date), ``orderBy`` ([sort, direction]), ``limit`` ([offset, count]); there is no ``updateDate``.
- ``Model/Repo/Payment/Transaction.php``: ``order`` (the order *number*), ``status``, ``orderBy``,
  ``limit``; its ``date`` takes a date-range *text* (an array value filters nothing).
- ``Model/Repo/Payment/BackendTransaction.php``: no search at all (the class is empty), so any ``_cnd``
  calls a method that does not exist: a PHP fatal error, answered here as 500.
- ``Model/Repo/Product.php`` (``SKU``, ``enabled``, ``orderBy``, ``limit``) and ``Model/Repo/Profile.php``
  (``login``, ``status``, ``order_by``, ``limit``).
- ``Model/Payment/Transaction.php`` / ``Model/Payment/BackendTransaction.php``: the native fields and the
  backend transaction types (``capture``, ``capturePart``, ``captureMulti``, ``void``, ``voidPart``,
  ``voidMulti``, ``refund``, ``refundPart``, ``refundMulti``, ...); backend statuses I, P, S, W, F.
- ``sql/xlite_data.yaml``: the shipping statuses N, P, S, D, WND, R and payment statuses in install order.

What the source does not settle (the emulator's least forgiving choice, see docs/xcart.md): rows without
``orderBy`` come in id order; a list with ``_cnd[limit]`` and nothing else still runs the search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

SERVICE_KEYS = ("target", "action", "_key", "_path", "_method", "callback", "_schema")
ALLOWED_METHODS = ("GET", "POST", "PUT", "DELETE")

# Install order of sql/xlite_data.yaml; the ids are the auto-increment ids of a fresh store.
SHIPPING_STATUS_IDS = {code: index + 1 for index, code in enumerate(("N", "P", "S", "D", "WND", "R"))}
PAYMENT_STATUS_IDS = {code: index + 1 for index, code in enumerate(("Q", "A", "PP", "P", "D", "C", "R"))}

BACKEND_REFUND_TYPES = ("refund", "refundPart", "refundMulti")
BACKEND_CAPTURE_TYPES = ("capture", "capturePart", "captureMulti")
BACKEND_VOID_TYPES = ("void", "voidPart", "voidMulti")

NATIVE_ENTITIES = ("order", "profile", "product", "payment-transaction", "payment-backendtransaction",
                   "order-status-shipping", "order-status-payment")
COMPLEX_ENTITIES = {"order": "order", "profile": "profile", "person": "profile", "product": "product"}

# Conditions each repository has a handler for (the rest are skipped silently, like X-Cart does).
SEARCH_CONDITIONS = {
    "order": ("orderId", "orderNumber", "paymentStatus", "shippingStatus", "date", "orderBy", "limit"),
    "profile": ("login", "status", "order_by", "limit"),
    "product": ("SKU", "enabled", "orderBy", "limit"),
    "payment-transaction": ("order", "status", "date", "orderBy", "limit"),
}
ORDER_SORT_FIELDS = {"o.order_id": "orderId", "o.date": "orderDate", "o.orderNumber": "orderNumber"}
TRANSACTION_SORT_FIELDS = {"t.transaction_id": "transaction_id", "t.date": "date"}


class Fatal(Exception):
    """A PHP fatal error in the real module: HTTP 500 with no body."""


class RestError(Exception):
    """An exception inside the module's processing: HTTP 400 with ``X-REST-Error``."""


# -- request data (PHP's view of it) ----------------------------------------------------------------

_BRACKETS = re.compile(r"\[([^\]]*)\]")


def php_parse(pairs: Iterable[tuple[str, str]], into: dict | None = None) -> dict:
    """Query-string pairs as PHP builds ``$_GET``/``parse_str``: ``a[b][c]=v`` nests, ``a[]`` appends,
    the last occurrence wins."""
    data: dict = {} if into is None else into
    for raw_key, value in pairs:
        head, _, rest = raw_key.partition("[")
        if not head:
            continue
        path = [head] + (_BRACKETS.findall("[" + rest) if rest else [])
        node = data
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if part == "":
                part = str(len(node)) if isinstance(node, dict) else "0"
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return data


def request_data(query: str, body: bytes, *, verb: str, content_type: str) -> dict:
    """GET parameters merged with the body PHP sees: form bodies of POST, any body of PUT (``parse_str``)."""
    data = php_parse(parse_qsl(query, keep_blank_values=True))
    text = body.decode("utf-8", "replace") if body else ""
    if text and (verb == "PUT" or (verb == "POST" and content_type.startswith("application/x-www-form-urlencoded"))):
        php_parse(parse_qsl(text, keep_blank_values=True), into=data)
    return data


def model_input(data: Mapping[str, Any]) -> Any:
    """``ASchema::getInput``: the ``model`` parameter (JSON text or form array), else the request data
    without the service keys. None when ``model`` is text that is not a JSON object or array."""
    if data.get("model"):
        model = data["model"]
        if isinstance(model, str):
            try:
                decoded = json.loads(model, parse_float=Decimal)
            except json.JSONDecodeError:
                return None
            return decoded if isinstance(decoded, (dict, list)) else None
        return model
    return {key: value for key, value in data.items() if key not in SERVICE_KEYS}


def rows_of(value: Any) -> list:
    """The rows of a "*All" input (a JSON list, or an object / form array keyed by row)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


# -- conditions ---------------------------------------------------------------------------------------

def known_conditions(entity: str, cnd: Mapping[str, Any]) -> dict[str, Any]:
    """The conditions the entity's repository handles; the others are dropped (X-Cart logs nothing)."""
    handled = SEARCH_CONDITIONS.get(entity, ())
    return {key: value for key, value in cnd.items() if key in handled}


def as_pair(value: Any) -> tuple[Any, Any]:
    """A PHP ``list($a, $b) = $value`` of a form array (``[0]``/``[1]``) or a JSON list."""
    if isinstance(value, dict):
        items = [value[key] for key in sorted(value, key=lambda k: (not str(k).isdigit(), int(k) if str(k).isdigit() else 0))]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return value, None
    items += [None, None]
    return items[0], items[1]


def to_int(value: Any) -> int:
    """PHP's ``(int)`` of a request value: leading digits, else 0."""
    match = re.match(r"\s*[-+]?\d+", str(value if value is not None else ""))
    return int(match.group()) if match else 0


def frame(rows: list, limit: Any) -> list:
    """``setFrameResults([start, count])``: start below 0 is 0, a count of 0 means no limit."""
    start, count = as_pair(limit)
    start, count = max(0, to_int(start)), max(0, to_int(count))
    return rows[start:start + count] if count else rows[start:]


def sort_rows(rows: list, order_by: Any, fields: Mapping[str, str], key_of) -> list:
    sort, direction = as_pair(order_by)
    if not sort:
        return rows
    if sort not in fields:
        raise RestError(f"[Semantical Error] Error: '{sort}' is not a sortable field")
    reverse = str(direction or "ASC").upper() == "DESC"
    return sorted(rows, key=lambda row: key_of(row, fields[sort]), reverse=reverse)


# -- shapes -------------------------------------------------------------------------------------------

# PHP's date('c') writes the time in the PHP default time zone, which X-Cart takes from the store's
# settings, not UTC (which zone is unverified: the emulator's least forgiving choice is one with an offset
# that is never zero and changes with daylight saving time, so a reader that drops the offset is wrong by
# 4 or 5 hours and a reader that assumes one offset is wrong for half the year).
STORE_TIME_ZONE = ZoneInfo("America/New_York")


def iso(ts: Any) -> Any:
    """PHP ``date('c', $ts)`` (``2026-12-07T09:03:00-05:00``) in the store's time zone, or the stored value
    as is when it is not a unix time (the sandbox's records endpoint accepts hostile values)."""
    if isinstance(ts, int) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts, tz=STORE_TIME_ZONE).isoformat(timespec="seconds")
    return ts


def tracking_id(order_id: Any, index: int) -> int:
    """The emulator's stable id of an order's tracking number (X-Cart's are auto-increment ids)."""
    return (order_id if isinstance(order_id, int) else 0) * 1000 + index + 1


def status_row(kind: str, code: Any) -> dict | None:
    ids = SHIPPING_STATUS_IDS if kind == "shipping" else PAYMENT_STATUS_IDS
    return {"id": ids[code], "code": code} if code in ids else None


def complex_product(record: Mapping[str, Any]) -> dict:
    """``Core/Schema/Complex.php::convertModelProduct``: stock is ``quantity``."""
    result = {key: value for key, value in record.items() if key not in ("amount",)}
    result["quantity"] = record.get("amount", record.get("quantity"))
    return result


def complex_address(address: Mapping[str, Any]) -> dict:
    """An address as ``convertModelProfile`` writes it (street is ``address``; flags ``isDefault*``)."""
    return {
        "country": address.get("country"),
        "state": address.get("state"),
        "city": address.get("city"),
        "address": address.get("street"),
        "firstname": address.get("firstname"),
        "lastname": address.get("lastname"),
        "zipcode": address.get("zipcode"),
        "isDefaultShippingAddress": bool(address.get("isShipping")),
        "isDefaultBillingAddress": bool(address.get("isBilling")),
    }


def complex_profile(record: Mapping[str, Any]) -> dict:
    """``convertModelProfile``: profileId, login, email, addresses, addedDate, membership, roles, names."""
    addresses = [complex_address(a) for a in record.get("addresses") or () if isinstance(a, dict)]
    billing = next((a for a in record.get("addresses") or () if isinstance(a, dict) and a.get("isBilling")), None)
    return {
        "profileId": record.get("profileId"),
        "login": record.get("login"),
        "email": record.get("login", record.get("email")),
        "addresses": addresses,
        "addedDate": iso(record.get("addedDate")) if record.get("addedDate") is not None else None,
        "membership": "",
        "roles": [],
        "firstname": billing.get("firstname", "") if billing else "",
        "lastname": billing.get("lastname", "") if billing else "",
    }


def _minus(left: Any, right: Any) -> Any:
    """PHP's ``$a - $b`` of two stored amounts; a hostile non-number is passed on as it is."""
    def number(value: Any) -> bool:
        return isinstance(value, (int, Decimal)) and not isinstance(value, bool)
    if number(left) and number(right if right is not None else 0):
        return left - (right if right is not None else 0)
    return left


def complex_order_item(item: Mapping[str, Any], product: Mapping[str, Any] | None) -> dict:
    """One entry of ``convertModelOrder``'s ``items``: the line's sku, name, price and ``quantity`` (the
    item's ``amount``) beside its product's fields; no line total, no item id."""
    product = product or {}
    product_id = product.get("productId")
    return {
        "sku": item.get("sku"),
        "productId": product_id,
        "name": item.get("name"),
        "description": product.get("description", ""),
        "shortDescription": product.get("shortDescription", ""),
        "price": item.get("price"),
        "weight": product.get("weight", 0),
        "quantity": item.get("amount"),
        "releaseDate": iso(product["arrivalDate"]) if isinstance(product.get("arrivalDate"), int) else None,
        "URL": f"http://localhost/cart.php?target=product&product_id={product_id}" if product_id else "",
        "enabled": product.get("enabled", True),
        "freeShipping": bool(product.get("freeShipping", False)),
    }


def _order_address(address: Any, *, billing: bool, same: bool) -> dict | None:
    """``billingInfo``/``shippingInfo``: the profile's billing / shipping address as ``convertModelProfile``
    writes addresses; the flags say which default it is (both when one address serves both)."""
    if not isinstance(address, dict):
        return None
    result = complex_address(address)
    result["isDefaultBillingAddress"] = billing or same
    result["isDefaultShippingAddress"] = not billing or same
    return result


def complex_order(record: Mapping[str, Any], *, product_of=lambda sku: None,
                  profile_of=lambda profile_id: None) -> dict:
    """``Core/Schema/Complex.php::convertModelOrder``: the keys, names and formats it builds, from the
    sandbox's order record (which keeps X-Cart's model fields: item ``amount``, address ``street``, ...).

    ``subtotal`` is ``total - shippingCost`` (tax and discounts included), dates are ``date('c')`` text,
    items carry ``quantity`` and no line total, addresses carry ``address`` and no second line or phone,
    ``customerInfo`` has no guest flag; tracking: the first number's value or "".
    """
    numbers = record.get("trackingNumbers")
    if isinstance(numbers, list):
        tracking = numbers[0].get("value") if numbers and isinstance(numbers[0], dict) else ""
    else:
        tracking = record.get("trackingNumber")
    customer = record.get("customerInfo") if isinstance(record.get("customerInfo"), dict) else {}
    profile = profile_of(customer.get("profileId")) or {}
    billing, shipping = record.get("billingInfo"), record.get("shippingInfo")
    same = isinstance(billing, dict) and isinstance(shipping, dict) and \
        {k: v for k, v in billing.items() if k not in ("isBilling", "isShipping")} == \
        {k: v for k, v in shipping.items() if k not in ("isBilling", "isShipping")}
    items = record.get("items")
    return {
        "orderId": record.get("orderId"),
        "orderNumber": record.get("orderNumber"),
        "total": record.get("total"),
        "subtotal": _minus(record.get("total"), record.get("shippingCost")),
        "taxAmount": record.get("taxAmount"),
        "shippingCost": record.get("shippingCost"),
        "paymentFee": 0,
        "discountValue": record.get("discountValue"),
        "currency": record.get("currency"),
        "items": [complex_order_item(item, product_of(item.get("sku"))) if isinstance(item, dict) else item
                  for item in items] if isinstance(items, list) else items,
        "shippingStatus": record.get("shippingStatus"),
        "paymentStatus": record.get("paymentStatus"),
        "orderDate": iso(record.get("orderDate")),
        "updateDate": iso(record.get("updateDate")),
        "trackingNumber": tracking if tracking is not None else "",
        "customerNotes": record.get("customerNotes", ""),
        "adminNotes": record.get("adminNotes", ""),
        "coupon": "",
        "customerInfo": {
            "profileId": customer.get("profileId"),
            "login": customer.get("login", customer.get("email")),
            "email": customer.get("login", customer.get("email")),
            "password": "",
            "addedDate": iso(profile.get("addedDate")),
            "membership": "",
            "firstname": customer.get("firstname", ""),
            "lastname": customer.get("lastname", ""),
        },
        "billingInfo": _order_address(billing, billing=True, same=same),
        "shippingInfo": _order_address(shipping, billing=False, same=same),
        "paymentMethod": record.get("paymentMethod"),
        "shippingMethod": record.get("shippingMethod"),
    }


def native_order(record: Mapping[str, Any], *, associations: bool) -> dict:
    """``XLite\\Model\\Order`` fields (``buildDataForREST``) and, for one record, its associations."""
    order_id = record.get("orderId")
    result = {
        "order_id": order_id,
        "orderNumber": record.get("orderNumber"),
        "date": record.get("orderDate"),
        "lastRenewDate": record.get("updateDate"),
        "total": record.get("total"),
        "subtotal": record.get("subtotal"),
        "notes": record.get("customerNotes", ""),
        "adminNotes": record.get("adminNotes", ""),
        "shipping_method_name": record.get("shippingMethod"),
        "payment_method_name": record.get("paymentMethod"),
    }
    if associations:
        numbers = record.get("trackingNumbers")
        if not isinstance(numbers, list):
            single = record.get("trackingNumber")
            numbers = [{"value": single}] if isinstance(single, str) and single else []
        result["paymentStatus"] = status_row("payment", record.get("paymentStatus"))
        result["shippingStatus"] = status_row("shipping", record.get("shippingStatus"))
        result["trackingNumbers"] = [
            {"tracking_id": tracking_id(order_id, index), "value": entry.get("value"),
             "creationDate": entry.get("creationDate", record.get("updateDate"))}
            for index, entry in enumerate(numbers) if isinstance(entry, dict)]
        result["currency"] = {"code": record.get("currency")}
        result["items"] = [
            {"item_id": index + 1, "sku": item.get("sku"), "name": item.get("name"), "price": item.get("price"),
             "amount": item.get("amount")}
            for index, item in enumerate(record.get("items") or []) if isinstance(item, dict)]
    return result


def native_product(record: Mapping[str, Any], *, associations: bool) -> dict:
    result = {
        "product_id": record.get("productId"),
        "sku": record.get("sku"),
        "price": record.get("price"),
        "amount": record.get("amount", record.get("quantity")),
        "enabled": record.get("enabled"),
    }
    if associations:
        result["translations"] = [{"label_id": record.get("productId"), "code": "en", "name": record.get("name")}]
    return result


# Unverified: X-Cart 5 keeps address fields as AddressFieldValue rows; the emulator serves them flat.
NATIVE_ADDRESS_FIELDS = ("firstname", "lastname", "street", "street2", "city", "state", "zipcode", "country", "phone")


def native_profile(record: Mapping[str, Any], *, associations: bool) -> dict:
    result = {"profile_id": record.get("profileId"), "login": record.get("login"), "status": record.get("status"),
              "added": record.get("addedDate")}
    if associations:
        result["addresses"] = [
            {"address_id": a.get("addressId"), "is_billing": bool(a.get("isBilling")),
             "is_shipping": bool(a.get("isShipping")),
             **{field: a.get(field) for field in NATIVE_ADDRESS_FIELDS}}
            for a in record.get("addresses") or () if isinstance(a, dict)]
    return result


def backend_type(record: Mapping[str, Any], parent: Mapping[str, Any] | None) -> str:
    """The backend transaction type of a sandbox capture/refund/void: whole or part of its parent."""
    kind = record.get("type")
    whole = parent is not None and record.get("value") == parent.get("value")
    return kind if whole else f"{kind}Part"


# Gateway references live in XLite\\Model\\Payment\\TransactionData cells (name, label, access_level, value) whose
# names each payment module chooses: X-Payments Connector writes "xpc_txnid" (CDev/XPaymentsConnector, verified);
# the emulator uses "TRANSACTIONID" for every other method (unverified: PayPal's module is not in the source read).
GATEWAY_CELL_BY_METHOD = {"Credit Card": "xpc_txnid"}
DEFAULT_GATEWAY_CELL = "TRANSACTIONID"


def data_cells(record: Mapping[str, Any]) -> list[dict]:
    gateway_id = record.get("gatewayTransactionId")
    if not gateway_id:
        return []
    name = GATEWAY_CELL_BY_METHOD.get(record.get("method"), DEFAULT_GATEWAY_CELL)
    return [{"data_id": record.get("transactionId"), "name": name, "label": "", "access_level": "A",
             "value": gateway_id}]


BACKEND_STATUS = {"I": "I", "P": "P", "S": "S", "W": "W", "F": "F", "C": "F", "V": "F"}


def native_transaction(record: Mapping[str, Any], *, order: Mapping[str, Any] | None,
                       backends: list[dict], associations: bool) -> dict:
    """``XLite\\Model\\Payment\\Transaction``: the payment itself (sale or auth)."""
    result = {
        "transaction_id": record.get("transactionId"),
        "date": record.get("date"),
        "public_id": f"{record.get('transactionId')}",
        "method_name": str(record.get("method") or "").replace(" ", ""),
        "method_local_name": record.get("method"),
        "status": record.get("status"),
        "value": record.get("value"),
        "note": "",
        "type": record.get("type"),
    }
    if associations:
        result["order"] = native_order(order, associations=False) if order is not None else None
        result["currency"] = {"code": record.get("currency")}
        result["backend_transactions"] = backends
        result["data"] = data_cells(record)
    return result


def native_backend(record: Mapping[str, Any], parent: Mapping[str, Any] | None, *, associations: bool) -> dict:
    """``XLite\\Model\\Payment\\BackendTransaction``: a capture, refund or void of a payment transaction."""
    result = {
        "id": record.get("transactionId"),
        "date": record.get("date"),
        "status": BACKEND_STATUS.get(record.get("status"), record.get("status")),
        "value": record.get("value"),
        "type": backend_type(record, parent),
    }
    if associations:
        result["payment_transaction"] = (
            native_transaction(parent, order=None, backends=[], associations=False) if parent is not None else None)
        result["data"] = data_cells(record)  # BackendTransactionData cells, as the transaction's
    return result
