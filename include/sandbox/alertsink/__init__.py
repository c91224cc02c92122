"""Sandbox alert sink: a loopback webhook receiver and SMTP server that record every alert they get."""

from include.sandbox.alertsink.server import AlertSink

__all__ = ["AlertSink"]
