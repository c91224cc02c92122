"""Declarative mapping specs (YAML) and the one engine that interprets them all.

Typical use::

    engine = MappingEngine(load_spec(mapping_file("xcart/order_to_canonical.yaml"))  # storesync.systems)
    canonical = engine.map(raw_order, context={})          # or RecordMappingError naming every bad field

``spec`` loads and validates files, ``transforms`` holds the registries a spec may name (transforms,
types, condition operators), ``engine`` compiles a spec into closures and maps records.
"""

from storesync.errors import FieldError, MappingContextError, RecordMappingError, SpecError
from storesync.mapping.engine import MappingEngine
from storesync.mapping.spec import MappingSpec, load_spec, parse_spec

__all__ = [
    "FieldError",
    "MappingContextError",
    "MappingEngine",
    "MappingSpec",
    "RecordMappingError",
    "SpecError",
    "load_spec",
    "parse_spec",
]
