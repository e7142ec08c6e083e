"""Importers: France Compétences' RNCP exports (XML V4.1, CSV zip) → triples in a workspace.

    from cipt_graph.importers import import_rncp
    from cipt_graph.paths import resolve_workspace

    report = import_rncp("export_fiches_RNCP_V4_1_2025-01-31.zip", resolve_workspace("ws"),
                         fiches=["RNCP38175"])
"""

from .fiche import Block, Certifier, Code, Fiche
from .limits import ImportLimits, LimitError
from .rncp_import import ImportReport, clean_workspace_leftovers, import_rncp, require_workspace

__all__ = ["Block", "Certifier", "Code", "Fiche", "ImportLimits", "ImportReport", "LimitError",
           "clean_workspace_leftovers", "import_rncp", "require_workspace"]
