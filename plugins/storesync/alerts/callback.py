"""The failure callback the DAG factory sets on every task: one ``task_failed``/``quality_gate`` alert per run."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class FailureAlert:
    """A task ``on_failure_callback`` for a pair.

    Airflow calls ``on_failure_callback`` only once a task has failed for good (after its last retry,
    or at once for an error that is not retried); retries go to ``on_retry_callback`` instead.
    """

    def __init__(self, pair_name: str) -> None:
        self.pair_name = pair_name

    def __repr__(self) -> str:
        return f"FailureAlert({self.pair_name!r})"

    def __call__(self, context) -> None:
        try:
            # Imported when a task fails, not when the factory builds DAGs: the config imports this package.
            from storesync.alerts.messages import failure_alert
            from storesync.alerts.send import send_alert
            from storesync.config.pairs import get_pair

            pair_config = get_pair(self.pair_name)
            send_alert(failure_alert(context, pair=pair_config.name), pair_config)
        except Exception as exc:  # noqa: BLE001 - a failing callback must not hide the task's own error
            log.error("failure alert for pair %s could not be sent: %s", self.pair_name, type(exc).__name__)
