"""Store backends behind one interface: embedded Oxigraph (memory or disk) and remote SPARQL servers."""

from __future__ import annotations

import os
import sys

from ..errors import StoreError
from .base import (
    ENV_GSP_URL,
    ENV_STORE,
    ENV_UPDATE_URL,
    QueryResult,
    Store,
    Term,
    is_empty,
    iter_records,
    select,
    to_python,
)
from .binding import bind_values
from .embedded import OxigraphStore


def __getattr__(name: str):
    """``RemoteStore`` is imported when first asked for: its HTTP stack (http.client, ssl, email:
    ~35 ms) is not needed by a command on a local store (``cipt stats``, issue #16)."""
    if name == "RemoteStore":
        from .remote import RemoteStore

        return RemoteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_remote_spec(spec: str | os.PathLike[str] | None) -> bool:
    """True when a ``--store`` value names a SPARQL endpoint rather than a folder."""
    return spec is not None and str(spec).startswith(("http://", "https://"))


def open_store(
    spec: str | os.PathLike[str] | None = None,
    *,
    update_url: str | None = None,
    gsp_url: str | None = None,
    read_only: bool = False,
) -> Store:
    """The store named by ``spec``, else by ``$CIPT_STORE``, else a new in-memory one.

    Args:
        spec: a folder (an on-disk Oxigraph store, created on first write) or the URL of a
            SPARQL query endpoint (``http(s)://…``).
        update_url: for a remote store, its SPARQL Update endpoint (default ``$CIPT_UPDATE_URL``).
        gsp_url: for a remote store, its Graph Store Protocol endpoint (default ``$CIPT_GSP_URL``).
        read_only: refuse writes to an on-disk store.

    Raises:
        StoreError: the folder is not a store, or write URLs are given without a remote store.
    """
    chosen = spec if spec is not None else os.environ.get(ENV_STORE) or None
    update_url = update_url or os.environ.get(ENV_UPDATE_URL) or None
    gsp_url = gsp_url or os.environ.get(ENV_GSP_URL) or None
    if is_remote_spec(chosen):
        from .remote import RemoteStore

        return RemoteStore(str(chosen), update_url=update_url, gsp_url=gsp_url)
    if (update_url or gsp_url) and spec is not None:
        raise StoreError("--update-url and --gsp-url go with a remote store (--store http(s)://…)",
                         fr="--update-url et --gsp-url vont avec un entrepôt distant (--store http(s)://…)")
    if chosen is None:
        return OxigraphStore()
    return OxigraphStore(str(chosen), read_only=read_only)


def describe_store(store: Store) -> str:
    """A short human description of a store, for messages."""
    remote = sys.modules.get(f"{__name__}.remote")  # not imported: no store of it exists
    if remote is not None and isinstance(store, remote.RemoteStore):
        return store.query_url
    path = getattr(store, "path", None)
    return str(path) if path is not None else "memory"


__all__ = [
    "ENV_GSP_URL", "ENV_STORE", "ENV_UPDATE_URL", "OxigraphStore", "QueryResult", "RemoteStore", "Store",
    "Term", "bind_values", "describe_store", "is_empty", "is_remote_spec", "iter_records", "open_store",
    "select", "to_python",
]
