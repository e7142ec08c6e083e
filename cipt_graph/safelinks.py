"""The one rule for links written into pages: what may become an ``href``, and what stays text.

Data (IRIs in the graph, values of SPARQL results) may hold any IRI scheme: ``javascript:``,
``data:``, ``vbscript:``, ``file:``… Only two kinds of targets become links:

- an absolute ``http:`` or ``https:`` IRI;
- one of the site's own references: a path starting with a single ``/`` (``/id/…``, ``/matrix``),
  a fragment (``#q-stats``), a query (``?lang=en``), or a relative file name without a scheme
  (``graph.html`` in the files ``cipt viz`` writes).

Anything else is shown as text. The check follows how browsers read an ``href`` (WHATWG URL
Standard, "basic URL parser"): leading and trailing C0 controls and spaces are stripped and ASCII
tab and newline characters are removed before the scheme is read, so ``" java\\tscript:"`` is a
``javascript:`` URL and is refused. The same rule is written in JavaScript for the scripts that
build links in the browser (``safeHref`` in ``visualize/assets/network-base.js`` and
``api/static/query.js``).
"""

from __future__ import annotations

import re
from html import escape

from .namespaces import CID

#: Schemes whose IRIs may become links.
LINK_SCHEMES = frozenset({"http", "https"})

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")


def normalise_href(target: str) -> str:
    """``target`` as a browser reads it before parsing: C0 controls and spaces stripped at both
    ends, ASCII tab, LF and CR removed everywhere (WHATWG URL Standard, basic URL parser)."""
    return _TAB_NEWLINE.sub("", target.strip(_C0_OR_SPACE))


def safe_href(target: str | None) -> str | None:
    """The ``href`` to write for ``target``, or None when it must be shown as text.

    Returns the normalised target (see ``normalise_href``) when it is an ``http(s)`` IRI with a
    host or one of the site's own references; None for any other scheme (``javascript:``,
    ``data:``, ``vbscript:``, ``file:``, ``mailto:``…), for protocol-relative references
    (``//host/…``, which leave the site), backslashes (read as ``/`` by browsers) and ``None``.
    """
    if target is None:
        return None
    value = normalise_href(str(target))
    if not value or "\\" in value:
        return None
    match = _SCHEME.match(value)
    if match:
        if match.group(1).lower() not in LINK_SCHEMES:
            return None
        rest = value[match.end():]
        return value if rest.startswith("//") and len(rest) > 2 and rest[2] not in "/?#" else None
    if value.startswith("//"):
        return None
    if ":" in value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return None  # "a:b" before the first slash would be read as a scheme by some parsers
    return value


def link_or_text(target: str | None, text: str, *, attrs: str = "", text_class: str = "iri-text") -> str:
    """An ``<a href>`` to ``target`` showing ``text`` (escaped) when ``safe_href`` accepts the
    target, else ``text`` in a ``<span class="iri-text">`` (the target in its ``title``).

    ``attrs`` is extra markup for the ``<a>`` (already escaped by the caller, e.g. ``class="x"``).
    """
    href = safe_href(target)
    if href is None:
        title = f' title="{escape(str(target))}"' if target is not None else ""
        return f'<span class="{escape(text_class)}"{title}>{escape(text)}</span>'
    extra = f" {attrs}" if attrs else ""
    return f'<a href="{escape(href)}"{extra}>{escape(text)}</a>'


def id_path(iri: str) -> str | None:
    """The site's path of one of the project's IRIs (``…/id/module/M01`` → ``/id/module/M01``),
    or None for another IRI.

    The local part is kept as written in the IRI (percent-encodings included, so that
    ``block/RNCP1%20BC01`` comes back to the same IRI), except ``?`` and ``#``, which would end
    the path: they are written ``%3F`` and ``%23`` (the ``/id/`` route reads them back).
    """
    base = str(CID)
    if not iri.startswith(base) or len(iri) == len(base):
        return None
    return "/id/" + iri[len(base):].replace("?", "%3F").replace("#", "%23")
