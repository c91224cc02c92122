"""X-Cart as the target of ERP-side customer edits (the ERP owns address and status).

A storefront account is found by e-mail (the key both systems share; logins are unique in X-Cart). Only
what differs is written, so the storefront → ERP leg's own echo (the ERP's UpdateDate moves when we update
it) ends as "already up to date" instead of a write.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.hooks.errors import PermanentRecordError

ADDRESS_FIELDS = ("firstname", "lastname", "street", "street2", "city", "state", "zipcode", "country", "phone")


def _profiles_by_email(adapter) -> dict[str, dict[str, Any]]:
    return adapter.cached("profiles_by_email", lambda: {
        str(p.get("login") or p.get("email") or "").strip().lower(): p for p in adapter.client.iter_records("profile")
    })


def load_customer_updates(adapter, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    """Compare with the account's native record (status and address rows are native fields; the complex
    profile has neither ``status`` nor the second street line) and write what differs, in the native
    schema (``PUT profile/<id>``: ``status``, ``addresses[][address_id, …]``)."""
    profiles = _profiles_by_email(adapter)
    outcomes = []
    for key, record in records:
        profile = profiles.get((record.get("email") or "").strip().lower()) if record.get("email") else None
        if profile is None:
            outcomes.append(LoadOutcome(key, "skipped", f"ERP customer {key}: no storefront account with e-mail "
                                                        f"{record.get('email')!r}", reason_code="no_storefront_account"))
            continue
        profile_id = profile["profileId"]
        try:
            native = adapter.client.find("profile", profile_id, schema=None)
        except PermanentRecordError as exc:
            native, error = None, exc
        else:
            error = None
        if native is None:
            outcomes.append(LoadOutcome(key, "dlq", f"ERP customer {key}: X-Cart profile {profile_id} could not be "
                                                    f"read{f': {error}' if error else ''}", reason_code="target_rejected"))
            continue
        billing = next((a for a in native.get("addresses") or [] if isinstance(a, dict) and a.get("is_billing")), None)
        wanted = {f: record["address"].get(f) for f in ADDRESS_FIELDS if f in record["address"]}
        changes: dict[str, Any] = {}
        if billing is not None:
            differing = {f: v or "" for f, v in wanted.items() if (billing.get(f) or "") != (v or "")}
            # X-Cart's complex profile takes the account's names from its billing address
            # (Core/Schema/Complex::convertModelProfile): the ERP's name on the address (a company name, or its
            # one name split again elsewhere) would rename the account and echo back to the ERP next run. The
            # ERP owns the address and status; the names stay the storefront's.
            differing.pop("firstname", None)
            differing.pop("lastname", None)
            if differing:
                changes["addresses"] = [{"address_id": billing.get("address_id"), **differing}]
        elif wanted:
            outcomes.append(LoadOutcome(key, "skipped", f"ERP customer {key}: storefront account {profile_id} has no "
                                                        "billing address to update (adding one is not done through "
                                                        "the REST API)", reason_code="no_billing_address",
                                        target_id=str(profile_id)))
            continue
        if record.get("status") and native.get("status") != record["status"]:
            changes["status"] = record["status"]
        if not changes:
            outcomes.append(LoadOutcome(key, "skipped", "storefront account already up to date",
                                        target_id=str(profile_id)))
            continue
        try:
            adapter.client.update("profile", profile_id, changes)
        except PermanentRecordError as exc:
            outcomes.append(LoadOutcome(key, "dlq", f"ERP customer {key}: X-Cart refused the update: {exc}",
                                        reason_code="target_rejected"))
            continue
        described = sorted(changes if "addresses" not in changes else
                           [*(c for c in changes if c != "addresses"), "addresses"])
        outcomes.append(LoadOutcome(key, "loaded", f"updated storefront account {profile_id}: "
                                                   f"{', '.join(described)}", target_id=str(profile_id)))
    return outcomes
