"""The storefront references ERP documents carry, read the same way for every ERP's reconciliation reader.

A document the flows created carries ``<prefix><storefront id>`` (``XC-17``, ``XP-555``, ``XR-9``: prefixes in
``storesync.adapters.documents.REFERENCE_PREFIXES``, overridden per kind by the pair option
``reference_prefixes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storesync.adapters.documents import REFERENCE_PREFIXES
from storesync.reconciliation.model import Problem, read_text, storefront_id


def reference_prefix(kind: str, options: dict[str, Any]) -> str:
    """The reference prefix of a kind (order, payment, refund); option ``reference_prefixes`` overrides."""
    return str((options.get("reference_prefixes") or {}).get(kind, REFERENCE_PREFIXES[kind]))


def references_for(kind: str, storefront_ids: Iterable[Any], options: dict[str, Any]) -> list[str]:
    """The references documents of ``kind`` carry for these storefront ids (sorted, blanks left out)."""
    return sorted({f"{reference_prefix(kind, options)}{str(i).strip()}" for i in storefront_ids if str(i).strip()})


def storefront_id_in(row: dict[str, Any], field: str, kind: str, options: dict[str, Any],
                     problems: list[Problem]) -> str | None:
    """The storefront id in ``row[field]``; a reference with our prefix but no id is noted in ``problems``."""
    reference = read_text(row.get(field))
    prefix = reference_prefix(kind, options)
    own = storefront_id(reference, prefix)
    if reference and own is None and reference.upper().startswith(prefix.upper()):
        problems.append(Problem(field, f"reference {reference!r} names no storefront id", "reference"))
    return own
