"""Sage Intacct XML Web Services gateway emulator: seeded in-memory companies served over HTTP on loopback.

    from include.sandbox.intacct import IntacctServer
    with IntacctServer(items=60, customer_emails=[...]) as server:
        ...  # server.endpoint, server.sender_id/password, server.user_id/password, server.records(...)

or from a shell: ``python -m include.sandbox.intacct --port 8083``. The wire contract is docs/intacct.md.
"""

from include.sandbox.intacct.faults import Faults
from include.sandbox.intacct.gateway import Limits
from include.sandbox.intacct.seed import SeedSpec
from include.sandbox.intacct.server import IntacctServer
from include.sandbox.intacct.store import CompanyStore

__all__ = ["CompanyStore", "Faults", "IntacctServer", "Limits", "SeedSpec"]
