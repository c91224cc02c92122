"""Test-session set-up shared by every test.

Airflow reads its configuration when first imported, so the test Airflow home (one migrated SQLite
metadata database per session, under .local/test/) is set here, before any test module imports Airflow.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_STATE = ROOT / ".local" / "test"

# One Airflow home per test session: concurrent sessions (several people, or agents, on one checkout) must
# not share a metadata database, where dag.test() runs for the same logical date would collide.
AIRFLOW_TEST_HOME = TEST_STATE / f"airflow-{os.getpid()}"
atexit.register(shutil.rmtree, AIRFLOW_TEST_HOME, True)
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_TEST_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__PROVIDERS_ODBC__ALLOW_DRIVER_IN_EXTRA"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{AIRFLOW_TEST_HOME / 'airflow.db'}"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
# Sage 500 connections of the tests say import_procedure: sandbox; the hook (production code) learns where that
# emulation lives from the environment, so Airflow task processes the tests start find it too.
os.environ.setdefault("STORESYNC_SAGE500_IMPORT_PROCEDURES",
                      "sandbox=include.sandbox.sage500.import_procedures:SandboxImportProcedures")
AIRFLOW_TEST_HOME.mkdir(parents=True, exist_ok=True)

POSTGRES_URL = os.environ.get("STORESYNC_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def services_required() -> bool:
    return os.environ.get("STORESYNC_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """A missing service skips the test locally and fails it in CI."""
    if services_required():
        pytest.fail(f"{reason} (STORESYNC_REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(reason)


def postgres_reachable() -> bool:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """One migrated Airflow metadata database for the whole test session."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True, env=os.environ.copy()
    )
    if result.returncode != 0:
        pytest.fail(f"airflow db migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return AIRFLOW_TEST_HOME / "airflow.db"


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the reports tests registered with ``tests.figures.show`` (e.g. the chaos suite's figures)."""
    from tests.figures import FIGURES

    for title, text in FIGURES:
        terminalreporter.write_sep("=", title)
        terminalreporter.write_line(text)


def pytest_collection_modifyitems(config, items) -> None:
    from tests.integration.conftest import apply_backend_and_gap_rules

    apply_backend_and_gap_rules(config, items)

