"""Run a DAG in this process (``dag.test``) so that the Airflow UI shows the run as it happened.

``make demo`` and ``dlq replay --run-now`` run DAGs in-process, with no scheduler or worker. Two things the
UI then gets wrong unless we correct them:

- Duration. Airflow 3.3's ``Dag.test`` creates the run with ``start_date = logical_date or run_after``, so a
  run for 14:00 made at 19:55 shows as lasting almost six hours. After the run, its start is set to the
  moment its first task started (as the scheduler would have recorded it).
- Task logs. In-process tasks log to this process's output; no file is written where the UI reads logs.
  While each task runs, a handler writes its log lines, as JSON lines (the format the UI parses), to the file
  the UI reads for that try (``[logging] log_filename_template`` under ``base_log_folder``), masked as
  Airflow masks task logs (every registered secret, in every form ``storesync.log_masking`` knows).

Imports Airflow lazily: callers are scripts and the DLQ command, never DAG files.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_keeper: TaskLogKeeper | None = None


class JsonLinesFile(logging.Handler):
    """Write each record as one JSON line with the fields Airflow's log reader parses."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.INFO)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = record.getMessage()
            if record.exc_info:
                event += "\n" + logging.Formatter().formatException(record.exc_info)
            line = {"timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
                    "level": record.levelname.lower(), "logger": record.name, "event": masked(event)}
            self._file.write(json.dumps(line, default=str) + "\n")
            self._file.flush()
        except Exception:  # a log line must never fail the task
            self.handleError(record)

    def close(self) -> None:
        self._file.close()
        super().close()


def masked(text: str) -> str:
    """What a task log may hold of ``text``: every registered secret (in each form it takes on the wire) and
    any URL or query-string credential replaced, as Airflow's own task log handler masks its lines."""
    from airflow.sdk._shared.secrets_masker import redact

    from storesync.log_masking import install, redact_credentials

    install()  # the masker's adapter: percent-encoded, JSON and base64 forms of each secret
    return redact_credentials(str(redact(text)))


def task_log_path(task_instance: Any) -> Path:
    """Where the UI looks for this try's log (the same template the log reader renders)."""
    import jinja2

    from airflow.configuration import conf

    template = conf.get("logging", "log_filename_template")
    relative = jinja2.Template(template).render(ti=task_instance, try_number=task_instance.try_number)
    return Path(conf.get("logging", "base_log_folder")) / relative


class TaskLogKeeper:
    """Task-instance listener: a log file per in-process task try, open while the task runs."""

    def __init__(self) -> None:
        self._handler: JsonLinesFile | None = None

    def _begin(self, task_instance: Any) -> None:
        self._end()
        self._handler = JsonLinesFile(task_log_path(task_instance))
        logging.getLogger().addHandler(self._handler)

    def _failed(self, error: BaseException | str | None) -> None:
        # The task runner logs the failure through structlog, not the stdlib handler above: say it here.
        if self._handler is not None and error is not None:
            exc_info = (type(error), error, error.__traceback__) if isinstance(error, BaseException) else None
            record = logging.LogRecord("airflow.task", logging.ERROR, __file__, 0, "Task failed with exception: %s",
                                       (f"{type(error).__name__}: {error}" if exc_info else error,), exc_info)
            self._handler.handle(record)
        self._end()

    def _end(self) -> None:
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    # The hook implementations are attached in listener() below, so this module imports no Airflow at import time.


def listener() -> TaskLogKeeper:
    """The one keeper of this process, registered with the task runner's listener manager on first use."""
    global _keeper
    if _keeper is None:
        from airflow.listeners import hookimpl
        from airflow.sdk.listener import get_listener_manager

        class Keeper(TaskLogKeeper):
            @hookimpl
            def on_task_instance_running(self, previous_state, task_instance):
                self._begin(task_instance)

            @hookimpl
            def on_task_instance_success(self, previous_state, task_instance):
                self._end()

            @hookimpl
            def on_task_instance_failed(self, previous_state, task_instance, error):
                self._failed(error)

        _keeper = Keeper()
        get_listener_manager().add_listener(_keeper)
    return _keeper


def record_real_start(dag_id: str, run_id: str) -> datetime | None:
    """Set the run's start to its first task's start; return it (None when no task started)."""
    from sqlalchemy import func, select, update

    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        first = session.scalar(select(func.min(TaskInstance.start_date))
                               .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id))
        if first is not None:
            session.execute(update(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
                            .values(start_date=first))
    return first


def run_in_process(dag: Any, **test_kwargs: Any):
    """``dag.test(**test_kwargs)`` with the run's real start and every task's log where the UI reads it."""
    listener()
    run = dag.test(**test_kwargs)
    started = record_real_start(run.dag_id, run.run_id)
    if started is not None:
        run.start_date = started
    return run
