"""Alerts: one message per (pair, DAG run, kind), never one per record, through the Airflow providers' notifiers.

Ours is the grouping, the de-duplication and the wording; the sending is the providers'. One module each:

- ``grouping``: ``alert(...)``, the operators' entry point: a run's held orders or DLQ growth as one alert.
- ``messages``: the ``Alert`` and its wording (text, JSON payload, where to look, a task failure's alert).
- ``dedup``: the ``alert_sent`` claim in the sync store, so a retried task never alerts twice.
- ``delivery``: the channels (webhook, e-mail, optional Slack) over ``HttpNotifier`` / ``SmtpNotifier`` /
  ``SlackWebhookNotifier``; ``smtp``: the SMTP provider reading our connections.
- ``send``: one alert through every channel of the pair, claimed first, released if nothing got out.
- ``callback``: ``FailureAlert``, the ``on_failure_callback`` the DAG factory sets.

Kinds: ``task_failed`` (a task failed after its last retry), ``quality_gate`` (a gate above its threshold),
``held`` (orders held for unknown SKUs), ``dlq`` (the DLQ grew in this run), ``declined_payment`` (storefront
payments declined, failed or voided: skipped, never posted). The pair's ``alerts`` section is validated by
``storesync.config.pairs`` against ``storesync.config.alert_channels``; ``alerts: {}`` only logs at WARNING.
"""

from storesync.alerts.grouping import alert

__all__ = ["alert"]
