"""Where the Sage 500 sandbox tests find a database server, shared by the test modules of this folder."""

from __future__ import annotations

import os

import pytest

from include.sandbox.sage500.dialects import postgres_params_from_env, postgres_unavailable_reason


def server_params(dialect: str) -> dict:
    """Connection parameters for ``dialect``'s server; a missing PostgreSQL skips locally and fails in CI."""
    if dialect != "postgresql":
        return {}
    params = postgres_params_from_env()
    reason = postgres_unavailable_reason(**params)
    if reason:
        if os.environ.get("STORESYNC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (required: STORESYNC_REQUIRE_SERVICES=1)")
        pytest.skip(f"{reason}; set STORESYNC_REQUIRE_SERVICES=1 to fail instead of skipping")
    return params
