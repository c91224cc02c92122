"""Read a session's environment settings once, for the one service it talks to.

``requests`` works out proxies (``HTTPS_PROXY``/``NO_PROXY``), the CA bundle (``REQUESTS_CA_BUNDLE``) and
``.netrc`` credentials from the environment again for every request, scanning all of ``os.environ`` twice:
about 0.1 ms a request here, a seventh of a write-back ``PUT`` against the local emulator, and more in a worker
whose environment is larger. A client sends every request to one host, so the answer is the same each time:
``settle_environment`` works it out once, exactly as the next request would, keeps it on the session and stops
the per-request look-up. A change to those variables after the client is made is not seen (tasks start with
their environment and keep it).
"""

from __future__ import annotations

import requests
from requests.utils import get_netrc_auth


def settle_environment(session: requests.Session, url: str) -> requests.Session:
    """Fix ``session``'s proxies, CA bundle and ``.netrc`` auth for requests to ``url``; returns it."""
    if not session.trust_env:
        return session  # told not to read the environment: nothing to settle
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies = settings["proxies"]
    session.verify = settings["verify"]
    session.cert = settings["cert"]
    if session.auth is None:
        session.auth = get_netrc_auth(url)
    session.trust_env = False
    return session
