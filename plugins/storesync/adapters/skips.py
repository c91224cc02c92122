"""Skip reasons that ask for an alert.

A source adapter's ``out_of_scope(entity, record)`` returns why an extracted record is not its flow's to
carry (the extract step records it as ``skipped`` with that reason). Most such records need no one's
attention; some do (a declined payment: the order will not be paid). Returning an :class:`AlertingSkip`
instead of plain text keeps the skip exactly as it was and additionally puts the record into the run's
one grouped alert of that kind (:mod:`storesync.operators.skip_alerts`).
"""

from __future__ import annotations


class AlertingSkip(str):
    """A skip reason (it *is* the text) that also names the alert kind it belongs to."""

    alert: str

    def __new__(cls, reason: str, alert: str) -> "AlertingSkip":
        text = super().__new__(cls, reason)
        text.alert = alert
        return text
