"""``python -m include.sandbox.sage500``: init, status and drop, as a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from include.sandbox.sage500.dialects import postgres_params_from_env, postgres_unavailable_reason

REPO = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")])}
    env.pop("SAGE500_PASSWORD", None)
    return subprocess.run([sys.executable, "-m", "include.sandbox.sage500", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def _count(output: str, table: str) -> int:
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] == table:
            return int(parts[1].replace(",", ""))
    raise AssertionError(f"{table} not in output:\n{output}")


def test_init_on_sqlite_creates_and_seeds_the_database_and_prints_counts_and_the_connection_string(tmp_path):
    path = tmp_path / "data" / "sage500.db"
    emails = tmp_path / "emails.txt"
    emails.write_text("# storefront customers\nann.lee1@example.com\nbo.zhang2@example.com\n", encoding="utf-8")
    done = _run("init", "--dialect", "sqlite", "--database", str(path), "--items", "15", "--customers", "5",
                "--customer-emails", str(emails))
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout and "2 e-mails" in done.stdout
    assert _count(done.stdout, "timItem") == 15 and _count(done.stdout, "tarCustomer") == 5 + 2 + 1
    assert f"ODBC: DRIVER={{SQLite3}};Database={path}" in done.stdout

    again = _run("init", "--dialect", "sqlite", "--database", str(path), "--items", "15")
    assert again.returncode == 0 and "not seeded again" in again.stdout and _count(again.stdout, "timItem") == 15

    reset = _run("init", "--dialect", "sqlite", "--database", str(path), "--items", "4", "--reset")
    assert reset.returncode == 0 and _count(reset.stdout, "timItem") == 4

    status = _run("status", "--dialect", "sqlite", "--database", str(path))
    assert status.returncode == 0 and _count(status.stdout, "timWarehouse") == 3

    dropped = _run("drop", "--dialect", "sqlite", "--database", str(path))
    assert dropped.returncode == 0 and "dropped" in dropped.stdout and not path.exists()


def test_an_unknown_dialect_is_a_usage_error(tmp_path):
    done = _run("init", "--dialect", "oracle", "--database", str(tmp_path / "x.db"))
    assert done.returncode == 2 and "invalid choice: 'oracle'" in done.stderr


@pytest.mark.postgres
def test_init_on_postgresql_creates_the_database_and_never_prints_the_password():
    server = postgres_params_from_env()
    reason = postgres_unavailable_reason(**server)
    if reason:
        if os.environ.get("STORESYNC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (required: STORESYNC_REQUIRE_SERVICES=1)")
        pytest.skip(f"{reason}; set STORESYNC_REQUIRE_SERVICES=1 to fail instead of skipping")
    name = f"sage500_test_cli_{uuid.uuid4().hex[:8]}"
    connection = ["--dialect", "postgresql", "--server", server["server"], "--port", str(server["port"]),
                  "--database", name, "--user", server["user"]]
    # Trust authentication ignores the password, which lets the test check it is never printed.
    password = server["password"] or "not-printed-secret"
    try:
        done = _run("init", *connection, "--password", password, "--items", "12", "--customers", "3")
        assert done.returncode == 0, done.stderr
        assert f"database {name} (postgresql): created" in done.stdout
        assert _count(done.stdout, "timItem") == 12 and _count(done.stdout, "tarCustomer") == 4
        assert (f"ODBC: DRIVER={{PostgreSQL Unicode}};Server={server['server']};Port={server['port']};"
                f"Database={name};Uid={server['user']};Pwd=***") in done.stdout
        assert password not in done.stdout + done.stderr

        again = _run("init", *connection, "--password", password)
        assert again.returncode == 0 and f"database {name} (postgresql): exists" in again.stdout
    finally:
        dropped = _run("drop", *connection, "--password", password)
    assert dropped.returncode == 0 and "dropped" in dropped.stdout
