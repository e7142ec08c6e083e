"""Vocabulary constants: the namespaces every other module uses."""

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
CID = Namespace("https://w3id.org/cipt-graph/id/")
CIPTSH = Namespace("https://w3id.org/cipt-graph/shapes#")
SCHEMA = Namespace("https://schema.org/")

#: W3C vocabularies the HTTP service describes itself with (SPARQL 1.1 Service Description,
#: format identifiers) and the namespace of SPARQL XML results.
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SPARQL_RESULTS = Namespace("http://www.w3.org/2005/sparql-results#")

#: Prefixes bound when serialising and offered to SPARQL tools.
PREFIXES: dict[str, Namespace] = {
    "cipt": CIPT,
    "cid": CID,
    "ciptsh": CIPTSH,
    "schema": SCHEMA,
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "prov": Namespace(str(PROV)),
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
    "sh": Namespace(str(SH)),
}

#: What an account id (``cipt_graph.accounts``) may be: a UUID today; letters, digits, ``. _ -``.
ACCOUNT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


def account_agent(account_id: str) -> URIRef:
    """The PROV agent (``prov:wasAttributedTo`` object) of a signed-in account:
    ``cid:agent/account/<id>``, the same whatever name the account shows (W3C PROV-O, §3.1)."""
    return CID[f"agent/account/{account_id}"]


#: Named graphs the builder loads each source into.
GRAPH_ONTOLOGY = CID["graph/ontology"]
GRAPH_PROGRAMME = CID["graph/programme"]
GRAPH_LEVELS = CID["graph/levels"]
GRAPH_MAPPING = CID["graph/mapping"]

__all__ = [
    "CIPT", "CID", "CIPTSH", "SCHEMA", "SD", "FORMATS", "SPARQL_RESULTS", "SKOS", "DCTERMS", "PROV", "OWL", "RDF", "RDFS", "XSD", "SH",
    "PREFIXES", "GRAPH_ONTOLOGY", "GRAPH_PROGRAMME", "GRAPH_LEVELS", "GRAPH_MAPPING",
]
