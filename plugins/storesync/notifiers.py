"""Former home of the alerts, kept so that DAG files and scripts importing from it keep working.

New code imports from the ``storesync.alerts`` package, which splits this module's former jobs into one
module each (grouping, messages, dedup, delivery, send, callback).
"""

from storesync.alerts.callback import FailureAlert
from storesync.alerts.dedup import alert_sent, claim, ensure_table, record_channels, release, sent_alerts
from storesync.alerts.delivery import AlertDeliveryError, EmailNotifier, SlackNotifier, WebhookNotifier, build_channels
from storesync.alerts.grouping import dlq_growth, dlq_reasons, grouped_alert
from storesync.alerts.messages import KINDS, MAX_LINES, Alert, dlq_query, failure_alert, run_url, scrub
from storesync.alerts.send import SendResult, send_alert

__all__ = ["KINDS", "MAX_LINES", "Alert", "AlertDeliveryError", "EmailNotifier", "FailureAlert", "SendResult",
           "SlackNotifier", "WebhookNotifier", "alert_sent", "build_channels", "claim", "dlq_growth", "dlq_query",
           "dlq_reasons", "ensure_table", "failure_alert", "grouped_alert", "record_channels", "release", "run_url",
           "scrub", "send_alert", "sent_alerts"]
