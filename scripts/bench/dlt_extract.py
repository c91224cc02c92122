"""The peer for item a: dlt's ``rest_api`` source against the X-Cart emulator, loading into SQLite.

Runs in the benchmark-only venv (``.local/bench-venv``, ``requirements-bench.lock``), never in Airflow's,
and imports nothing of ours: only dlt and the standard library.

    .local/bench-venv/bin/python scripts/bench/dlt_extract.py --url URL --params JSON \
        --page-size 250 --database FILE --workdir DIR --out FILE      (API key in $XCART_RO_KEY)

Same requests as our extract step: ``--params`` is the query our step sent for the order list
(``target=RESTAPI&_path=order&_schema=complex``, its ``_cnd[date]`` window and ``_cnd[orderBy]``; key and
paging left out), as the benchmark emulator recorded it. Paging is X-Cart's offset paging
(``_cnd[limit][0]``/``[1]``) of the same page size, ending at the first short page: X-Cart sends no total
(``X-Result-Count`` is the rows of that response), so, like our paginator, this one does not read it.
Both sides thus read the same pages from the same server. Orders load as one row each
(``max_table_nesting=0``: nested fields stay JSON, as our store keeps the payload),
``write_disposition="append"`` (dlt's plainest path), into a SQLite database through dlt's
``sqlalchemy`` destination. ``--out`` gets the rows loaded, the seconds of ``pipeline.run`` (imports and
set-up excluded) and dlt's own step timings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--params", required=True, help="the order list's query parameters, a JSON object")
    parser.add_argument("--page-size", type=int, default=250)
    parser.add_argument("--database", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    os.environ["DLT_DATA_DIR"] = args.workdir
    import dlt
    from dlt.sources.helpers.rest_client.paginators import OffsetPaginator
    from dlt.sources.rest_api import rest_api_source

    class ShortPagePaginator(OffsetPaginator):
        """X-Cart's offset paging, which has no total: the last page is the first one shorter than the limit."""

        def update_state(self, response, data=None):
            super().update_state(response, data)
            if data is None or len(data) < self.limit:
                self._has_next_page = False

    source = rest_api_source({
        "client": {
            "base_url": args.url.rstrip("/") + "/",
            "paginator": ShortPagePaginator(limit=args.page_size, offset=0, offset_param="_cnd[limit][0]",
                                              limit_param="_cnd[limit][1]", total_path=None),
        },
        "resources": [{
            "name": "xcart_orders",
            "primary_key": "orderId",
            "write_disposition": "append",
            "max_table_nesting": 0,
            "endpoint": {
                "path": "admin.php",
                "data_selector": "$",
                "params": {**json.loads(args.params), "_key": os.environ["XCART_RO_KEY"]},
            },
        }],
    }, max_table_nesting=0)
    pipeline = dlt.pipeline(pipeline_name="bench_xcart_orders", pipelines_dir=os.path.join(args.workdir, "pipelines"),
                            destination=dlt.destinations.sqlalchemy(credentials=f"sqlite:///{args.database}"),
                            dataset_name="main", progress=None)
    started = time.perf_counter()
    info = pipeline.run(source)
    seconds = time.perf_counter() - started
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("xcart_orders", 0)
    steps = {step.step: (step.finished_at - step.started_at).total_seconds() for step in pipeline.last_trace.steps}
    with open(args.out, "w") as handle:
        json.dump({"rows": rows, "seconds": seconds, "steps": steps, "has_failed_jobs": info.has_failed_jobs,
                   "dlt_version": dlt.__version__}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
