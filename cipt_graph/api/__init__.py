"""The HTTP service: SPARQL endpoint, named queries, JSON API and linked data (FastAPI)."""

from .app import create_app
from .settings import Settings

__all__ = ["create_app", "Settings"]
