"""Shared fixtures for mapping tests: a realistic X-Cart order and the shipped order specs."""

from __future__ import annotations

import pytest

from storesync.mapping import MappingEngine, load_spec
from tests.storesync.mapping.samples import SAGE_CONTEXT, SAGE_ORDER_SPEC, XCART_ORDER_SPEC, make_xcart_order


@pytest.fixture
def xcart_order() -> dict:
    return make_xcart_order()


@pytest.fixture(scope="session")
def xcart_engine() -> MappingEngine:
    return MappingEngine(load_spec(XCART_ORDER_SPEC))


@pytest.fixture(scope="session")
def sage_engine() -> MappingEngine:
    return MappingEngine(load_spec(SAGE_ORDER_SPEC))


@pytest.fixture
def sage_context() -> dict:
    return dict(SAGE_CONTEXT)
