"""Provider metadata: makes Airflow list our connection types, with their form fields, in the UI."""

from __future__ import annotations


def get_provider_info() -> dict:
    return {
        "package-name": "storesync",
        "name": "Storesync",
        "description": "Storefront ↔ ERP sync: X-Cart, Sage 500 and the sync store.",
        "versions": ["0.1.0"],
        "connection-types": [
            {"hook-class-name": "storesync.hooks.xcart.XCartHook", "connection-type": "xcart"},
            {"hook-class-name": "storesync.hooks.sage500.Sage500Hook", "connection-type": "sage500"},
            {"hook-class-name": "storesync.hooks.syncstore.SyncStoreHook", "connection-type": "storesync"},
        ],
    }
