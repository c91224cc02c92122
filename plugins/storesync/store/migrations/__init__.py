"""Alembic environment of the sync store: ``env.py``, ``script.py.mako`` and one revision per schema change.

Run through ``storesync.store.migrate`` (the store calls it on start-up; ``python -m storesync.store.migrate``
from a shell), never through an ``alembic.ini``: the environment takes the store's own connection, and the
version table is ``storesync_alembic_version`` so Airflow's ``alembic_version`` in a shared database is left alone.
"""
