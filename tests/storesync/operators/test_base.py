"""Plumbing every sync step shares: permanent failures for missing connections, and the records a replay names."""

from __future__ import annotations

import pytest

from storesync.operators.base import named_record_keys


def test_a_missing_connection_fails_the_task_without_retries(monkeypatch):
    """Issue 15: "conn_id 'storesync_db' isn't defined" was retried 4 times with backoff (over 10 minutes)."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

    from storesync.operators import base

    class Step(base.SyncOperator):
        def run(self, scope, context):
            raise AirflowNotFoundException("The conn_id `storesync_db` isn't defined")

    step = Step(task_id="extract", pair_name="xcart-sage500", flow_name="orders")
    monkeypatch.setattr(Step, "scope", lambda self, context: type("Scope", (), {"close": lambda self: None})())
    with pytest.raises(AirflowFailException, match="storesync_db` isn't defined; define it"):
        step.execute({})


@pytest.mark.parametrize("params, flow, expected", [
    ({}, "orders", None),
    ({"record_keys": ["1042", 1043]}, "orders", ["1042", "1043"]),
    ({"record_keys_by_flow": {"customers_from_erp": ["C-7"]}}, "customers_from_erp", ["C-7"]),
    # The other leg of the same run extracts nothing (its ids are another system's).
    ({"record_keys_by_flow": {"customers_from_erp": ["C-7"]}}, "customers", []),
])
def test_the_records_a_re_sync_names_per_flow(params, flow, expected):
    assert named_record_keys({"params": params}, flow) == expected


def test_a_sync_store_refusing_the_login_fails_the_task_without_retries():
    """Bad credentials are permanent for the run (issue 15): the store's refusal is not retried. The error is
    psycopg2's wording for a wrong password, as SQLAlchemy wraps it."""
    from airflow.sdk.exceptions import AirflowFailException
    from sqlalchemy.exc import OperationalError

    from storesync.operators import base

    class Step(base.SyncOperator):
        def run(self, scope, context):
            raise OperationalError("connect", {}, Exception(
                'connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed '
                'for user "storesync"'))

    Step.scope = lambda self, context: type("Scope", (), {"close": lambda self: None})()
    step = Step(task_id="extract", pair_name="xcart-sage500", flow_name="orders")
    with pytest.raises(AirflowFailException, match="the sync store refused the login"):
        step.execute({})


def test_other_store_errors_are_left_to_the_retry_policy():
    from sqlalchemy.exc import OperationalError

    from storesync.operators.base import refused_login

    assert not refused_login(OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly")))
    assert refused_login(OperationalError("connect", {}, Exception('password authentication failed for user "x"')))
    assert not refused_login(ValueError("password authentication failed"))

