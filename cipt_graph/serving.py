"""Running `cipt serve`: one process, or several uvicorn worker processes built by a factory (issue #8).

uvicorn starts workers from an import string, so each worker builds its own app with
:func:`app_from_env`, from the configuration `cipt serve` leaves in ``$CIPT_SERVE_CONFIG``
(JSON: the store, the workspace and the limits; the write token stays in ``$CIPT_WRITE_TOKEN``,
inherited, never written anywhere). The parent has already opened the data once — a malformed
or half-written file stops `cipt serve` with exit status 2 before any worker starts — and filled
a persistent store when it had to, so workers only open it.

With an in-memory store every worker holds its own copy of the graph, built at start; with
``--store DIR`` (on-disk Oxigraph) workers share one copy read-only and see a new version within
a second of a write (see :mod:`cipt_graph.stores.embedded`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from .api import Settings, create_app
from .errors import CiptError

ENV_SERVE_CONFIG = "CIPT_SERVE_CONFIG"
FACTORY = "cipt_graph.serving:app_from_env"


def settings_to_config(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-able values, without the write token."""
    values = dataclasses.asdict(settings)
    values.pop("write_token", None)
    values["cors_origins"] = list(settings.cors_origins)
    return values


def build_service(config: dict[str, Any], store=None):
    """The app `cipt serve` runs, from a configuration (see the module's doc).

    Args:
        config: ``data``, ``store``, ``update_url``, ``gsp_url`` and ``settings`` (a dict).
        store: an already opened store; else it is opened (persistent) or built (in memory).
    """
    from .api.auth import install_sessions
    from .load import load_workspace
    from .paths import resolve_workspace
    from .store import OxigraphStore, open_store

    values = dict(config.get("settings") or {})
    values["cors_origins"] = tuple(values.get("cors_origins") or ())
    settings = Settings(**values, write_token=os.environ.get("CIPT_WRITE_TOKEN"))
    workspace = resolve_workspace(config.get("data"))
    from .importers import clean_workspace_leftovers

    clean_workspace_leftovers(workspace)  # what killed imports left behind (issue #13)
    if store is None:
        if config.get("store"):
            store = open_store(config["store"], update_url=config.get("update_url"), gsp_url=config.get("gsp_url"))
        else:
            store = OxigraphStore()
            load_workspace(store, workspace)
    app = create_app(store, settings)
    app.state.workspace = workspace  # for /api/versions, the imports and the team's pages
    install_sessions(app, workspace, getattr(settings, "base_url", None))
    return app


def app_from_env():
    """uvicorn's factory for worker processes: the app described by ``$CIPT_SERVE_CONFIG``."""
    raw = os.environ.get(ENV_SERVE_CONFIG)
    if not raw:
        raise CiptError(f"{ENV_SERVE_CONFIG} is not set: start the service with `cipt serve`")
    return build_service(json.loads(raw))
