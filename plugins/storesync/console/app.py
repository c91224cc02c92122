"""The ops console: a FastAPI app that Airflow's API server mounts at ``/storesync`` (see
``plugins/storesync_console_plugin.py``), behind Airflow's own authentication and permissions.

A plugin's app is not protected by Airflow by itself: every route here depends on the API server's access
checks (``airflow.api_fastapi.core_api.security``). Reading needs read access to DAG runs (Airflow's Viewer
role and up); replaying, resolving and ignoring DLQ items needs the right to create DAG runs (User role and
up). The user is the one Airflow's auth manager resolves from the request: the UI's ``_token`` cookie (set
when you log in to Airflow) or an ``Authorization: Bearer`` JWT. Without one, pages redirect to Airflow's login
and everything else answers 401; a forged token gets 403.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from storesync.console import data, dlq_actions, render

URL_PREFIX = "/storesync"
#: Overrides the sync store the console reads (default: the pairs' store connection).
STORE_URL_ENV = "STORESYNC_CONSOLE_STORE_URL"

can_read = Depends(requires_access_dag("GET", DagAccessEntity.RUN))
can_act = Depends(requires_access_dag("POST", DagAccessEntity.RUN))


def default_pairs() -> tuple[Any, ...]:
    from storesync.config.pairs import load_pairs, pairs_dir

    return load_pairs(str(pairs_dir()))


@lru_cache(maxsize=4)
def _store_at(url: str):
    from storesync.store.store import SyncStore

    store = SyncStore(url)
    store.create_all()
    return store


def store_url(conn_id: str) -> str:
    """The sync store URL of connection ``conn_id`` as the API server sees it.

    The API server is not a task: Airflow's task-side lookup used by hooks sees only ``AIRFLOW_CONN_*`` variables
    and secrets backends there, so the connection is read with Airflow's server-side lookup (secrets backends,
    environment, then the metadata database, where connections made in the UI live).
    """
    from airflow.models.connection import Connection
    from storesync.hooks.syncstore import SyncStoreHook

    class ServerSideStoreHook(SyncStoreHook):
        @classmethod
        def get_connection(cls, conn_id: str):
            return Connection.get_connection_from_secrets(conn_id)

    return ServerSideStoreHook(conn_id).get_url()


def default_store():
    url = os.environ.get(STORE_URL_ENV)
    if not url:
        from storesync.hooks.syncstore import SyncStoreHook

        pairs = default_pairs()
        url = store_url(pairs[0].store_conn_id if pairs else SyncStoreHook.default_conn_name)
    return _store_at(url)


def airflow_run_states(dag_id: str, run_ids: list[str]) -> dict[str, str]:
    """The Airflow state of the given runs (from the metadata database the API server uses); {} if unknown."""
    if not run_ids:
        return {}
    try:
        from sqlalchemy import select

        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = session.execute(select(DagRun.run_id, DagRun.state).where(
                DagRun.dag_id == dag_id, DagRun.run_id.in_(run_ids))).all()
        return {run_id: str(state.value if hasattr(state, "value") else state) for run_id, state in rows if state}
    except Exception:  # noqa: BLE001 - state is a nicety; the store's own figures still show
        return {}


def create_app(*, store: Callable[[], Any] = default_store, pairs: Callable[[], tuple[Any, ...]] = default_pairs,
               trigger: dlq_actions.Trigger | None = None,
               run_states: Callable[[str, list[str]], dict[str, str]] | None = airflow_run_states,
               now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> FastAPI:
    app = FastAPI(title="Storesync ops console", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(HTTPException)
    async def login_first(request: Request, exc: HTTPException):
        # A browser without a session gets Airflow's login page, then comes back; API clients get the 401.
        if exc.status_code == 401 and request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            from airflow.api_fastapi.app import get_auth_manager

            return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
        return await http_exception_handler(request, exc)

    def base(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def html(request: Request, user, title: str, body: str, active: str, flash: str | None = None,
             error: bool = False) -> HTMLResponse:
        return HTMLResponse(render.page(title, body, base=base(request), active=active, user=user.get_name(),
                                        flash=flash, error=error))

    @app.get("/", response_class=HTMLResponse, dependencies=[can_read])
    def overview(request: Request, user: GetUserDep, days: int = 3):
        moment = now()
        the_store = store()
        refs = data.flow_refs(pairs())
        healths = [data.flow_health(the_store, ref, now=moment, run_states=run_states) for ref in refs]
        series = data.hourly_series(the_store, refs, now=moment, days=max(1, min(days, 14)))
        return html(request, user, "Overview", render.overview(healths, series, base=base(request)), "overview")

    @app.get("/dlq", response_class=HTMLResponse, dependencies=[can_read])
    def dlq(request: Request, user: GetUserDep, pair: str | None = None, flow: str | None = None,
            reason: str | None = None, state: str | None = "open", since: str | None = None,
            until: str | None = None, flash: str | None = None, error: bool = False):
        flt = _filter(pair, flow, reason, state, since, until)
        the_store = store()
        items = data.dlq_items(the_store, flt, limit=500)
        may_act = _may_act(user)
        body = render.dlq_page(items, flt, data.dlq_choices(the_store), base=base(request), limit=500,
                               may_act=may_act)
        return html(request, user, "Dead-letter queue", body, "dlq", flash=flash, error=error)

    @app.get("/dlq/{item_id}", response_class=HTMLResponse, dependencies=[can_read])
    def dlq_item(request: Request, user: GetUserDep, item_id: int):
        item = data.dlq_item(store(), item_id)
        if item is None:
            raise HTTPException(404, f"no DLQ item {item_id}")
        return html(request, user, f"DLQ item {item_id}", render.dlq_item_page(item, base=base(request)), "dlq")

    @app.post("/dlq/action", dependencies=[can_act])
    async def dlq_action(request: Request, user: GetUserDep):
        _same_origin(request)
        form = await request.form()
        action, everything = form.get("scope_action"), True
        if not action:
            action, everything = form.get("action"), False
        flt = _filter(form.get("pair"), form.get("flow"), form.get("reason"), form.get("state"), form.get("since"),
                      form.get("until"))
        back = {**flt.as_query()}
        try:
            ids = [int(value) for value in form.getlist("ids")] if not everything else None
            if not everything and not ids:
                raise ValueError("select at least one item (or use the '… all' buttons for the whole filter)")
            result = dlq_actions.apply(store(), str(action), by=user.get_name(), ids=ids,
                                       flt=flt if everything else None, note=form.get("note") or None,
                                       trigger=trigger)
            back.update(flash=result.message, **({"error": "1"} if result.errors else {}))
        except ValueError as exc:
            back.update(flash=str(exc), error="1")
        return RedirectResponse(f"{base(request)}/dlq?{urlencode(back)}", status_code=303)

    @app.get("/history", response_class=HTMLResponse, dependencies=[can_read])
    def history(request: Request, user: GetUserDep, pair: str | None = None, flow: str | None = None):
        refs = data.flow_refs(pairs())
        chosen = next((r for r in refs if (r.pair, r.flow) == (pair, flow)), refs[0] if refs and not pair else None)
        runs = data.run_history(store(), chosen, run_states=run_states) if chosen else []
        body = render.history_page([(r.pair, r.flow) for r in refs], chosen and (chosen.pair, chosen.flow),
                                   chosen and chosen.dag_id, runs, base=base(request))
        return html(request, user, "Sync history", body, "history")

    @app.get("/reconciliation", response_class=HTMLResponse, dependencies=[can_read])
    def reconciliation(request: Request, user: GetUserDep, pair: str | None = None):
        from storesync.reconciliation.model import CATEGORIES

        labels = {code: category.label for code, category in CATEGORIES.items()}
        body = render.recon_page(data.recon_days(store(), pair=pair), labels, base=base(request))
        return html(request, user, "Reconciliation", body, "recon")

    @app.get("/reconciliation/{pair}/{day}.{kind}", dependencies=[can_read])
    def reconciliation_file(pair: str, day: date, kind: str):
        try:
            content, name = data.recon_file(store(), pair, day, kind)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        media = "text/csv; charset=utf-8" if kind == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return app


def _filter(pair, flow, reason, state, since, until) -> data.DlqFilter:
    try:
        return data.DlqFilter(pair=pair or None, flow=flow or None, reason_code=reason or None,
                              state=state if state else "any",
                              since=date.fromisoformat(since) if since else None,
                              until=date.fromisoformat(until) if until else None)
    except ValueError as exc:
        raise HTTPException(400, f"bad date in the filter: {exc}") from None


def _may_act(user) -> bool:
    """Whether the user may replay/resolve/ignore (to show or hide the buttons; the POST checks again)."""
    try:
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

        return get_auth_manager().is_authorized_dag(method="POST", access_entity=DagAccessEntity.RUN,
                                                    details=DagDetails(id=None), user=user)
    except Exception:  # noqa: BLE001 - unknown: show the buttons; the POST's own check decides
        return True


def _same_origin(request: Request) -> None:
    """Refuse cross-site form posts (the session cookie would ride along on them)."""
    site = request.headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        raise HTTPException(403, "cross-site request refused")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-origin request refused")


app = create_app()
