"""SPARQL syntax errors in the user's language (issue #15): a real Oxigraph store refuses bad
queries; the French message gives the line, the column and the text there, and what was expected
as tokens, with no parser jargon in English outside a quoted part marked « en anglais »."""

from __future__ import annotations

import re

import pytest

from cipt_graph.errors import QueryError
from cipt_graph.stores.embedded import OxigraphStore

BAD = ["SELECT WHERE {", "SELECT * WHERE { ?s ?p ?o ", "SELECT * WHERE { ?s ?p }", "SELEC * {}",
       "SELECT * WHERE { ?s <a b> ?o }", "SELECT ?x WHERE { ?s ?p ?o } GROUP BY ?y",
       'SELECT * WHERE { ?s ?p "abc }', "PREFIX ex: <http://example.org/>\nSELECT * WHERE {\n  ?s ex:p ?o .\n  FILTER(\n}"]
#: Words of the parser's English that must not reach a French reader unquoted.
JARGON = re.compile(r"expected|one of|error at|LATERAL|\[_\]|parsing failed|unbound|'\\\\u", re.I)


@pytest.fixture(scope="module")
def store():
    return OxigraphStore(None)


def test_the_endpoint_says_it_in_the_request_s_language():
    """The /sparql endpoint of a real served app relays the sentence of the asked language."""
    import httpx
    from conftest import serve_app

    from cipt_graph.api.app import create_app

    with serve_app(create_app(OxigraphStore(None))) as base, httpx.Client(base_url=base, timeout=60) as client:
        for lang, start in (("fr", "erreur de syntaxe SPARQL à la ligne 1, colonne 25"),
                            ("en", "SPARQL syntax error at line 1, column 25")):
            answer = client.post("/sparql", content="SELECT * WHERE { ?s ?p }",
                                 headers={"Content-Type": "application/sparql-query", "Accept-Language": lang})
            assert answer.status_code == 400 and start in answer.text, answer.text
            assert "LATERAL" not in answer.text


@pytest.mark.parametrize("query", BAD)
def test_a_syntax_error_is_said_in_french_with_its_place(store, query):
    with pytest.raises(QueryError) as caught:
        store.raw_query(query)
    fr, en = caught.value.text("fr"), caught.value.text("en")
    place = re.match(r"erreur de syntaxe SPARQL à la ligne (\d+), colonne (\d+), (devant «\u00a0(.+?)\u00a0»|en fin de requête)", fr)
    assert place, fr
    assert en.startswith(f"SPARQL syntax error at line {place.group(1)}, column {place.group(2)}"), en
    if place.group(4):
        assert place.group(4) in query
    unquoted = re.sub(r"\(détail de l'analyseur, en anglais\u00a0: «\u00a0.*?\u00a0»\)", "", fr)
    assert not JARGON.search(unquoted), fr
    assert "LATERAL" not in fr and "[_]" not in fr and "LATERAL" not in en
    assert not re.search(r"erreur|attendu|ligne|devant", en), en


def test_the_tokens_expected_are_quoted_in_french(store):
    with pytest.raises(QueryError) as caught:
        store.raw_query("SELECT * WHERE { ?s ?p ?o ")
    fr = caught.value.text("fr")
    assert "en fin de requête\u00a0: attendu «\u00a0,\u00a0», «\u00a0.\u00a0», «\u00a0;\u00a0», «\u00a0{\u00a0» ou «\u00a0}\u00a0»" in fr, fr
