"""Stores: one small interface (see :mod:`cipt_graph.stores`); this module keeps the short import path."""

from .stores import (
    ENV_GSP_URL,
    ENV_STORE,
    ENV_UPDATE_URL,
    OxigraphStore,
    QueryResult,
    Store,
    Term,
    describe_store,
    is_empty,
    is_remote_spec,
    iter_records,
    open_store,
    select,
    to_python,
)

__all__ = [
    "ENV_GSP_URL", "ENV_STORE", "ENV_UPDATE_URL", "OxigraphStore", "QueryResult", "RemoteStore", "Store",
    "Term", "describe_store", "is_empty", "is_remote_spec", "iter_records", "open_store", "select",
    "to_python",
]


def __getattr__(name: str):
    """``RemoteStore``, imported when first asked for (see :mod:`cipt_graph.stores`)."""
    if name == "RemoteStore":
        from .stores.remote import RemoteStore

        return RemoteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
