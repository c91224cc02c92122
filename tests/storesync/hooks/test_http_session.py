"""A client's session reads proxies, CA bundle and .netrc from the environment once, as each request would have."""

from __future__ import annotations

import requests

from storesync.hooks.http_session import settle_environment

STORE = "https://shop.example.com/admin.php"


def settled(monkeypatch, url: str = STORE, **environment: str) -> requests.Session:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
                 "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return settle_environment(requests.Session(), url)


def test_the_proxy_of_the_environment_is_kept_and_not_looked_up_again(monkeypatch):
    session = settled(monkeypatch, HTTPS_PROXY="http://proxy.internal:3128")
    assert session.proxies == {"https": "http://proxy.internal:3128"}
    assert session.trust_env is False
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere:1")
    assert session.merge_environment_settings(STORE, {}, None, None, None)["proxies"] == {
        "https": "http://proxy.internal:3128"}, "what a request would use"


def test_no_proxy_is_honoured_for_the_service_s_host(monkeypatch):
    session = settled(monkeypatch, HTTPS_PROXY="http://proxy.internal:3128", NO_PROXY="shop.example.com")
    assert session.proxies == {}


def test_the_ca_bundle_of_the_environment_becomes_the_session_s(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert settled(monkeypatch, REQUESTS_CA_BUNDLE=str(bundle)).verify == str(bundle)
    assert settled(monkeypatch).verify is True


def test_netrc_credentials_for_the_host_are_kept(monkeypatch, tmp_path):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine shop.example.com login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert settled(monkeypatch).auth == ("alice", "s3cret")


def test_a_session_told_not_to_trust_the_environment_is_left_alone(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    session = requests.Session()
    session.trust_env = False
    assert settle_environment(session, STORE).proxies == {}
