"""The sandbox alert sink: webhooks and e-mails arrive, are recorded, and are inspectable in-process and over HTTP."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import smtplib
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest

from include.sandbox.alertsink import AlertSink
from tests.conftest import ROOT

TOKEN = "sink-token-8c1f2e"


def post(url: str, body, *, token: str | None = None, raw: bytes | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def get_messages(base_url: str) -> dict:
    with urllib.request.urlopen(f"{base_url}/_sink/messages", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def sink():
    with AlertSink() as running:
        yield running


def test_a_posted_json_body_is_recorded_and_listed_over_http(sink):
    assert post(f"{sink.http_url}/hooks/ops", {"kind": "held", "n": 1}) == 200
    assert post(f"{sink.http_url}/", {"kind": "dlq"}) == 200
    assert [(w["path"], w["body"]["kind"], w["auth"]) for w in sink.webhooks] == [
        ("/hooks/ops", "held", "none"), ("/", "dlq", "none")]
    listed = get_messages(sink.http_url)
    assert [w["body"] for w in listed["webhooks"]] == [{"kind": "held", "n": 1}, {"kind": "dlq"}]
    assert listed["emails"] == []


def test_a_body_that_is_not_json_is_refused(sink):
    assert post(sink.http_url, None, raw=b"not json") == 400
    assert sink.webhooks == []


def test_with_a_token_only_the_right_bearer_is_accepted_and_the_token_is_never_recorded():
    with AlertSink(token=TOKEN) as sink:
        assert post(sink.http_url, {"a": 1}) == 401
        assert post(sink.http_url, {"a": 2}, token="wrong-token") == 401
        assert post(sink.http_url, {"a": 3}, token=TOKEN) == 200
        assert [w["body"] for w in sink.webhooks] == [{"a": 3}]
        assert sink.webhooks[0]["auth"] == "bearer" and sink.rejected == 2
        assert TOKEN not in json.dumps(get_messages(sink.http_url))


def test_reset_clears_what_arrived(sink):
    post(sink.http_url, {"a": 1})
    assert post(f"{sink.http_url}/_sink/reset", {}) == 200
    assert sink.messages() == {"webhooks": [], "emails": []}


def send_mail(sink: AlertSink, *, login: tuple[str, str] | None = None, body: str = "hello") -> None:
    message = EmailMessage()
    message["Subject"] = "[storesync] held: 1 order held"
    message["From"] = "storesync@example.com"
    message["To"] = "ops@example.com, finance@example.com"
    message.set_content(body)
    with smtplib.SMTP(sink.host, sink.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        if login:
            smtp.login(*login)
        smtp.send_message(message)


def test_an_email_is_recorded_with_envelope_headers_and_body(sink):
    send_mail(sink, body="Zoë's order\n.leading dot line\nend")
    assert sink.wait_for(emails=1)
    mail = sink.emails[0]
    assert mail["mail_from"] == "storesync@example.com"
    assert mail["rcpt_to"] == ["ops@example.com", "finance@example.com"]
    assert mail["subject"] == "[storesync] held: 1 order held"
    assert mail["body"].splitlines() == ["Zoë's order", ".leading dot line", "end"]
    assert get_messages(sink.http_url)["emails"][0]["subject"] == mail["subject"]


def test_smtp_auth_keeps_the_user_but_never_the_password(sink):
    send_mail(sink, login=("alerts", "smtp-pass-5521"))
    assert sink.wait_for(emails=1)
    assert sink.emails[0]["auth_user"] == "alerts"
    assert "smtp-pass-5521" not in json.dumps(sink.messages())


def test_smtp_auth_login_mechanism_and_helo_work(sink):
    with smtplib.SMTP(sink.host, sink.smtp_port, timeout=5) as smtp:
        smtp.helo()
        assert smtp.docmd("NOOP")[0] == 250
        smtp.ehlo()
        smtp.user, smtp.password = "bob", "pw-123456"
        assert smtp.auth("LOGIN", smtp.auth_login)[0] == 235
        assert smtp.docmd("STARTTLS")[0] == 454
        assert smtp.docmd("DATA")[0] == 503  # no recipients yet
        smtp.sendmail("a@example.com", ["b@example.com"], "Subject: hi\r\n\r\nbody\r\n")
        # the challenge-response form: user name and password each on their own line
        assert smtp.docmd("AUTH", "LOGIN")[0] == 334
        assert smtp.docmd(base64.b64encode(b"carol").decode())[0] == 334
        assert smtp.docmd(base64.b64encode(b"pw-654321").decode())[0] == 235
        smtp.sendmail("a@example.com", ["b@example.com"], "Subject: again\r\n\r\nbody\r\n")
    assert [(m["auth_user"], m["subject"]) for m in sink.emails] == [("bob", "hi"), ("carol", "again")]


def test_the_command_line_serves_both_and_prints_the_addresses_without_the_token():
    env = {**os.environ, "ALERTSINK_TOKEN": TOKEN, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
    process = subprocess.Popen([sys.executable, "-m", "include.sandbox.alertsink", "--http-port", "0",
                                "--smtp-port", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        line = process.stdout.readline()
        assert TOKEN not in line
        match = re.search(r"(http://[\d.]+:\d+) , SMTP on ([\d.]+):(\d+)", line)
        assert match, line
        url = match.group(1)
        assert post(url, {"kind": "dlq"}, token=TOKEN) == 200
        with smtplib.SMTP(match.group(2), int(match.group(3)), timeout=5) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], "Subject: cli\r\n\r\nbody\r\n")
        listed = get_messages(url)
        assert [w["body"] for w in listed["webhooks"]] == [{"kind": "dlq"}]
        assert [m["subject"] for m in listed["emails"]] == ["cli"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=10) == 0
