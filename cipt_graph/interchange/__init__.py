"""Interchange with the systems universities run (issue #17).

The programme's RNCP referential and its mapping, written in the formats other systems read:

- :mod:`.case` — 1EdTech CASE 1.0 CFPackage (CFDocument, CFItems, CFAssociations) and its reader;
- :mod:`.moodle` — the CSV of Moodle's competency framework importer (``tool_lpimportcsv``);
- :mod:`.elm` — the qualification as European Learning Model (ELM 3) JSON-LD;
- the project's JSON-LD ``@context`` and compaction live in :mod:`cipt_graph.jsonld` (used by the HTTP service too).

Every export starts from :func:`.referential.load_referential`, which reads the store through
named queries only (``referential_items``, ``programme_identity``, ``coverage_matrix``,
``coverage_levels``). Identifiers in CASE are UUIDs derived from the IRIs (:func:`.ids.uuid_for`).
"""

from .ids import uuid_for
from .referential import Referential, load_referential

__all__ = ["Referential", "load_referential", "uuid_for"]
