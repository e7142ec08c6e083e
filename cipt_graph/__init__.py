"""cipt-graph: the competency knowledge graph of the Master 2 CIPT (RNCP 38175)."""

__version__ = "0.1.0"
