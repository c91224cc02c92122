"""The pair config's ``alerts`` section: channels by type and connection, validated with file, field and valid values."""

from __future__ import annotations

import pytest
import yaml

from storesync.config.pairs import PairConfigError, load_pair
from tests.conftest import ROOT


def load_with(tmp_path, alerts):
    raw = yaml.safe_load((ROOT / "include" / "pairs" / "xcart-sage500.yaml").read_text())
    raw["alerts"] = alerts
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_pair(path)


def error_for(tmp_path, alerts) -> str:
    with pytest.raises(PairConfigError) as info:
        load_with(tmp_path, alerts)
    return str(info.value)


def test_the_shipped_pair_alerts_through_webhook_and_email():
    pair = load_pair(ROOT / "include" / "pairs" / "xcart-sage500.yaml")
    assert pair.alerts == {"channels": [{"type": "webhook", "conn_id": "alerts_webhook"},
                                        {"type": "email", "conn_id": "alerts_smtp", "to": ["ops@example.com"]}],
                           "dlq_growth_threshold": 1}


@pytest.mark.parametrize("empty", [{}, None])
def test_no_channels_is_valid_and_only_logs(tmp_path, empty):
    assert load_with(tmp_path, empty).alerts == {"channels": [], "dlq_growth_threshold": 1}


def test_the_legacy_webhook_conn_id_is_one_webhook_channel(tmp_path):
    pair = load_with(tmp_path, {"webhook_conn_id": "hooks", "webhook_endpoint": "/alerts"})
    assert pair.alerts["channels"] == [{"type": "webhook", "conn_id": "hooks", "endpoint": "/alerts"}]


def test_an_unknown_channel_type_names_file_field_and_valid_types(tmp_path):
    message = error_for(tmp_path, {"channels": [{"type": "webhook", "conn_id": "a"}, {"type": "slack", "conn_id": "b"}]})
    assert message == ("broken.yaml: field 'alerts.channels[1].type': unknown channel type 'slack'; "
                       "valid: email, webhook")


@pytest.mark.parametrize("alerts, expected", [
    ({"channels": [{"type": "email"}]}, "field 'alerts.channels[0].conn_id' is required"),
    ({"channels": [{"type": "email", "conn_id": "m", "cc": ["x@example.com"]}]},
     "field 'alerts.channels[0].cc' is not known; valid: conn_id, timeout, to, type"),
    ({"channels": [{"type": "email", "conn_id": "m", "to": ["not-an-address"]}]},
     "field 'alerts.channels[0]': 'to' must be a list of e-mail addresses"),
    ({"channels": {"type": "email"}}, "field 'alerts.channels' must be a list"),
    ({"channels": ["webhook"]}, "field 'alerts.channels[0]' must be a mapping"),
    ({"dlq_growth_threshold": 0}, "field 'alerts.dlq_growth_threshold' must be an integer of at least 1"),
    ({"slack_channel": "#ops"}, "field 'alerts.slack_channel' is not known; valid: channels, dlq_growth_threshold"),
])
def test_bad_alert_settings_name_the_field(tmp_path, alerts, expected):
    message = error_for(tmp_path, alerts)
    assert message.startswith("broken.yaml: ") and expected in message, message
