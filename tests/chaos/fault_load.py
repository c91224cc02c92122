"""One load task of a real flow, in its own process, for the fault suite's overlapping loads.

``python -m tests.chaos.fault_load <pair> <flow> <run id> <dag id> <go file>``: builds the run's scope from the
pair configuration and the Airflow connections in the environment (the sandbox's), waits for the go file so
that two such processes start loading at the same moment, runs ``LoadOperator.run`` on the run's staged target
records with the flow's real target adapter, and prints its counts as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path


def main(pair_name: str, flow_name: str, run_id: str, dag_id: str, go: str) -> None:
    from storesync.config.pairs import get_pair
    from storesync.flows import get_flow
    from storesync.operators.base import RunScope
    from storesync.operators.load import LoadOperator

    pair = get_pair(pair_name)
    now = datetime.now(timezone.utc)
    scope = RunScope(pair=pair, flow=pair.flows[flow_name], spec=get_flow(flow_name), dag_id=dag_id, run_id=run_id,
                     since=now, until=now)
    operator = LoadOperator(task_id=f"load_{os.getpid()}", pair_name=pair_name, flow_name=flow_name)
    scope.target  # log in (Acumatica) before the race, as a running task would have
    Path(go).parent.joinpath(f"ready-{os.getpid()}").touch()
    while not Path(go).exists():
        time.sleep(0.002)
    started = time.time()
    try:
        counts = operator.run(scope, {})
    finally:
        scope.close()
    print(json.dumps({**counts, "seconds": [round(started % 1000, 3), round(time.time() % 1000, 3)]}, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:6])
