"""Stable identifiers: a UUID per IRI (RFC 9562 version 5, the URL namespace).

CASE requires every object to carry a UUID (lower-case 8-4-4-4-12). ``uuid_for(iri)`` gives the
same UUID for the same IRI on every machine and every run, so a consumer that imported the
package once recognises the same blocks and competencies in the next export.
"""

from __future__ import annotations

import uuid


def uuid_for(iri: str) -> str:
    """The version-5 UUID of ``iri`` in the URL namespace, as a lower-case string."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def uuid_for_link(kind: str, origin: str, destination: str) -> str:
    """The UUID of a relation (``kind`` from ``origin`` to ``destination``, all IRIs or names)."""
    return uuid_for(f"urn:cipt-graph:{kind}:{origin}->{destination}")
