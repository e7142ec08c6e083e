"""Resource pages for people (issue #15, « Names for people »): one resource of every rdf:type of
the data, crawled on a real `cipt serve` in French and English, shows no raw prefixed name as a
property or type, no bare path as its title, each fact once, and its values written as people
read them; the IRI and the raw RDF stay one click away."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from babel.dates import format_date
from babel.units import format_unit

from cipt_graph.namespaces import CID, CIPT, PREFIXES, RDF, SCHEMA, XSD

ONE_PER_TYPE = f"""SELECT ?type (MIN(STR(?s)) AS ?resource) WHERE {{
  ?s a ?type . FILTER(STRSTARTS(STR(?s), "{CID}")) }} GROUP BY ?type ORDER BY ?type"""
PATH = re.compile(r"^[a-z][a-z-]*/\S+$")  # statement/M01-period, coverage/M01--BC03-C2
CURIE = re.compile(r"^(%s):\S" % "|".join(PREFIXES))


class Page(HTMLParser):
    """The parts of a resource page the test reads: title, types, property names, value cells."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.h1 = ""
        self.types: list[str] = []
        self.props: list[tuple[str, str]] = []  # (section, property name)
        self.cells: list[str] = []
        self.section = ""
        self.raw_hrefs: list[str] = []
        self.raw_text = ""
        self._cell: list[str] | None = None
        self._prop: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        cls = attrs.get("class") or ""
        self.stack.append((tag, cls))
        if tag == "td" and "prop" in cls.split() and self._depth("table") == 1:
            self._prop = []
        elif tag == "td" and self._depth("table") == 1:
            self._cell = []
        if tag == "a" and self._inside("details", "raw"):
            self.raw_hrefs.append(attrs.get("href", ""))
        if tag == "a" and self._inside("p", "type-line"):
            self.types.append("")

    def handle_endtag(self, tag):
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break
        if tag == "td" and self._prop is not None:
            self.props.append((self.section, "".join(self._prop).strip()))
            self._prop = None
        elif tag == "td" and self._cell is not None and self._depth("table") == 1:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._inside("h1"):
            self.h1 += data
        if self._inside("h2"):
            self.section = data.strip()
        if self._inside("p", "type-line") and self.types and self._inside("a"):
            self.types[-1] += data
        if self._inside("details", "raw"):
            self.raw_text += data
        if self._prop is not None:
            self._prop.append(data)
        elif self._cell is not None:
            self._cell.append(data)

    def _inside(self, tag, cls=None):
        return any(t == tag and (cls is None or cls in c.split()) for t, c in self.stack)

    def _depth(self, tag):
        return sum(1 for t, _ in self.stack if t == tag)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def client(server_url):
    with httpx.Client(base_url=server_url, timeout=180) as c:
        yield c


@pytest.fixture(scope="module")
def samples(store):
    rows = [(sol["type"].value, sol["resource"].value) for sol in store.raw_query(ONE_PER_TYPE)]
    assert len(rows) > 20, rows  # the shipped data has ~28 kinds of resources
    return rows


def local(iri: str) -> str:
    return iri[len(str(CID)):]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_kind_of_resource_is_named_for_people(store, client, samples, lang):
    bad = []
    for kind, iri in samples:
        r = client.get("/id/" + local(iri), params={"lang": lang}, headers={"Accept": "text/html"})
        assert r.status_code == 200, (iri, r.status_code)
        page = parse(r.text)
        title = page.h1.strip()
        if not title or title in (local(iri), local(iri).rsplit("/", 1)[-1]) or PATH.match(title) or CURIE.match(title):
            bad.append((kind, iri, "title", title))
        for name in page.types:
            if CURIE.match(name.strip()) or name.strip().startswith("http"):
                bad.append((kind, iri, "type", name))
        names = [name for _, name in page.props]
        for section, name in page.props:
            if CURIE.match(name) or name.startswith("http") or not name:
                bad.append((kind, iri, "property", name))
        properties = [name for section, name in page.props if section == page.props[0][0]] if page.props else []
        if len(properties) != len(set(properties)):
            bad.append((kind, iri, "a property shown twice", properties))
        for cell in page.cells:
            for word in re.findall(r"\b(?:statement|coverage)/\S+", cell):
                bad.append((kind, iri, "a neighbour named by its path", word))
        # The raw RDF one click away: the IRI and the Turtle / JSON-LD representations.
        assert iri in page.raw_text, iri
        assert {h.rsplit(".", 1)[-1] for h in page.raw_hrefs} >= {"ttl", "jsonld"}, page.raw_hrefs
        assert names, iri
    assert not bad, "\n".join(map(repr, bad))


def literals(store, iri: str) -> list[tuple[str, ox.Literal]]:
    return [(sol["p"].value, sol["o"]) for sol in store.raw_query(
        "SELECT ?p ?o WHERE { ?s ?p ?o . FILTER(isLiteral(?o)) }", substitutions={"s": ox.NamedNode(iri)})]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_typed_values_are_written_for_people(store, client, samples, lang):
    """No date, duration or boolean shows its lexical form; the programme's length reads as
    Babel's unit (P1Y → « 1 an » / "1 year"), a module's hours once, with their unit."""
    typed = {str(XSD.date), str(XSD.dateTime), str(XSD.duration), str(XSD.boolean)}
    checked = 0
    for _, iri in samples:
        page = parse(client.get("/id/" + local(iri), params={"lang": lang}).text)
        cells = " ".join(page.cells)
        for prop, lit in literals(store, iri):
            if lit.datatype and lit.datatype.value in typed:
                checked += 1
                assert lit.value not in cells, (iri, prop, lit)
    assert checked >= 5
    (programme, length), = [(sol["p"].value, sol["d"].value) for sol in store.raw_query(
        f"SELECT ?p ?d WHERE {{ ?p <{SCHEMA.timeToComplete}> ?d }}")]
    years = int(re.fullmatch(r"P(\d+)Y", length).group(1))
    page = client.get("/id/" + local(programme), params={"lang": lang}).text
    assert format_unit(years, "duration-year", length="long", locale=lang) in page
    ((start,),) = [(sol["d"].value,) for sol in store.raw_query(
        f"SELECT ?d WHERE {{ <{programme}> <{SCHEMA.startDate}> ?d }}")]
    assert format_date(dt.date.fromisoformat(start), format="medium", locale=lang) in page
    # A module states its hours twice (cipt:hours, schema:timeRequired PT…H): one row.
    (module, hours), = list(store.raw_query(
        f"SELECT ?m ?h WHERE {{ ?m <{CIPT.hours}> ?h ; <{SCHEMA.timeRequired}> ?t }} ORDER BY ?m LIMIT 1"))
    page = parse(client.get("/id/" + local(module.value), params={"lang": lang}).text)
    hours_cells = [c for c in page.cells if re.search(r"\b%s\s?h\b" % hours.value, c.replace("\u202f", " "))]
    assert len(hours_cells) == 1, hours_cells


def test_statement_title_and_fold(store, client):
    """A reified statement is titled by its parts, in each language; on the page of the fact it
    qualifies it is a mark beside the value (with its reason), not a second incoming link."""
    (statement, subject, predicate), = list(store.raw_query(
        f"""SELECT ?st ?s ?p WHERE {{ ?st a <{CIPT.StatementStatus}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ;
               <{RDF.object}> ?o . FILTER(isIRI(?o)) ?s ?p ?o . }} ORDER BY ?st LIMIT 1"""))

    def label(term, lang):
        rows = [sol["l"].value for sol in store.raw_query(
            f'SELECT ?l WHERE {{ ?t <http://www.w3.org/2004/02/skos/core#prefLabel>|<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = "{lang}") }}',
            substitutions={"t": term})]
        return rows[0]

    for lang in ("fr", "en"):
        page = parse(client.get("/id/" + local(statement.value), params={"lang": lang}).text)
        assert label(subject, lang) in page.h1
        assert label(predicate, lang).lower() in page.h1.lower()
        subject_page = client.get("/id/" + local(subject.value), params={"lang": lang}).text
        assert f'href="/id/{local(statement.value)}?lang={lang}"' in subject_page
        assert 'class="statement-mark"' in subject_page
        assert local(statement.value) not in re.sub(r'href="[^"]*"', "", subject_page.split("</details>", 1)[1])


# --- incoming links read from the page's side (found by testers, issue #15) -----------------------

def _object_properties(store) -> dict[str, dict[str, str]]:
    """Every object property of the ontology, with its own label in each language."""
    out: dict[str, dict[str, str]] = {}
    for sol in store.raw_query(
            "SELECT ?p ?l WHERE { ?p a <http://www.w3.org/2002/07/owl#ObjectProperty> ; "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"):
        out.setdefault(sol["p"].value, {})[sol["l"].language] = sol["l"].value
    return out


def test_every_object_property_has_an_inverse_name_in_both_languages(store):
    from cipt_graph.api.ld_inverse import INVERSE_LABELS

    props = _object_properties(store)
    assert len(props) > 30
    missing = sorted(p for p in props if p not in INVERSE_LABELS)
    assert not missing, f"add an inverse name to cipt_graph/api/ld_inverse.py: {missing}"
    for p, own in props.items():
        for lang in ("fr", "en"):
            assert INVERSE_LABELS[p][lang].lower() != own[lang].lower(), (p, lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_incoming_links_use_inverse_phrasing(store, client, samples, lang):
    """On the page of what a link points to, the row reads from its side: a competency is
    « Couverte par » a module ("Covered by"), not « Couvre la compétence » ("Covers competency")."""
    from cipt_graph.api.ld_inverse import INVERSE_LABELS
    from cipt_graph.visualize.catalog import CATALOGS

    incoming = CATALOGS[lang]["ld.incoming"]
    forward = {own[lang].lower() for own in _object_properties(store).values()}
    inverse = {names[lang] for names in INVERSE_LABELS.values()}
    (competency,), = list(store.raw_query(
        f"SELECT ?c WHERE {{ ?m <{CIPT.coversCompetency}> ?c }} ORDER BY ?c LIMIT 1"))
    page = parse(client.get("/id/" + local(competency.value), params={"lang": lang}).text)
    names = [name for section, name in page.props if section == incoming]
    assert {"fr": "Couverte par", "en": "Covered by"}[lang] in names, names
    assert {"fr": "Couvre la compétence", "en": "Covers competency"}[lang] not in names
    checked = 0
    for _, iri in samples:
        page = parse(client.get("/id/" + local(iri), params={"lang": lang}).text)
        for section, name in page.props:
            if section != incoming:
                continue
            checked += 1
            assert name in inverse and name.lower() not in forward, (iri, name)
    assert checked > 10
