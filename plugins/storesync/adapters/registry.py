"""System name → adapter class, resolved lazily so DAG parsing never imports a connector."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any



class _Adapters(Mapping):
    """System name -> ``"module:Class"`` of its adapter, as each installed system declares it."""

    def __getitem__(self, system: str) -> str:
        from storesync.systems import INSTALLED, system as declaration

        if system not in INSTALLED:
            raise KeyError(system)
        return declaration(system).adapter

    def __iter__(self):
        from storesync.systems import INSTALLED

        return iter(INSTALLED)

    def __len__(self) -> int:
        from storesync.systems import INSTALLED

        return len(INSTALLED)


ADAPTERS = _Adapters()


def get_adapter(system: str, conn_id: str, **kwargs: Any):
    """Instantiate the adapter registered for ``system`` on connection ``conn_id``."""
    try:
        target = ADAPTERS[system]
    except KeyError:
        raise KeyError(f"no adapter for system '{system}'; available: {', '.join(sorted(ADAPTERS))}") from None
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(conn_id=conn_id, **kwargs)


def resolve(registry: dict[str, str], entity: str, what: str):
    """The function registered for ``entity`` (imported on first use); unknown entities list the valid ones."""
    try:
        module_name, name = registry[entity].split(":")
    except KeyError:
        raise KeyError(f"{what}: no handler for entity '{entity}'; valid: {', '.join(sorted(registry))}") from None
    return getattr(importlib.import_module(module_name), name)


class RegistryAdapter:
    """An adapter that is only declaration: entity → ``module:function`` tables, resolved on first use.

    Subclasses set ``system`` (for messages), ``make_hook(conn_id)`` and the tables they support:

    - ``EXTRACTS``: entity → ``fn(hook, options, since, until)`` yielding ``(key, record)``
    - ``EXTRACT_KEYS``: entity → ``fn(hook, options, keys)`` (re-sync, replay, held records)
    - ``PREPARES``: entity → ``fn(hook, records, options)`` → per-record mapping context
    - ``LOADS``: entity → ``fn(hook, records[, options=])`` → ``[LoadOutcome]``
    - ``OUT_OF_SCOPE``: entity → ``fn(record, options)`` → reason to skip, or None
    - ``RECONCILE``: entity (order, payment, refund) → ``fn(hook, options, day_start, day_end)`` → the day's
      documents as ``storesync.reconciliation.model.Document`` (the daily reconciliation for finance)
    - ``RECONCILE_BY_REF``: entity → ``fn(hook, options, storefront_ids)`` → the documents standing for those
      storefront ids, whatever their date

    A hook with a ``close()`` (a session to log out of) is closed by ``close()``, which the operators call
    when the task ends, failed or not.
    """

    system = "?"
    EXTRACTS: dict[str, str] = {}
    EXTRACT_KEYS: dict[str, str] = {}
    PREPARES: dict[str, str] = {}
    LOADS: dict[str, str] = {}
    OUT_OF_SCOPE: dict[str, str] = {}
    RECONCILE: dict[str, str] = {}
    RECONCILE_BY_REF: dict[str, str] = {}

    def __init__(self, *, conn_id: str, hook: Any = None, options: dict | None = None) -> None:
        self.conn_id = conn_id
        self._hook = hook
        self.options = options or {}

    @classmethod
    def make_hook(cls, conn_id: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def hook(self) -> Any:
        if self._hook is None:
            self._hook = self.make_hook(self.conn_id)
        return self._hook

    def extract(self, entity: str, since, until):
        return resolve(self.EXTRACTS, entity, f"{self.system} extract")(self.hook, self.options, since, until)

    def extract_keys(self, entity: str, keys: list[str]):
        """The named records, whatever their dates; keys the system does not have are left out (and reported).

        An entity without a keyed reader (e.g. Sage 500 items, stock, customers) is read in full and filtered:
        slower, but every DLQ item can be replayed, and a replay names few records.
        """
        if entity in self.EXTRACT_KEYS or entity not in self.EXTRACTS:
            return resolve(self.EXTRACT_KEYS, entity, f"{self.system} extract by key")(self.hook, self.options, keys)
        return self._extract_keys_by_scan(entity, keys)

    def _extract_keys_by_scan(self, entity: str, keys: list[str]):
        from datetime import datetime, timedelta, timezone

        wanted = {str(key) for key in keys}
        # A day ahead: a system clock slightly ahead of ours must not hide a record stamped "now".
        since, until = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime.now(timezone.utc) + timedelta(days=1)
        for key, record in self.extract(entity, since, until):
            if str(key) in wanted:
                yield key, record

    def prepare(self, entity: str, records: list, options: dict[str, Any]) -> dict[str, dict[str, Any]]:
        if entity not in self.PREPARES:
            return {key: {} for key, _ in records}
        return resolve(self.PREPARES, entity, f"{self.system} prepare")(self.hook, records, options)

    def load(self, entity: str, records: list, *, pair: str, run_id: str) -> list:
        load = resolve(self.LOADS, entity, f"{self.system} load")
        if "options" in inspect.signature(load).parameters:
            return load(self.hook, records, options=self.options)
        return load(self.hook, records)

    def out_of_scope(self, entity: str, record: dict[str, Any]) -> str | None:
        """Why an extracted record is not this flow's to carry (it is skipped with that reason), or None."""
        if entity not in self.OUT_OF_SCOPE:
            return None
        return resolve(self.OUT_OF_SCOPE, entity, f"{self.system} scope")(record, self.options)

    def reconcile(self, entity: str, day_start, day_end) -> list:
        """The documents of ``entity`` dated in [day_start, day_end), for the daily reconciliation."""
        reader = resolve(self.RECONCILE, entity, f"{self.system} reconciliation reader")
        return list(reader(self.hook, self.options, day_start, day_end))

    def reconcile_by_ref(self, entity: str, storefront_ids: list[str]) -> list:
        """The documents of ``entity`` standing for these storefront ids, whatever their date."""
        reader = resolve(self.RECONCILE_BY_REF, entity, f"{self.system} reconciliation reader by reference")
        return list(reader(self.hook, self.options, storefront_ids))

    def close(self) -> None:
        close = getattr(self._hook, "close", None)
        if close is not None:
            close()
