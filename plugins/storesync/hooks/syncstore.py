"""The sync store's connection: an Airflow connection resolved to a SQLAlchemy URL and a ``SyncStore``.

Either the extra ``url`` names a SQLAlchemy URL (the embedded default: a SQLite file), or a ``postgres``
connection's fields build a ``postgresql+psycopg2`` URL (production and CI).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from airflow.sdk import BaseHook
from storesync.hooks.errors import PermanentRunError
from storesync.forms import form_extras
from storesync.provider import SYNCSTORE_UI_FIELD_BEHAVIOUR


class SyncStoreHook(BaseHook):
    conn_name_attr = "store_conn_id"
    default_conn_name = "storesync_db"
    conn_type = "storesync"
    hook_name = "Storesync sync store (SQLAlchemy)"

    def __init__(self, store_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.store_conn_id = store_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {**SYNCSTORE_UI_FIELD_BEHAVIOUR, "placeholders": {
            **SYNCSTORE_UI_FIELD_BEHAVIOUR["placeholders"],
            "extra": '{"url": "sqlite:////opt/airflow/data/sync.db"}  (or fill the fields for PostgreSQL)'}}

    def get_url(self) -> str:
        connection = self.get_connection(self.store_conn_id)
        extra = form_extras(connection.extra_dejson)
        if extra.get("url"):
            from sqlalchemy.engine import make_url

            from storesync.log_masking import mask_secret_forms

            url = make_url(str(extra["url"]))
            mask_secret_forms(url.password, login=url.username)
            return str(extra["url"])
        if connection.conn_type in ("postgres", "postgresql", "storesync") and connection.host:
            from sqlalchemy.engine import URL

            from storesync.log_masking import mask_secret_forms

            # The URL carries the password percent-encoded: the masker must know that form as well.
            mask_secret_forms(connection.password, login=connection.login)

            return URL.create(
                "postgresql+psycopg2",
                username=connection.login or None,
                password=connection.password or None,
                host=connection.host,
                port=connection.port or 5432,
                database=connection.schema or "storesync",
            ).render_as_string(hide_password=False)
        raise PermanentRunError(
            f"connection '{self.store_conn_id}' names no sync store: set extra 'url' or PostgreSQL host/login/schema"
        )

    def get_store(self):
        return _store_for(self.get_url())

    def test_connection(self) -> tuple[bool, str]:
        """Connect and look for the store's tables, without creating them (the first run does that)."""
        from sqlalchemy import inspect, text

        from storesync.store.schema import metadata
        from storesync.store.store import SyncStore

        try:
            store = SyncStore(self.get_url())
            try:
                with store.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                    present = set(inspect(conn).get_table_names())
            finally:
                store.close()
        except Exception as exc:  # noqa: BLE001 - the UI wants the reason
            return False, str(exc)
        wanted = set(metadata.tables)
        found = len(wanted & present)
        tables = f"{found} of {len(wanted)} tables present" + ("" if found == len(wanted) else
                                                                "; the first run creates the missing ones")
        return True, f"sync store reachable ({store.dialect}); {tables}"


@lru_cache(maxsize=8)
def _store_for(url: str):
    from storesync.store.store import SyncStore

    store = SyncStore(url)
    store.create_all()
    return store
