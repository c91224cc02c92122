"""The DLQ replay DAG: select items, record the replay request, trigger the flows' DAGs for those records."""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG, BaseOperator, Param

from storesync.config.pairs import PairConfig, load_pairs, pairs_dir
from storesync.factory import default_args


class SelectAndMark(BaseOperator):
    """Select the DLQ items the params name, record the replay request on them, and return one trigger per
    flow DAG. The items stay open (or held): the flow run resolves those whose record loads, and its report
    records a failed attempt on the others (``storesync.dlq_service``).

    A plain operator rather than ``@task``: the decorator's module costs every parse of the DAG file ~30 ms.
    """

    def __init__(self, *, pair_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pair_name = pair_name

    def execute(self, context) -> list[dict[str, Any]]:
        from storesync.config.pairs import get_pair
        from storesync.dlq_service import DlqFilter, parse_when, request_replay
        from storesync.hooks.syncstore import SyncStoreHook

        pair = get_pair(self.pair_name)
        params = context.get("params") or {}
        store = SyncStoreHook(pair.store_conn_id).get_store()
        ids = params.get("item_ids")
        where = DlqFilter(pair=pair.name, flow=params.get("flow"), reason_code=params.get("reason_code"),
                          since=parse_when(params.get("since"), name="since"),
                          until=parse_when(params.get("until"), name="until"),
                          ids=tuple(int(i) for i in ids) if ids else None)
        requests = request_replay(store, where, by=str(params.get("requested_by") or "airflow"))
        return [{"trigger_dag_id": request.dag_id, "conf": request.conf} for request in requests]


class TriggerFlowRun(BaseOperator):
    """Trigger a run of a flow's DAG with ``conf`` (Airflow's ``TriggerDagRunOperator``, without waiting).

    The standard operator's module imports Airflow's core models (about 0.4 s); the DAG processor would pay it
    at every parse of the replay DAG file, so it is imported when the task runs and does the triggering.
    """

    template_fields = ("trigger_dag_id", "conf")
    ui_color = "#ffefeb"

    def __init__(self, *, trigger_dag_id: str, conf: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.conf = conf

    def execute(self, context) -> None:
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

        TriggerDagRunOperator(task_id=self.task_id, trigger_dag_id=self.trigger_dag_id, conf=self.conf,
                              wait_for_completion=False).execute(context)


def build_replay_dag(pair: PairConfig, *, doc_md: str | None = None) -> DAG:
    flows = sorted(pair.flows)
    with DAG(
        dag_id=f"dlq_replay__{pair.storefront.system}__{pair.erp.system}",
        description=f"Replay dead-letter queue items of {pair.name} after a fix",
        doc_md=doc_md,
        schedule=None,
        catchup=False,
        default_args=default_args(pair),
        tags=["storesync", "dlq", f"storefront:{pair.storefront.system}", f"erp:{pair.erp.system}"],
        params={
            "flow": Param(None, type=["null", "string"], enum=[None, *flows], description="only this flow"),
            "reason_code": Param(None, type=["null", "string"], description="only items with this reason code"),
            "since": Param(None, type=["null", "string"], description="ISO date: items created from"),
            "until": Param(None, type=["null", "string"], description="ISO date: items created before"),
            "item_ids": Param(None, type=["null", "array"], description="exactly these DLQ item ids"),
            "requested_by": Param("airflow-ui", type="string", description="recorded on each item"),
        },
    ) as dag:

        select = SelectAndMark(task_id="select_and_mark", pair_name=pair.name)
        TriggerFlowRun.partial(task_id="trigger_flow").expand_kwargs(select.output)
    return dag


def build_replay_dags(namespace: dict[str, Any], *, doc_md: str | None = None) -> list[DAG]:
    dags = []
    for pair in load_pairs(str(pairs_dir())):
        dag = build_replay_dag(pair, doc_md=doc_md)
        namespace[dag.dag_id] = dag
        dags.append(dag)
    return dags
