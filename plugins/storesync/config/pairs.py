"""Pair configuration: which storefront, which ERP, which flows, on what schedule, with what options.

Pair files live in ``include/pairs/*.yaml`` (or ``$STORESYNC_PAIRS_DIR``). They are validated when loaded;
every error names the file, the field and, where there is a closed set, the valid values.

A pair file states only what differs from the conventions. Each setting of a flow comes from, first to last:
the flow's own section; the pair's ``flow_defaults``; the convention for the flow between the pair's
systems (schedule, batch size, mapping specs and expectation suites: ``storesync.config.conventions``);
the product's defaults. The pair's ``start_date`` is where every flow and the reconciliation start unless
they say otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from storesync.config.conventions import flow_defaults as conventional_flow
from storesync.flows import FLOWS, SYSTEMS
from storesync.systems import mapping_file, suite_file

PROJECT_ROOT = Path(__file__).resolve().parents[3]
INCLUDE_DIR = PROJECT_ROOT / "include"


class PairConfigError(ValueError):
    """A pair file is invalid; the message names the file and field."""


@dataclass(frozen=True)
class Endpoint:
    system: str
    conn_id: str
    pool: str | None = None  # Airflow pool capping concurrent tasks against this system (its request budget)
    # Requests a write-back task keeps in flight (one request per record, latency-bound); the task takes as many
    # slots of ``pool``, so the system's concurrency budget still holds.
    write_concurrency: int = 1


@dataclass(frozen=True)
class RetryConfig:
    count: int = 3
    delay_seconds: float = 30.0
    exponential_backoff: float = 2.0
    max_delay_seconds: float = 900.0


@dataclass(frozen=True)
class FlowConfig:
    name: str
    schedule: str
    start_date: datetime
    catchup: bool
    extract_overlap_minutes: int
    max_bad_ratio: float
    mappings: dict[str, str]
    expectations: dict[str, str]
    options: dict[str, Any]
    batch_size: int


@dataclass(frozen=True)
class ReconciliationConfig:
    """The pair's daily reconciliation for finance (section ``reconciliation:``; see storesync.reconciliation).

    The DAG ``reconciliation__<storefront>__<erp>`` runs daily on the UTC day, first waiting until each flow of
    ``after`` has a completed run covering the day's end.
    """

    start_date: datetime
    catchup: bool = False
    after: tuple[str, ...] = ("orders", "payments", "refunds")
    poke_interval_seconds: float = 300.0
    wait_timeout_seconds: float = 6 * 3600.0
    output_dir: str = ".local/out/reconciliation"
    amount_tolerance: Decimal = Decimal("0.00")
    pending_lookback_days: int = 31
    clearing_accounts: tuple[str, ...] = ()
    cash_accounts_lookup: str = "cash_accounts"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PairConfig:
    name: str
    path: Path
    storefront: Endpoint
    erp: Endpoint
    store_conn_id: str
    owner: str
    retries: RetryConfig
    alerts: dict[str, Any]
    flows: dict[str, FlowConfig] = field(default_factory=dict)
    reconciliation: ReconciliationConfig | None = None

    def dag_id(self, flow: str) -> str:
        return f"{flow}__{self.storefront.system}__{self.erp.system}"

    def endpoint(self, side: str) -> Endpoint:
        return {"storefront": self.storefront, "erp": self.erp}[side]


def pairs_dir() -> Path:
    return Path(os.environ.get("STORESYNC_PAIRS_DIR", INCLUDE_DIR / "pairs"))


@lru_cache(maxsize=None)
def load_pairs(directory: str | None = None) -> tuple[PairConfig, ...]:
    folder = Path(directory) if directory else pairs_dir()
    return tuple(load_pair(path) for path in sorted(folder.glob("*.yaml")))


def get_pair(name: str) -> PairConfig:
    pairs = {p.name: p for p in load_pairs(str(pairs_dir()))}
    if name not in pairs:
        raise PairConfigError(f"unknown pair '{name}'; configured: {', '.join(sorted(pairs)) or '(none)'}")
    return pairs[name]


# Pair files are read by every DAG file parse: libyaml's safe loader (same results) when PyYAML was built with it.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_pair(path: Path) -> PairConfig:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise PairConfigError(f"{path.name}: not valid YAML: {exc}") from None
    where = _Where(path.name)
    known = {"name", "storefront", "erp", "store_conn_id", "owner", "retries", "alerts", "start_date",
             "flow_defaults", "flows", "reconciliation"}
    where.no_unknown(raw, known, "")
    storefront = _endpoint(raw, "storefront", where)
    erp = _endpoint(raw, "erp", where)
    retries = RetryConfig(**where.mapping(raw.get("retries", {}), "retries", set(RetryConfig.__dataclass_fields__)))
    start_date = _start_date(raw.get("start_date", DEFAULT_START_DATE), "start_date", where)
    pair_flow_defaults = where.mapping(raw.get("flow_defaults", {}), "flow_defaults", FLOW_DEFAULT_FIELDS)
    _check_ratio(pair_flow_defaults, "flow_defaults.", where)
    systems = {"storefront": storefront.system, "erp": erp.system}
    flows_raw = where.mapping(raw.get("flows"), "flows", set(FLOWS))
    flows = {name: _flow(name, body or {}, where, systems=systems, start_date=start_date,
                         pair_defaults=pair_flow_defaults)
             for name, body in flows_raw.items()}
    return PairConfig(
        name=where.required(raw, "name", str),
        path=path,
        storefront=storefront,
        erp=erp,
        store_conn_id=str(raw.get("store_conn_id", "storesync_db")),
        owner=str(raw.get("owner", "storesync")),
        retries=retries,
        alerts=_alerts(raw.get("alerts"), where),
        flows=flows,
        reconciliation=_reconciliation(raw.get("reconciliation"), flows, where, pair_start=start_date),
    )


DEFAULT_START_DATE = "2026-01-01"
#: Flow settings a pair may set once for all its flows (``flow_defaults``).
FLOW_DEFAULT_FIELDS = {"catchup", "extract_overlap_minutes", "max_bad_ratio", "batch_size"}


def _start_date(value: Any, field_name: str, where: "_Where") -> datetime:
    try:
        start_date = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise PairConfigError(
            f"{where.file}: field '{field_name}': {value!r} is not an ISO date or date-time") from None
    return start_date if start_date.tzinfo is not None else start_date.replace(tzinfo=timezone.utc)


def _check_ratio(body: dict, prefix: str, where: "_Where") -> None:
    if "max_bad_ratio" not in body:
        return
    try:
        ratio = float(body["max_bad_ratio"])
    except (TypeError, ValueError):
        raise PairConfigError(f"{where.file}: field '{prefix}max_bad_ratio': {body['max_bad_ratio']!r} is not a "
                              "number between 0 and 1") from None
    if not 0 <= ratio <= 1:
        raise PairConfigError(f"{where.file}: field '{prefix}max_bad_ratio': {ratio} is not between 0 and 1")


#: Requests in flight per write-back task: up to the HTTP client's connection pool per host (urllib3's 10).
MAX_WRITE_CONCURRENCY = 10


def _asset(locate, name: str, field_name: str, where: "_Where") -> Path:
    """Where a named mapping spec or suite lives (in its system's folder); a bad name fails naming the field."""
    try:
        return locate(str(name))
    except (KeyError, ValueError) as exc:
        raise PairConfigError(f"{where.file}: field '{field_name}': {exc}") from None


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _endpoint(raw: dict, side: str, where: "_Where") -> Endpoint:
    body = where.mapping(raw.get(side), side, {"system", "conn_id", "pool", "write_concurrency"})
    system = where.required(body, "system", str, prefix=f"{side}.")
    valid = sorted(s for s, kind in SYSTEMS.items() if kind == side)
    if system not in valid:
        raise PairConfigError(f"{where.file}: field '{side}.system': unknown system '{system}'; valid: {', '.join(valid)}")
    concurrency = body.get("write_concurrency", 1)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_WRITE_CONCURRENCY:
        raise PairConfigError(f"{where.file}: field '{side}.write_concurrency' must be a whole number from 1 to "
                              f"{MAX_WRITE_CONCURRENCY} (requests in flight per write-back task), got {concurrency!r}")
    return Endpoint(system=system, conn_id=str(body.get("conn_id", f"{system}_default")),
                    pool=str(body["pool"]) if body.get("pool") else None, write_concurrency=concurrency)


def _alerts(value: Any, where: "_Where") -> dict[str, Any]:
    """``{"channels": [{type, conn_id, …}], "dlq_growth_threshold": n}``; ``alerts: {}`` only logs.

    The legacy ``webhook_conn_id`` (+ ``webhook_endpoint``) is read as one webhook channel.
    """
    body = where.mapping(value, "alerts", {"channels", "dlq_growth_threshold", "webhook_conn_id", "webhook_endpoint"})
    channels_raw = body.get("channels") or []
    if not isinstance(channels_raw, list):
        raise PairConfigError(f"{where.file}: field 'alerts.channels' must be a list, got {type(channels_raw).__name__}")
    if body.get("webhook_conn_id"):
        channels_raw = [{"type": "webhook", "conn_id": body["webhook_conn_id"],
                         **({"endpoint": body["webhook_endpoint"]} if body.get("webhook_endpoint") else {})},
                        *channels_raw]
    channels = []
    if channels_raw:
        from storesync.config.alert_channels import check_channel  # only when channels are configured

        for index, channel in enumerate(channels_raw):
            prefix = f"alerts.channels[{index}]"
            if not isinstance(channel, dict):
                raise PairConfigError(f"{where.file}: field '{prefix}' must be a mapping, got {type(channel).__name__}")
            problem = check_channel(channel)
            if problem:
                name, text = problem
                raise PairConfigError(f"{where.file}: field '{prefix}{'.' + name if name else ''}'{text}")
            channels.append(dict(channel))
    threshold = body.get("dlq_growth_threshold", 1)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise PairConfigError(f"{where.file}: field 'alerts.dlq_growth_threshold' must be an integer of at least 1, "
                              f"got {threshold!r}")
    return {"channels": channels, "dlq_growth_threshold": threshold}


def _flow(name: str, body: dict, where: "_Where", *, systems: dict[str, str], start_date: datetime,
          pair_defaults: dict) -> FlowConfig:
    prefix = f"flows.{name}."
    known = {"schedule", "start_date", "catchup", "extract_overlap_minutes", "max_bad_ratio", "mappings",
             "expectations", "options", "batch_size"}
    where.no_unknown(body, known, prefix)
    _check_ratio(body, prefix, where)
    spec = FLOWS[name]
    source, target = systems[spec.source], systems[spec.target]
    conventional = conventional_flow(name, source, target)
    # The flow's own section, then the pair's flow_defaults, then the convention for these systems.
    stated = {k: v for k, v in body.items() if k not in ("mappings", "expectations")}
    setting = {**conventional, **pair_defaults, **stated}
    stated_mappings, stated_expectations = dict(body.get("mappings") or {}), dict(body.get("expectations") or {})
    mappings = {**conventional.get("mappings", {}), **stated_mappings}
    expectations = {**conventional.get("expectations", {}), **stated_expectations}
    by_convention = f" (the convention for flow {name} from {source} to {target}; name another file in the pair)"
    for role, rel in mappings.items():
        path = _asset(mapping_file, rel, f"{prefix}mappings.{role}", where)
        if not path.is_file():
            raise PairConfigError(f"{where.file}: field '{prefix}mappings.{role}': no file {_shown(path)}"
                                  + ("" if role in stated_mappings else by_convention))
    for stage, rel in expectations.items():
        path = _asset(suite_file, rel, f"{prefix}expectations.{stage}", where)
        if not path.is_file():
            raise PairConfigError(f"{where.file}: field '{prefix}expectations.{stage}': no file "
                                  f"{_shown(path)}" + ("" if stage in stated_expectations else by_convention))
    return FlowConfig(
        name=name,
        schedule=str(setting.get("schedule", "@hourly")),
        start_date=(_start_date(body["start_date"], f"{prefix}start_date", where) if "start_date" in body
                    else start_date),
        catchup=bool(setting.get("catchup", False)),
        extract_overlap_minutes=int(setting.get("extract_overlap_minutes", 15)),
        max_bad_ratio=float(setting.get("max_bad_ratio", 0.05)),
        mappings=mappings,
        expectations=expectations,
        options=dict(body.get("options") or {}),
        batch_size=int(setting.get("batch_size", 200)),
    )


def _reconciliation(value: Any, flows: dict[str, FlowConfig], where: "_Where", *,
                    pair_start: datetime) -> ReconciliationConfig | None:
    """The ``reconciliation:`` section, or None when the pair has none (then it gets no reconciliation DAG)."""
    if value is None:
        return None
    fields = set(ReconciliationConfig.__dataclass_fields__)
    body = where.mapping(value, "reconciliation", fields)
    prefix = "reconciliation."
    defaults = ReconciliationConfig(start_date=datetime(2026, 1, 1, tzinfo=timezone.utc))

    def fail(name: str, problem: str) -> PairConfigError:
        return PairConfigError(f"{where.file}: field '{prefix}{name}': {problem}")

    start_date = _start_date(body["start_date"], f"{prefix}start_date", where) if "start_date" in body else pair_start
    after = body.get("after", list(defaults.after))
    if not isinstance(after, list) or not after:
        raise fail("after", f"must be a non-empty list of the pair's flows; valid: {', '.join(sorted(flows))}")
    for index, name in enumerate(after):
        if name not in flows:
            raise fail(f"after[{index}]", f"unknown flow {name!r}; valid (the pair's flows): {', '.join(sorted(flows))}")

    def positive(name: str, kind: type) -> Any:
        raw = body.get(name, getattr(defaults, name))
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0 or (kind is int and raw != int(raw)):
            raise fail(name, f"must be a positive {'whole ' if kind is int else ''}number, got {raw!r}")
        return kind(raw)

    tolerance_raw = body.get("amount_tolerance", "0.00")
    try:
        if isinstance(tolerance_raw, (bool, float)):
            raise InvalidOperation
        tolerance = Decimal(str(tolerance_raw))
    except InvalidOperation:
        raise fail("amount_tolerance", f"must be a decimal amount as text, e.g. \"0.01\"; got {tolerance_raw!r}") from None
    if not tolerance.is_finite() or tolerance < 0:
        raise fail("amount_tolerance", f"must be 0 or more, got {tolerance_raw!r}")
    accounts = body.get("clearing_accounts", [])
    if not isinstance(accounts, list) or not all(isinstance(a, (str, int)) and str(a).strip() for a in accounts):
        raise fail("clearing_accounts", "must be a list of ERP cash account numbers (text)")
    for name in ("output_dir", "cash_accounts_lookup"):
        if name in body and (not isinstance(body[name], str) or not body[name].strip()):
            raise fail(name, f"must be non-empty text, got {body[name]!r}")
    if not isinstance(body.get("catchup", False), bool):
        raise fail("catchup", f"must be true or false, got {body['catchup']!r}")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise fail("options", f"must be a mapping, got {type(options).__name__}")
    return ReconciliationConfig(
        start_date=start_date,
        catchup=body.get("catchup", False),
        after=tuple(after),
        poke_interval_seconds=positive("poke_interval_seconds", float),
        wait_timeout_seconds=positive("wait_timeout_seconds", float),
        output_dir=str(body.get("output_dir", defaults.output_dir)).strip(),
        amount_tolerance=tolerance,
        pending_lookback_days=positive("pending_lookback_days", int),
        clearing_accounts=tuple(str(a).strip() for a in accounts),
        cash_accounts_lookup=str(body.get("cash_accounts_lookup", defaults.cash_accounts_lookup)).strip(),
        options=dict(options),
    )


@dataclass
class _Where:
    file: str

    def mapping(self, value: Any, field_name: str, valid: set[str]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise PairConfigError(f"{self.file}: field '{field_name}' must be a mapping, got {type(value).__name__}")
        self.no_unknown(value, valid, f"{field_name}.")
        return value

    def no_unknown(self, value: dict, valid: set[str], prefix: str) -> None:
        for key in value:
            if key not in valid:
                raise PairConfigError(
                    f"{self.file}: field '{prefix}{key}' is not known; valid: {', '.join(sorted(valid))}"
                )

    def required(self, value: dict, key: str, kind: type, *, prefix: str = "") -> Any:
        if key not in value or value[key] in (None, ""):
            raise PairConfigError(f"{self.file}: field '{prefix}{key}' is required")
        if not isinstance(value[key], kind):
            raise PairConfigError(f"{self.file}: field '{prefix}{key}' must be {kind.__name__}")
        return value[key]
