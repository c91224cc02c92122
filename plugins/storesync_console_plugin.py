"""Airflow plugin: the Storesync ops console, served by Airflow's API server and listed in the UI's navigation.

It also carries a root middleware that lets the connection list's Test button work for connections without a
port (an Airflow 3.3.2 bug; see ``storesync.console.connection_test_fix``). The console's pages live in
``storesync.console`` (a FastAPI app mounted at ``/storesync``; every route checks
Airflow's own authentication and permissions). The nav entry opens them inside the Airflow UI.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


class StoresyncConsolePlugin(AirflowPlugin):
    name = "storesync_console"

    @property
    def fastapi_apps(self):  # noqa: D401 - the app is built only when the API server asks for it
        from storesync.console.app import URL_PREFIX, app

        return [{"app": app, "url_prefix": URL_PREFIX, "name": "Storesync ops console"}]

    @property
    def fastapi_root_middlewares(self):
        from storesync.console.connection_test_fix import PortlessConnectionTestFix

        return [{"middleware": PortlessConnectionTestFix, "args": [], "kwargs": {},
                 "name": "Test button for connections without a port (apache/airflow#73298)"}]

    external_views = [
        {
            "name": "Storesync ops",
            "href": "/storesync/",
            "destination": "nav",
            "url_route": "storesync",
            "category": "browse",
        }
    ]
