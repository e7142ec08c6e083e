"""The HTTP service: SPARQL endpoint, named queries, JSON API and linked data (FastAPI).

``create_app`` is imported on first use (PEP 562): `cipt serve` reads its settings and opens its
port before it imports the web framework (issue #11, start-up).
"""

from .settings import Settings

__all__ = ["create_app", "Settings"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
