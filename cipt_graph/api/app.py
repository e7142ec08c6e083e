"""The FastAPI application: ``create_app(store)`` wires the routers over one store.

Other parts of the project add their own routers with ``app.include_router(...)``.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..queries import load_queries
from ..store import Store
from . import docs, linked_data, named_queries, resources, sparql
from . import versions as versions_api
from . import versions_page
from . import views as views_api
from . import audit as audit_api
from . import team as team_api
from . import team_cell as team_cell_api
from . import team_diff as team_diff_api
from . import team_upload as team_upload_api
from . import writes as writes_api
from . import interchange as interchange_api
from .cache import DataVersion, LruCache, ResponseCache
from .cache_keys import route_parameters
from .errors import install_error_handlers
from .pages import KEPT_PARAMS, warm
from .limits import BodySizeLimit, HeadAsGet, RequestFraming
from .mirror import Mirror
from .runner import QueryRunner
from .runner_middleware import ClientAddress, NoteActivity
from .blank_params import BlankParameterIsAbsent
from .security import SecurityHeaders
from .settings import Settings
from .watch import DataWatcher

STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """\
The competency graph of the Master 2 *Communication institutionnelle et politique des
territoires* (Université Paris 1, RNCP 38175) over HTTP: a read-only SPARQL 1.1 endpoint
(`/sparql`), the named queries (`/api/queries`), a JSON API of the main resources (`/api/…`)
and every IRI of the graph as a page or RDF (`/id/…`).
"""


def offered_types() -> frozenset[str]:
    """Every media type a route negotiates from ``Accept`` (the cache keys on these alone)."""
    from . import results

    return frozenset({"text/html", *results.SOLUTION_TYPES, *results.GRAPH_TYPES, *linked_data.REPRESENTATIONS,
                      "application/json", *named_queries.ROW_TYPES})


def _generation(state) -> object:
    """What the query workers' data depends on: the data version, but for a remote store (the
    workers hold none of its data; its version moves every second)."""
    if getattr(state.store, "query_url", None):
        return 0
    return state.data_version.token


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """The HTTP service over ``store`` (already built), with ``settings`` (defaults otherwise)."""
    settings = settings or Settings()
    runner = QueryRunner(settings.query_timeout, settings.max_running_queries,
                         max_sparql=settings.max_sparql_running, per_client=settings.max_client_queries,
                         memory_bytes=settings.max_query_memory)
    load_queries()  # parsed once here: the query processes inherit them

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warm(app)  # before any request forks a process: built once, inherited by each
        watching = asyncio.create_task(watcher.run())
        # Two query workers forked once the server runs (a fork per request is what the pool avoids).
        asyncio.get_running_loop().call_soon(runner.pool.prestart, min(2, runner.max_sparql))
        mirror.refresh()  # a small on-disk store: the workers then read a copy in memory
        try:
            yield
        finally:
            watching.cancel()
            mirror.stop()
            runner.shutdown()

    app = FastAPI(
        title="cipt-graph", version=__version__, description=DESCRIPTION,
        docs_url=None, redoc_url=None, lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.runner = runner
    app.state.data_version = DataVersion()
    mirror = app.state.mirror = Mirror(lambda: app.state.store, settings.memory_copy_bytes)
    def workers_store():
        copy = mirror.get()
        return app.state.store if copy is None else copy

    runner.attach(workers_store, lambda: (_generation(app.state), mirror.epoch))
    app.state.data_version.listeners += [runner.pool.recycle, mirror.refresh]

    def mirrored() -> None:  # idle workers replaced by ones forked from the new copy
        runner.pool.recycle()
        runner.pool.prestart(min(2, runner.max_sparql))

    mirror.on_ready.append(mirrored)
    app.state.cache = LruCache(settings.cache_bytes)
    watcher = app.state.watcher = DataWatcher(app.state)
    app.state.write_lock = asyncio.Lock()  # one HTTP import at a time in this process
    install_error_handlers(app)

    app.include_router(sparql.router)
    app.include_router(named_queries.router)
    app.include_router(resources.router)
    app.include_router(linked_data.router)
    app.include_router(docs.router)
    app.include_router(versions_api.router)
    app.include_router(versions_page.router)
    app.include_router(views_api.router)
    app.include_router(audit_api.router)
    app.include_router(writes_api.router)
    app.include_router(team_api.router)
    app.include_router(team_cell_api.router)
    app.include_router(team_diff_api.router)
    app.include_router(team_upload_api.router)
    interchange_api.install(app)
    app.mount("/api/static/swagger", StaticFiles(directory=docs.SWAGGER_DIR), name="swagger-assets")
    app.mount("/api/static", StaticFiles(directory=STATIC_DIR), name="api-assets")

    # Junk query parameters neither reach a route nor make another cache entry (see cache.py).
    parameters = route_parameters(app, always=("lang", *KEPT_PARAMS),
                                  raw=tuple(m.__name__ for m in (sparql, named_queries, team_api, team_cell_api,
                                                                 team_diff_api, team_upload_api, writes_api)))
    app.add_middleware(ClientAddress)  # the client's share of the slots (runner.py)
    # An identical request waits for the answer being computed at most as long as any work may run.
    app.add_middleware(ResponseCache, cache=app.state.cache, version=app.state.data_version, parameters=parameters,
                       wait=max(settings.query_timeout, settings.report_timeout) + 5, offered=offered_types())
    app.add_middleware(NoteActivity, runner=runner)  # pages wanting the CPU (runner.contended)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BlankParameterIsAbsent)  # `?programme=` is no programme given, before the cache
    # Larger bodies only where an upload may be accepted: other systems' imports (--allow-writes),
    # the team's workbook (not --read-only; its route refuses before reading the body unless an
    # editor is signed in).
    upload_paths = [*writes_api.UPLOAD_PATHS] if settings.allow_writes else []
    upload_paths += [] if settings.read_only else [team_api.UPLOAD_PATH]
    uploads = {path: settings.max_upload_bytes for path in upload_paths}
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, larger=uploads)
    app.add_middleware(RequestFraming)
    if settings.cors_origins:
        # Added last, so outermost: refusals (413…) carry CORS headers too.
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Accept", "Content-Type"], expose_headers=["Link", "X-Cipt-Truncated"],
        )
    # Last, so outermost: every answer, refusals and errors included, carries the headers.
    app.add_middleware(SecurityHeaders)
    return app
