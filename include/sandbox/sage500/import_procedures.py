"""The sandbox's Python emulation of Sage 500's import procedures, behind the hook's seam.

Registered as ``import_procedure: sandbox`` by this package's ``__init__`` (production never imports it:
``storesync.systems.sage500.import_procedures``).
"""

from __future__ import annotations

import importlib

from storesync.systems.sage500.hook import RET_SUCCESS, RPT_PRINT_ALL, MigrationOutputs


class SandboxImportProcedures:
    """The sandbox's Python emulation of the same procedures, run through the same ODBC connection.

    ``spSOapiSalesOrdIns`` and ``spARapiCustomerIns`` are emulated with their full interface; the sandbox's
    other imports process a whole session per call and answer as a procedure that is done in one call.
    """

    MODULE = "include.sandbox.sage500.procedures"
    PROCEDURES = {"sales_order": "spSOapiSalesOrdIns", "customer": "spARapiCustomerIns"}
    FUNCTIONS = {"customer_payment": "run_customer_payment_import", "credit_memo": "run_credit_memo_import"}

    def call(self, connection, entity: str, session_key: int, *, company_id: str,
             state: MigrationOutputs) -> MigrationOutputs:
        module = importlib.import_module(self.MODULE)
        if entity in self.PROCEDURES:
            outputs = getattr(module, self.PROCEDURES[entity])(
                connection, state.o_continue, 0, session_key, company_id, RPT_PRINT_ALL, 1, 1,
                state.o_recs_processed, state.o_failed_recs, state.o_total_recs)
            return MigrationOutputs(*outputs)
        result = getattr(module, self.FUNCTIONS[entity])(connection, session_key, company_id=company_id)
        done = len(result.processed) + len(result.failed)
        return MigrationOutputs(0, done, len(result.failed), done, RET_SUCCESS)
