"""Test scaffolding: workspaces whose data holds IRIs of any scheme and labels holding HTML, and
a link collector for the pages served over them (issues #12, #13).

The data is written by rdflib's serializer from terms (never pasted text), appended to a copy of
the shipped data made by `cipt init`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

CIPT = Namespace("https://w3id.org/cipt-graph/ontology#")
CID = Namespace("https://w3id.org/cipt-graph/id/")
SCHEMA = Namespace("https://schema.org/")

#: IRIs a browser would run or open as a document, written as they may appear in data.
HOSTILE_IRIS = (
    "javascript:document.title='XSS-A'",
    "JaVaScRiPt:window.__xss='B'",
    "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "javascript://%0Awindow.__xss='C'",
)
#: A label that would run if pasted into a page.
HTML_LABEL = ("Étiquette <script>window.__xss=(window.__xss||[]).concat('L1')</script>\"'>"
              "<img src=x onerror=\"window.__xss=(window.__xss||[]).concat('L2')\"> & fin")


def add_hostile_data(ws: Path, iris: tuple[str, ...] = HOSTILE_IRIS, label: str = HTML_LABEL,
                     mapping_rationale: str | None = None) -> list[str]:
    """Append to the workspace ``ws`` (made by `cipt init`) one module, competency and job per IRI
    of ``iris`` (each named by that IRI), ``schema:url``/``dcterms:source`` links to them from the
    shipped modules, ``label`` on shipped resources, and mapping rows that use the new module
    and competency. Returns the notations of the new modules."""
    g = Graph()
    programme = CID["programme/m2-cipt"]
    block = CID["block/RNCP38175-BC01"]
    period = CID["period/P1"]
    modules = []
    rows = []
    for i, text in enumerate(iris):
        module, comp, job = URIRef(text), URIRef(text + "#c"), URIRef(text + "#j")
        code = f"M{90 + i}"
        modules.append(code)
        g.add((programme, SCHEMA.hasCourse, module))
        g.add((module, RDF.type, CIPT.Module))
        g.add((module, SKOS.prefLabel, Literal(f"{label} {i}", lang="fr")))
        g.add((module, SKOS.prefLabel, Literal(f"{label} {i}", lang="en")))
        g.add((module, SKOS.notation, Literal(code)))
        g.add((module, SCHEMA.courseCode, Literal(code)))
        g.add((module, CIPT.hours, Literal(1 + i)))
        g.add((module, CIPT.period, period))
        g.add((module, CIPT.sequence, Literal(90 + i)))
        g.add((module, DCTERMS.source, URIRef(text)))
        g.add((module, CIPT.dataStatus, CIPT.Stated))
        ccode = f"BC01-C{90 + i}"
        g.add((comp, RDF.type, CIPT.Competency))
        g.add((comp, SKOS.prefLabel, Literal(f"{label} c{i}", lang="fr")))
        g.add((comp, SKOS.prefLabel, Literal(f"{label} c{i}", lang="en")))
        g.add((comp, SKOS.notation, Literal(ccode)))
        g.add((comp, SKOS.broader, block))
        g.add((comp, SKOS.inScheme, CID["certification/RNCP38175"]))
        g.add((comp, CIPT.dataStatus, CIPT.Stated))
        g.add((job, RDF.type, CIPT.TargetJob))
        g.add((job, SKOS.prefLabel, Literal(f"{label} j{i}", lang="fr")))
        g.add((job, SKOS.prefLabel, Literal(f"{label} j{i}", lang="en")))
        g.add((job, SKOS.notation, Literal(f"J{90 + i}")))
        g.add((job, CIPT.involvesActivity, CID["activity/A01"]))
        g.add((programme, CIPT.targetJob, job))
        g.add((CID["activity/A01"], CIPT.requiresCompetency, comp))
        g.add((CID["module/M01"], SCHEMA.url, URIRef(text)))
        rows.append({"module": code, "competency": ccode, "level": "M", "hours": "",
                     "status": "proposed", "asserted_by": label, "asserted_on": "2026-11-26",
                     "rationale": mapping_rationale if mapping_rationale is not None else label})
    g.add((CID["module/M01"], SKOS.prefLabel, Literal(label, lang="fr")))
    g.add((CID["period/P1"], SKOS.prefLabel, Literal(label, lang="fr")))
    programme_file = ws / "programme.ttl"
    extra = g.serialize(format="nt")
    with programme_file.open("a", encoding="utf-8") as handle:
        handle.write("\n" + extra)
    mapping = ws / "mapping" / "module_competency.csv"
    with mapping.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames
        existing = list(reader)
    with mapping.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(existing + rows)
    return modules


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag/attr, value)
        self.inline_handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "xlink:href") and value is not None:
                self.links.append((f"{tag}@{name}", value))
            if name.startswith("on"):
                self.inline_handlers.append(f"{tag}@{name}")


@dataclass
class PageLinks:
    links: list[tuple[str, str]] = field(default_factory=list)
    inline_handlers: list[str] = field(default_factory=list)


def page_links(html: str) -> PageLinks:
    """Every ``href``/``src``/``action`` of a page, and every inline event handler attribute."""
    parser = _Links()
    parser.feed(html)
    return PageLinks(parser.links, parser.inline_handlers)


_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")


def link_scheme(value: str) -> str | None:
    """The scheme a browser reads in ``value`` (tabs and newlines removed, C0 and spaces trimmed)."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip("".join(chr(c) for c in range(0x21)))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def internal_targets(base: str, page_url: str, html: str) -> list[str]:
    """The URLs of the site (same origin as ``base``) that a page links to, without fragments."""
    out = []
    origin = urlsplit(base)
    for _, value in page_links(html).links:
        url = urljoin(page_url, value)
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc):
            out.append(parts._replace(fragment="").geturl())
    return out


_DATA_BLOCK = re.compile(r'<script id="network-data" type="application/json">(.*?)</script>', re.S)


def script_links(html: str) -> list[str]:
    """The links the network page's script will write: the ``href`` of every node of its data block."""
    import json

    match = _DATA_BLOCK.search(html)
    if not match:
        return []
    data = json.loads(match.group(1))
    return [n["href"] for n in data.get("nodes", []) if n.get("href")]


def crawl(client, base: str, seeds: list[str], *, limit: int = 6000, on_page=None,
          workers: int = 4, skip=None) -> dict[str, int]:
    """Follow every internal link (``href``, ``src``, and the links the network page's script
    writes) from ``seeds``, breadth first, level by level with ``workers`` GETs at a time (the
    httpx client is thread-safe); returns URL → status. ``on_page(url, response)`` is called for
    every answer, in the calling thread. ``skip(url)``, when given, leaves out the links it is true
    for (another crawl fetches them)."""
    from concurrent.futures import ThreadPoolExecutor

    import time

    import httpx

    def get(url: str):
        try:
            return client.get(url)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A kept-alive connection the server closed as idle (uvicorn: 5 s) just as it was
            # reused, which a busy machine makes likely: the GET again, on a new connection.
            return client.get(url)

    def fetch(url: str):
        for _ in range(10):  # a refusal for capacity (429/503 with Retry-After) is retried, not followed
            response = get(url)
            if response.status_code not in (429, 503) or "retry-after" not in response.headers:
                return response
            time.sleep(min(2.0, float(response.headers["retry-after"] or 1)))
        return response

    seen: dict[str, int] = {}
    level = list(dict.fromkeys(urljoin(base, s) for s in seeds))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while level:
            if len(seen) + len(level) > limit:
                raise AssertionError(f"more than {limit} internal URLs: the crawl does not end")
            following: list[str] = []
            for url, response in zip(level, pool.map(fetch, level)):
                seen[url] = response.status_code
                if on_page is not None:
                    on_page(url, response)
                if response.status_code == 200 and response.headers.get("content-type", "").startswith("text/html"):
                    html = response.text
                    targets = internal_targets(base, url, html)
                    for href in script_links(html):
                        targets += internal_targets(base, url, f'<a href="{_attr(href)}"></a>')
                    following.extend(targets)
            level = [t for t in dict.fromkeys(following) if t not in seen and not (skip and skip(t))]
    return seen


def _attr(value: str) -> str:
    from html import escape

    return escape(value)
