"""What a system declares about itself: data only, so DAG parsing and Airflow's provider loading can read it.

Every reference to code is a ``"module:name"`` string resolved on first use (``storesync.systems.resolve``):
declaring a system imports none of its hooks, clients or pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("storefront", "erp")


@dataclass(frozen=True)
class ConnectionSpec:
    """The Airflow connection type the system is reached through, and its form in the UI."""

    conn_type: str
    hook: str  # dotted "module.Class", as Airflow's provider info names hooks
    hook_name: str
    form: str  # module holding CONNECTION_FIELDS and UI_FIELD_BEHAVIOUR (stdlib-only: Airflow loads it at start-up)


@dataclass(frozen=True)
class QualitySpec:
    """Quality frames of the system's records: (entity, stage) -> frame builder, plus how to word failures."""

    frames: dict[tuple[str, str], str] = field(default_factory=dict)  # (entity, stage) -> "module:fn"
    # "module:NAME" of a dict (entity, stage) -> {frame column: the record field a person looks at}
    field_wording: str | None = None
    # (entity, stage) -> the frame column holding the record's date (checked for a plausible range)
    date_columns: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class SystemSpec:
    name: str
    title: str
    role: str  # "storefront" or "erp": the side of a pair the system stands on
    adapter: str  # "module:Class"
    connection: ConnectionSpec
    quality: QualitySpec
    folder: Path  # the system's folder: mappings/, expectations/ and README.md live there
    # A storefront stamps its own references on ERP documents (its orders as "<prefix><orderId>"), so two
    # storefronts feeding one ERP never meet; None for an ERP.
    order_reference_prefix: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"system {self.name}: role '{self.role}' not one of {', '.join(ROLES)}")
        if (self.role == "storefront") != (self.order_reference_prefix is not None):
            raise ValueError(f"system {self.name}: a storefront (and only a storefront) declares its "
                             "order_reference_prefix")

    @property
    def mappings_dir(self) -> Path:
        return self.folder / "mappings"

    @property
    def expectations_dir(self) -> Path:
        return self.folder / "expectations"

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"
