"""Importers: France Compétences' RNCP exports (XML V4.1, CSV zip) → triples in a workspace.

    from cipt_graph.importers import import_rncp
    from cipt_graph.paths import resolve_workspace

    report = import_rncp("export_fiches_RNCP_V4_1_2025-01-31.zip", resolve_workspace("ws"),
                         fiches=["RNCP38175"])
"""

from .fiche import Block, Certifier, Code, Fiche
from .rncp_import import ImportReport, import_rncp, require_workspace

__all__ = ["Block", "Certifier", "Code", "Fiche", "ImportReport", "import_rncp", "require_workspace"]
