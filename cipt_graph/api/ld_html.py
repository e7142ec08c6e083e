"""HTML pages of the linked data: a resource with its properties named for people, the vocabulary.

Properties are named by the ontology's labels (``cipt:hours`` → « Heures »), terms of other
vocabularies by a small table below (``schema:timeRequired`` → « Volume horaire »); values are
written as people read them (``PT20H`` → ``20 h``, dates and numbers in the page's locale).
A resource without a label of its own gets a title from its parts (a coverage link: « M01
Communication publique → BC03-C2 »). The IRI, the prefixed names and the raw RDF stay one click
away (a ``<details>`` block, the ``title`` of each property, the format links).
"""

from __future__ import annotations

import re
from collections import defaultdict
from html import escape

import pyoxigraph as ox

from ..i18n import colon as i18n_colon
from ..namespaces import CID, CIPT, OWL, PREFIXES, PROV, RDF, RDFS, SKOS
from ..safelinks import id_path, safe_href
from ..visualize.i18n import tr
from ..visualize.page import Links, render_page
from .ld_inverse import inverse_name
from .ld_terms import SAME_FACT, TERM_LABELS, literal_text

_RDF_TYPE = str(RDF.type)
_FIRST = [str(RDF.type), str(SKOS.prefLabel), str(SKOS.notation)]
#: Parts of a link node that make its title: source first, then what it points to.
_SOURCE_PARTS = (str(CIPT.module), str(CIPT.programme))
_TARGET_PARTS = (str(CIPT.competency), str(CIPT.activity), str(CIPT.objective), str(CIPT.job), str(CIPT.block))
#: What names a reified statement (``cipt:StatementStatus``, an ``rdf:Statement``) and its status.
_SUBJECT, _PREDICATE, _OBJECT = str(RDF.subject), str(RDF.predicate), str(RDF.object)
_STATUS, _NOTE = str(CIPT.dataStatus), str(SKOS.editorialNote)
_SPECIALIZATION = str(PROV.specializationOf)
_VERSION_PART = re.compile(r"/version/([^/]+)/")
#: The properties of a neighbour the page needs to name it when it has no label of its own.
PART_PROPERTIES = (*_SOURCE_PARTS, *_TARGET_PARTS, _SUBJECT, _PREDICATE, _OBJECT, _STATUS, _NOTE, _SPECIALIZATION)


def pick_label(labels: list[tuple[int, ox.Literal]] | None, lang: str, *, kinds: tuple[int, ...] | None = None) -> str | None:
    """The best label: by kind (preferred label first), then in ``lang``, then untagged, then any."""
    if not labels:
        return None
    if kinds:
        labels = [item for item in labels if item[0] in kinds]
        if not labels:
            return None

    def score(item: tuple[int, ox.Literal]) -> tuple[int, int]:
        kind, lit = item
        return (kind, 0 if lit.language == lang else 1 if not lit.language else 2)
    return min(labels, key=score)[1].value


def compact(iri: str) -> str:
    """A prefixed name (``skos:prefLabel``) for IRIs in a known namespace."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri


def href(iri: str, lang: str, links: Links | None = None) -> str | None:
    """Where a link to ``iri`` goes: this service for the project's IRIs, the IRI otherwise;
    None when the IRI may not become a link (``cipt_graph.safelinks``: only ``http(s)``)."""
    links = links or Links(lang=lang)
    local = id_path(iri)
    if local:
        return links.url(local, lang)
    if iri.startswith(str(CIPT)):
        return links.url(f"/ontology#{iri[len(str(CIPT)):]}", lang)
    return safe_href(iri)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def term_name(iri: str, labels, lang: str) -> str:
    """A term (property, class, resource) as people name it: its label, else the table above,
    else its path or prefixed name."""
    label = pick_label(labels.get(iri), lang)
    if label:
        return _capital(label) if iri.startswith(str(CIPT)) else label
    if iri in TERM_LABELS:
        return TERM_LABELS[iri][lang]
    if iri.startswith(str(CID)):
        return iri[len(str(CID)):]
    return compact(iri)


class _Namer:
    """Names and links of the terms of one page.

    ``parts``: for the page's resource and its neighbours without a label of their own, their
    :data:`PART_PROPERTIES` (IRI → property → objects), from which their titles are made.
    """

    def __init__(self, labels, lang: str, links: Links, nested: dict, parts: dict) -> None:
        self.labels, self.lang, self.links, self.nested, self.parts = labels, lang, links, nested, parts

    def code(self, iri: str) -> str | None:
        return pick_label(self.labels.get(iri), self.lang, kinds=(5,))

    def name(self, iri: str) -> str:
        if not pick_label(self.labels.get(iri), self.lang) and iri in self.parts:
            composed = self.composed(iri)
            if composed:
                return composed
        return term_name(iri, self.labels, self.lang)

    def _one(self, iri: str, props: tuple[str, ...]):
        return next((o for p in props for o in self.parts.get(iri, {}).get(p, [])), None)

    def composed(self, iri: str) -> str | None:
        """A title from the parts of a node without a label of its own: « M01 Communication
        publique → BC03-C2 » for a link, « Période en entreprise — Part du temps en entreprise :
        75 % » for a statement, « mapping (version v3) » for a part of a version."""
        subject, predicate = self._one(iri, (_SUBJECT,)), self._one(iri, (_PREDICATE,))
        if isinstance(subject, ox.NamedNode) and isinstance(predicate, ox.NamedNode):
            obj = self._one(iri, (_OBJECT,))
            colon = i18n_colon(self.lang)
            text = f"{self.name(subject.value)} — {self.name(predicate.value)}"
            return text + (colon + self.plain(obj, predicate.value) if obj is not None else "")
        general = self._one(iri, (_SPECIALIZATION,))
        if isinstance(general, ox.NamedNode):
            version = _VERSION_PART.search(iri)
            return self.name(general.value) + (f" ({tr(self.lang, 'versions.id')} {version.group(1)})" if version else "")
        source, target = self._one(iri, _SOURCE_PARTS), self._one(iri, _TARGET_PARTS)
        if not isinstance(source, ox.NamedNode) or not isinstance(target, ox.NamedNode):
            return None
        source_label = pick_label(self.labels.get(source.value), self.lang, kinds=(1, 2, 3, 4))
        source_text = (" ".join(x for x in (self.code(source.value), source_label) if x)
                       or term_name(source.value, self.labels, self.lang))
        target_text = self.code(target.value) or term_name(target.value, self.labels, self.lang)
        return f"{source_text} → {target_text}"

    def plain(self, term, prop: str | None = None) -> str:
        """A value as text (no markup): a resource's name, a literal as people read it."""
        if isinstance(term, ox.NamedNode):
            return self.name(term.value)
        if isinstance(term, ox.Literal):
            return literal_text(term, self.lang, prop)
        return ""

    def value(self, term, prop: str | None = None, *, status: str = "") -> str:
        if isinstance(term, ox.NamedNode):
            target = href(term.value, self.lang, self.links)
            name = self.name(term.value)
            # A resource without a label shows its path (statement/M01-period): an identifier, not words.
            ident = ' translate="no"' if name in (term.value[len(str(CID)):], compact(term.value)) else ""
            if target is None:
                return f'<span class="iri-text" title="{escape(term.value)}"{ident}>{escape(name)}</span>{status}'
            return (f'<a href="{escape(target)}" title="{escape(term.value)}"{ident}>'
                    f'{escape(name)}</a>{status}')
        if isinstance(term, ox.BlankNode):
            by_property: dict[str, list] = defaultdict(list)
            for p, o in self.nested.get(term.value, []):
                by_property[p.value].append(o)
            inner = "".join(f'<tr><td class="prop" title="{escape(compact(p))}">{escape(self.name(p))}</td>'
                            f"<td>{', '.join(self.value(o, p) for o in _in_language(objects, self.lang))}</td></tr>"
                            for p, objects in sorted(by_property.items()))
            return f'<table class="props">{inner}</table>{status}'
        if isinstance(term, ox.Literal):
            tag = (f'<span class="lang-tag">@{escape(term.language)}</span>'
                   if term.language and term.language != self.lang else "")
            return escape(literal_text(term, self.lang, prop)) + tag + status
        return escape(str(term))

    def status_mark(self, statement: str) -> str:
        """The mark after a value that a statement node qualifies: its status (« Déduit »), the
        reason as its ``title``, a link to the statement's page."""
        status = self._one(statement, (_STATUS,))
        notes = _in_language(self.parts.get(statement, {}).get(_NOTE, []), self.lang)
        word = self.name(status.value) if isinstance(status, ox.NamedNode) else tr(self.lang, "ld.statement")
        note = " ".join(n.value for n in notes if isinstance(n, ox.Literal))
        target = href(statement, self.lang, self.links) or ""
        return (f' <a class="statement-mark" href="{escape(target)}" title="{escape(note)}">'
                f'({escape(word.lower())})</a>')


def _in_language(objects: list, lang: str) -> list:
    """Literals in ``lang`` (and untagged ones) when there are some; everything otherwise."""
    tagged = [o for o in objects if isinstance(o, ox.Literal) and o.language]
    if not tagged or not any(o.language == lang for o in tagged):
        return objects
    return [o for o in objects if not (isinstance(o, ox.Literal) and o.language and o.language != lang)]


def _formats(base: str, lang: str) -> str:
    return " ".join(f'<a href="{escape(base)}{s}" type="{m}">{n}</a>' for s, m, n in
                    ((".ttl", "text/turtle", "Turtle"), (".jsonld", "application/ld+json", "JSON-LD"),
                     (".nt", "application/n-triples", "N-Triples"), (".rdf", "application/rdf+xml", "RDF/XML")))


def _once(props: dict[str, list], namer: _Namer, lang: str) -> dict[str, list]:
    """Each fact once: a value of a property of :data:`SAME_FACT` written as an earlier one of
    its group writes one is left out; two properties of one name make one row."""
    props = {p: list(_in_language(v, lang)) for p, v in props.items()}
    for group in SAME_FACT:
        seen: set[str] = set()
        for p in group:
            if p not in props:
                continue
            kept = [o for o in props[p] if namer.plain(o, p) not in seen]
            seen.update(namer.plain(o, p) for o in props[p])
            if kept:
                props[p] = kept
            else:
                del props[p]
    by_name: dict[str, str] = {}
    for p in sorted(props, key=lambda p: (p not in _FIRST, p)):
        first = by_name.setdefault(namer.name(p), p)
        if first != p:
            texts = {namer.plain(o, first) for o in props[first]}
            props[first] += [o for o in props.pop(p) if namer.plain(o, p) not in texts]
    return props


def _rows(props: dict[str, list], namer: _Namer, lang: str, *, order_first: bool,
          marks: dict | None = None, inverse: bool = False) -> str:
    """The table of ``props`` (property → values); ``marks``: (property, value) → statement node;
    ``inverse``: the values link to the resource (each row named by the property's inverse,
    « Couverte par », :mod:`.ld_inverse`)."""
    marks = marks or {}

    def name(p: str) -> str:
        return inverse_name(p, namer.name(p), lang) if inverse else namer.name(p)

    def key(p: str):
        first = _FIRST.index(p) if (order_first and p in _FIRST) else len(_FIRST)
        return (first, name(p).lower())
    rows = []
    for p in sorted(props, key=key):
        values = sorted(_in_language(props[p], lang), key=lambda o: namer.plain(o, p).lower())
        cells = "".join(f"<li>{namer.value(o, p, status=namer.status_mark(marks[p, o]) if (p, o) in marks else '')}</li>"
                        for o in values)
        rows.append(f'<tr><td class="prop" title="{escape(compact(p))}">{escape(name(p))}</td>'
                    f'<td><ul class="values">{cells}</ul></td></tr>')
    return f'<table class="props">{"".join(rows)}</table>'


def _fold_statements(iri: str, out: dict, incoming: dict, parts: dict) -> tuple[dict, dict]:
    """The statements about this page's facts, folded into them: (property, value) → statement
    for the outgoing facts, (property, subject) → statement for the incoming ones; the folded
    statements leave the incoming links (each fact once)."""
    own, back = {}, {}
    for role, table in ((_SUBJECT, own), (_OBJECT, back)):
        for statement in list(incoming.get(role, [])):
            got = parts.get(statement.value, {})
            predicate = next(iter(got.get(_PREDICATE, [])), None)
            other = next(iter(got.get(_OBJECT if role == _SUBJECT else _SUBJECT, [])), None)
            if predicate is None or other is None:
                continue
            facts = out if role == _SUBJECT else incoming
            if other in facts.get(predicate.value, []):
                table[predicate.value, other] = statement.value
                incoming[role].remove(statement)
        if not incoming.get(role, True):
            del incoming[role]
    return own, back


def render_resource(iri: ox.NamedNode, triples: list[ox.Triple], labels: dict, lang: str, base: str,
                    *, is_graph: bool = False, links: Links | None = None, switch_href: str | None = None,
                    parts: dict | None = None) -> str:
    """The page of a resource: title, types, properties (values in ``lang``), incoming links.

    ``parts``: the :data:`PART_PROPERTIES` of its neighbours without a label (IRI → property →
    objects), so that they are named by their parts too and statements about its facts fold
    into them.
    """
    links = links or Links(lang=lang)
    out: dict[str, list] = defaultdict(list)
    incoming: dict[str, list] = defaultdict(list)
    nested: dict[str, list] = defaultdict(list)
    # The resource's own blank nodes (a link's validation) shown with it, not again as links to it.
    own_blank = {t.object for t in triples if t.subject == iri and isinstance(t.object, ox.BlankNode)}
    for t in triples:
        if t.subject == iri:
            out[t.predicate.value].append(t.object)
        elif t.object == iri:
            if t.subject not in own_blank:
                incoming[t.predicate.value].append(t.subject)
        elif isinstance(t.subject, ox.BlankNode):
            nested[t.subject.value].append((t.predicate, t.object))
    parts = {**(parts or {}), iri.value: out}
    namer = _Namer(labels, lang, links, nested, parts)
    own_marks, back_marks = _fold_statements(iri.value, out, incoming, parts)
    title = namer.name(iri.value)
    types = ", ".join(namer.value(o) for o in out.get(_RDF_TYPE, []))
    shown = _once({p: v for p, v in out.items() if p != _RDF_TYPE}, namer, lang)
    predicate = next(iter(out.get(_PREDICATE, [])), None)
    if isinstance(predicate, ox.NamedNode) and _OBJECT in shown:
        # A statement's value is written as its property's values are (75 % of a share, 20 h).
        shown[_OBJECT] = [ox.Literal(namer.plain(o, predicate.value)) if isinstance(o, ox.Literal) else o
                          for o in shown[_OBJECT]]
    body = [f'<p class="type-line">{types or (escape(tr(lang, "ld.graph")) if is_graph else "")}</p>',
            f"<h1>{escape(title)}</h1>",
            f'<details class="raw"><summary>{escape(tr(lang, "ld.raw"))}</summary>'
            f'<p>{escape(tr(lang, "ld.iri"))}{i18n_colon(lang)}<span class="iri" translate="no">{escape(iri.value)}</span></p>'
            f'<p class="formats muted">{escape(tr(lang, "ld.formats"))} {_formats(base, lang)}</p></details>']
    if is_graph:
        body.append(f"<p>{escape(tr(lang, 'count.triples', len(triples)))}</p>")
    elif shown:
        body.append(f"<h2>{escape(tr(lang, 'ld.properties'))}</h2>"
                    f"{_rows(shown, namer, lang, order_first=True, marks=own_marks)}")
    if incoming:
        body.append(f"<h2>{escape(tr(lang, 'ld.incoming'))}</h2>"
                    f"{_rows(incoming, namer, lang, order_first=False, marks=back_marks, inverse=True)}")
    alternates = "\n".join(f'<link rel="alternate" type="{m}" href="{escape(base)}{s}">'
                           for s, m in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json")))
    head = '<link rel="stylesheet" href="/api/static/style.css">\n' + alternates
    return render_page(view=None, lang=lang, links=links, title=title, body="\n".join(body), head=head,
                       switch_href=switch_href, heading=False)


def render_ontology(triples: list[ox.Triple], labels: dict, lang: str, namespace: str,
                    *, links: Links | None = None, switch_href: str | None = None) -> str:
    """The vocabulary page: one anchored entry per term, grouped by kind."""
    links = links or Links(lang=lang)
    by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            by_subject[t.subject.value][t.predicate.value].append(t.object)
    groups = {str(OWL.Class): "ld.classes", str(OWL.ObjectProperty): "ld.object_properties",
              str(OWL.DatatypeProperty): "ld.datatype_properties"}
    sections: dict[str, list[str]] = defaultdict(list)
    namer = _Namer(labels, lang, links, {}, {})
    for iri in sorted(by_subject):
        if not iri.startswith(namespace):
            continue
        props = by_subject[iri]
        local = iri[len(namespace):]
        kinds = [o.value for o in props.get(_RDF_TYPE, [])]
        group = next((groups[k] for k in kinds if k in groups), "ld.other_terms")
        definition = _in_language(props.get(str(SKOS.definition), []), lang)
        facts = []
        for key, pred in (("ld.subclass", RDFS.subClassOf), ("ld.domain", RDFS.domain), ("ld.range", RDFS.range)):
            values = [o for o in props.get(str(pred), []) if isinstance(o, ox.NamedNode)]
            if values:
                colon = i18n_colon(lang)
                facts.append(escape(tr(lang, key)) + colon + ", ".join(namer.value(o) for o in values))
        sections[group].append(
            f'<section id="{escape(local)}"><h3>{escape(namer.name(iri))} '
            f'<span class="iri" translate="no">cipt:{escape(local)}</span></h3>'
            + "".join(f'<p class="definition">{escape(d.value)}</p>' for d in definition if isinstance(d, ox.Literal))
            + "".join(f'<p class="muted">{f}</p>' for f in facts) + "</section>")
    title = pick_label(labels.get(namespace.rstrip("#/")), lang) or tr(lang, "ld.vocabulary")
    body = [f"<h1>{escape(title)}</h1>", f'<p class="iri" translate="no">{escape(namespace)}</p>',
            f'<p class="formats muted">{escape(tr(lang, "ld.formats"))} <a href="/ontology.ttl">Turtle</a> '
            f'<a href="/ontology.jsonld">JSON-LD</a></p>']
    for key in ("ld.classes", "ld.object_properties", "ld.datatype_properties", "ld.other_terms"):
        if sections.get(key):
            body.append(f"<h2>{escape(tr(lang, key))}</h2>" + "".join(sections[key]))
    return render_page(view=None, lang=lang, links=links, title=title, body="\n".join(body),
                       head='<link rel="stylesheet" href="/api/static/style.css">',
                       switch_href=switch_href, heading=False)
