"""Shared plumbing of the generic sync operators: which pair and flow, which run, which window, which store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator

from storesync.config.pairs import FlowConfig, PairConfig, get_pair
from storesync.flows import FlowSpec, get_flow


@dataclass
class RunScope:
    """Everything a task needs to know about the run it belongs to."""

    pair: PairConfig
    flow: FlowConfig
    spec: FlowSpec
    dag_id: str
    run_id: str
    since: datetime
    until: datetime
    _adapters: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def store(self):
        from storesync.hooks.syncstore import SyncStoreHook

        return SyncStoreHook(self.pair.store_conn_id).get_store()

    def adapter(self, side: str):
        """One adapter per side and task: a system with sessions logs in once, and ``close`` logs out."""
        if side not in self._adapters:
            from storesync.adapters.registry import get_adapter

            endpoint = self.pair.endpoint(side)
            self._adapters[side] = get_adapter(endpoint.system, endpoint.conn_id, options=self.flow.options)
        return self._adapters[side]

    def close(self) -> None:
        """Release every adapter the task opened (e.g. log out of an ERP session), also after a failure."""
        adapters, self._adapters = list(self._adapters.values()), {}
        for adapter in adapters:
            close = getattr(adapter, "close", None)
            if close is not None:
                close()

    @property
    def source(self):
        return self.adapter(self.spec.source)

    @property
    def target(self):
        return self.adapter(self.spec.target)


class SyncOperator(BaseOperator):
    """Base of every step of a flow; subclasses implement ``run(scope, context)``."""

    template_fields = ("pair_name", "flow_name")
    ui_color = "#e8f1fb"

    def __init__(self, *, pair_name: str, flow_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pair_name = pair_name
        self.flow_name = flow_name

    def scope(self, context) -> RunScope:
        pair = get_pair(self.pair_name)
        flow = pair.flows[self.flow_name]
        since, until = extraction_window(context, flow)
        return RunScope(pair=pair, flow=flow, spec=get_flow(self.flow_name), dag_id=context["dag"].dag_id,
                        run_id=context["run_id"], since=since, until=until)

    def execute(self, context) -> Any:
        from airflow.sdk.exceptions import AirflowNotFoundException

        from storesync.hooks.errors import PermanentRunError
        from storesync.log_masking import install

        install()  # before any hook registers a secret: every form of it is masked (percent-encoded, base64)
        scope = self.scope(context)
        try:
            return self.run(scope, context)
        except AirflowNotFoundException as exc:
            # A connection missing now is missing at every retry too: fail the run at once, saying which.
            raise PermanentRunError(f"{exc}; define it (airflow_settings.yaml, AIRFLOW_CONN_*, or Airflow's "
                                    "connections) and run again") from exc
        except Exception as exc:
            if refused_login(exc):
                # The sync store refused our credentials (the ERP and storefront hooks classify their own).
                raise PermanentRunError(f"the sync store refused the login: {type(exc).__name__}: "
                                        f"{' '.join(str(exc).split())[:300]}") from exc
            raise as_transient_db_error(exc, context=f"{self.task_id}: sync store") or exc
        finally:
            scope.close()

    def run(self, scope: RunScope, context) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


_REFUSED_LOGIN = ("password authentication failed", "no password supplied", "authentication failed for user")


def refused_login(exc: BaseException) -> bool:
    """A database server refused the credentials (SQLAlchemy/DB-API error): no retry can change that."""
    module = type(exc).__module__ or ""
    return module.startswith(("sqlalchemy", "psycopg")) and any(m in str(exc).lower() for m in _REFUSED_LOGIN)


def named_record_keys(context, flow_name: str) -> list[str] | None:
    """The source ids a re-sync or DLQ replay names for this flow, or None for a normal run.

    ``record_keys_by_flow`` names them per leg of a multi-leg DAG (a leg it does not name extracts nothing);
    ``record_keys`` names them for a single-flow DAG.
    """
    params = (context or {}).get("params") or {}
    by_flow = params.get("record_keys_by_flow")
    if by_flow:
        return [str(k) for k in by_flow.get(flow_name) or []]
    keys = params.get("record_keys")
    return [str(k) for k in keys] if keys else None


_DRIVER_MODULES = ("sqlalchemy", "psycopg2", "psycopg", "sqlite3", "_sqlite3", "pyodbc")


def as_transient_db_error(exc: BaseException, *, context: str):
    """A ``TransientError`` (chained to ``exc``) for a database error that may pass — the sync store's server
    restarted, a backend was terminated, a deadlock or a lock — classified like every hook's (``classify_db_error``),
    so Airflow retries the task; None for anything else, which is raised unchanged."""
    if type(exc).__module__.split(".")[0] not in _DRIVER_MODULES:
        return None
    from storesync.hooks.errors import TransientError, classify_db_error

    error = classify_db_error(exc, context=context)
    if not isinstance(error, TransientError):
        return None
    error.__cause__ = exc
    return error


def extraction_window(context, flow: FlowConfig) -> tuple[datetime, datetime]:
    """The run's data interval widened by the overlap, or the range a user asked to re-sync."""
    params = context.get("params") or {}
    if params.get("resync_from"):
        since = datetime.fromisoformat(str(params["resync_from"]))
        until = datetime.fromisoformat(str(params["resync_to"])) if params.get("resync_to") else context["data_interval_end"]
        return since, until
    overlap = timedelta(minutes=flow.extract_overlap_minutes)
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is None or end is None:
        # A manual run without a logical date has no data interval: look back a configurable span from
        # when it was asked to run. Loads are idempotent, so the overlap with scheduled runs is harmless.
        end = context["dag_run"].run_after
        start = end - timedelta(hours=float(flow.options.get("manual_lookback_hours", 24)))
    return start - overlap, end
