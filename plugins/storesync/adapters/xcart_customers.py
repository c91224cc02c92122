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
    profiles = _profiles_by_email(adapter)
    outcomes = []
    for key, record in records:
        profile = profiles.get((record.get("email") or "").strip().lower()) if record.get("email") else None
        if profile is None:
            outcomes.append(LoadOutcome(key, "skipped", f"ERP customer {key}: no storefront account with e-mail "
                                                        f"{record.get('email')!r}", reason_code="no_storefront_account"))
            continue
        addresses = [dict(a) for a in profile.get("addresses") or []]
        billing = next((a for a in addresses if a.get("isBilling")), None)
        wanted = {f: record["address"].get(f) for f in ADDRESS_FIELDS if f in record["address"]}
        changes: dict[str, Any] = {}
        if billing is None:
            addresses.insert(0, {"isBilling": True, "isShipping": not addresses, **wanted})
            changes["addresses"] = addresses
        elif any((billing.get(f) or "") != (v or "") for f, v in wanted.items()):
            billing.update(wanted)
            changes["addresses"] = addresses
        if record.get("status") and profile.get("status") != record["status"]:
            changes["status"] = record["status"]
        if not changes:
            outcomes.append(LoadOutcome(key, "skipped", "storefront account already up to date",
                                        target_id=str(profile["profileId"])))
            continue
        try:
            updated = adapter.client.update("profile", profile["profileId"], changes)
        except PermanentRecordError as exc:
            outcomes.append(LoadOutcome(key, "dlq", f"ERP customer {key}: X-Cart refused the update: {exc}",
                                        reason_code="target_rejected"))
            continue
        profiles[(record.get("email") or "").strip().lower()] = updated
        outcomes.append(LoadOutcome(key, "loaded", f"updated storefront account {profile['profileId']}: "
                                                   f"{', '.join(sorted(changes))}", target_id=str(profile["profileId"])))
    return outcomes
