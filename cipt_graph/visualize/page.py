"""The page shell shared by every view: header, navigation, language switch, CSS.

A page opened from disk (``cipt viz``) is one self-contained HTML document: its CSS and scripts
are inline. Served by ``cipt serve``, the same page links them as the site's own files under
``/static/views/`` (see ``cipt_graph.visualize.static``), so the Content-Security-Policy can allow
only the site's own scripts and styles: no inline script, style element or style attribute.
Neither loads anything from the network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from ..safelinks import id_path, link_or_text, safe_href
from ..i18n import typeset_html
from .i18n import DEFAULT_LANG, tr

VIEWS = ("dashboard", "graph", "matrix", "jobs")
#: Pages only the HTTP service has, in navigation order.
EXTRAS = ("audit", "versions", "review", "interchange", "sparql", "docs")

_SERVER_PATHS = {"dashboard": "/", "graph": "/graph", "matrix": "/matrix", "jobs": "/jobs"}
_FILE_NAMES = {"dashboard": "index.html", "graph": "graph.html", "matrix": "matrix.html", "jobs": "jobs.html"}
_DOWNLOADS = {"matrix.csv": "/matrix.csv", "matrix.xlsx": "/matrix.xlsx"}


@dataclass(frozen=True)
class Links:
    """Where the links of a page point: the HTTP service's paths, or files next to each other.

    On the service every link carries the page's language (``?lang=fr``) and the parameters of
    ``keep`` (such as a programme), so that a choice survives every click.

    Attributes:
        standalone: True for files written by ``cipt viz`` (relative file links, resources
            linked by their IRI); False for pages served by the HTTP service.
        extras: names of optional server pages that exist (``audit``, ``versions``, ``sparql``, ``docs``).
        lang: the language links to resource pages carry (None: none).
        keep: other query parameters every server link carries, as ``(name, value)`` pairs.
        editable: True when the reader is a signed-in editor on a service that accepts changes:
            the matrix then links each cell to its editor (:meth:`edit_cell`).
        account: the signed-in reader, ``(name shown, role)`` (``reader``, ``editor`` or
            ``validator``): the header names them, with a sign-out button. None: anonymous.
        csrf: the CSRF token of the sign-out form (with ``account``).
        here: the page's own path and query (with ``account``): the sign-out form sends it as
            ``next``, so that signing out comes back to this page.
        sign_in: where the header's "Se connecter" link points, when an anonymous reader may sign
            in (a service with accounts that accepts changes); None: no link.
        identity: ``(header subtitle, footer)`` naming the programme the page is about, from its
            data (:func:`cipt_graph.visualize.identity.site_identity`); None: the neutral ones.
    """

    standalone: bool = False
    extras: frozenset[str] = frozenset({"sparql", "docs"})
    lang: str | None = None
    keep: tuple[tuple[str, str], ...] = ()
    editable: bool = False
    account: tuple[str, str] | None = None
    csrf: str = ""
    here: str = ""
    sign_in: str | None = None
    identity: tuple[str, str] | None = None

    def subtitle(self, lang: str) -> str:
        """The header's subtitle: the programme's label, else the neutral one."""
        return self.identity[0] if self.identity else tr(lang, "programme")

    def footer(self, lang: str) -> str:
        """The footer's text: the programme's name, institution and certification, else the neutral one."""
        return self.identity[1] if self.identity else tr(lang, "footer")

    def url(self, path: str, lang: str | None, **params: str) -> str:
        """``path`` with the language, the kept parameters and ``params`` as its query string."""
        pairs = ([("lang", lang)] if lang else []) + [kv for kv in self.keep if kv[0] not in params]
        pairs += [(k, v) for k, v in params.items() if v is not None]
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        return path + ("?" + urlencode(pairs) if pairs else "") + fragment

    def view(self, name: str, lang: str) -> str:
        """The link to a view (``dashboard``, ``graph``, ``matrix``, ``jobs``) in ``lang``."""
        if self.standalone:
            return _FILE_NAMES[name]
        return self.url(_SERVER_PATHS[name], lang)

    def resource(self, iri: str) -> str | None:
        """The link to a resource's page: ``/id/…`` on the service, the IRI itself in a file;
        None when the IRI must not become a link (not ``http(s)``: see ``cipt_graph.safelinks``)."""
        local = None if self.standalone else id_path(iri)
        if local:
            return self.url(local, self.lang)
        return safe_href(iri)

    def resource_link(self, iri: str, text: str) -> str:
        """``<a href>`` to the resource's page showing ``text``, or ``text`` alone when the IRI
        may not become a link."""
        return link_or_text(self.resource(iri), text)

    def asset(self, name: str) -> str:
        """The URL of one of the views' own files (``page.css``, ``network.js``…) when served."""
        return f"/static/views/{name}"

    def download(self, name: str, lang: str) -> str:
        """The link to an export (``matrix.csv``, ``matrix.xlsx``)."""
        if self.standalone:
            return name
        return self.url(_DOWNLOADS[name], lang)

    def edit_cell(self, module: str, competency: str, lang: str) -> str | None:
        """The link to the editor of one matrix cell (``/edit/cell``), or None when not editable."""
        if self.standalone or not self.editable:
            return None
        return self.url("/edit/cell", lang, module=module, competency=competency)

    def overview(self, lang: str) -> str | None:
        """The link to the university overview (``/programmes``, no programme kept) on a page of
        the service about a chosen programme (``programme`` among :attr:`keep`), else None."""
        if self.standalone or not any(k == "programme" for k, _ in self.keep):
            return None
        return self.url("/programmes", lang, programme=None)

    def extra(self, name: str, lang: str) -> str | None:
        """The link to an optional server page (``audit``, ``versions``, ``sparql``, ``docs``), or None."""
        if self.standalone or name not in self.extras:
            return None
        return self.url(f"/{name}", lang)


#: The header's style alone (scoped to ``header.top`` and the skip link).
HEADER_CSS = """
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: #1d4e89; color: #fff; flex-wrap: wrap;
  font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.45; }
header.top .brand { font-weight: 700; font-size: 1.05rem; color: #fff; text-decoration: none; }
header.top .brand small { display: block; font-weight: 400; font-size: .78rem; opacity: .85;
  max-width: 34rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
header.top nav { display: flex; gap: .25rem; flex-wrap: wrap; flex: 1; }
header.top nav a { color: #fff; text-decoration: none; padding: .3rem .55rem; border-radius: 4px; white-space: nowrap; }
header.top #signed-in { display: inline-flex; gap: .3em; white-space: nowrap; min-width: 0; }
header.top #signed-in .who { overflow: hidden; text-overflow: ellipsis; max-width: 13rem; }
header.top #signed-in .role { flex: none; }
@media (max-width: 1500px) { header.top .brand small { display: none; } header.top { gap: 1rem; } }
/* A laptop (1280 px): the whole header on one line, signed in or not, in either language. */
@media (max-width: 1400px) {
  header.top { gap: .6rem; padding: .5rem .9rem; font-size: 14px; }
  header.top nav { gap: 0; }
  header.top nav a { padding: .3rem .42rem; }
  header.top .team-account { font-size: .8rem; gap: .35rem; }
  header.top .team-account button, header.top .team-account a { padding: .15rem .4rem; }
  header.top #signed-in .who { max-width: 6.5rem; }
  header.top a.lang { padding: .2rem .45rem; }
}
/* Narrower: the navigation wraps under the brand, each link whole. */
@media (max-width: 1100px) { header.top nav { flex-basis: 100%; order: 3; } }
header.top nav a:hover { background: rgba(255,255,255,.15); }
header.top nav a[aria-current="page"] { background: #fff; color: #1d4e89; font-weight: 600; }
header.top a.lang { color: #fff; border: 1px solid rgba(255,255,255,.6); padding: .25rem .6rem; border-radius: 4px; text-decoration: none; font-size: .85rem; }
header.top .team-account { display: flex; align-items: center; gap: .5rem; font-size: .85rem; }
header.top .team-account form { margin: 0; }
header.top .team-account button, header.top .team-account a { color: #fff; background: none; font: inherit; cursor: pointer;
  border: 1px solid rgba(255,255,255,.6); padding: .2rem .55rem; border-radius: 4px; text-decoration: none; }
header.top .team-account button:hover, header.top .team-account a:hover { background: rgba(255,255,255,.15); }
a.skip { position: absolute; left: -999px; top: 0; background: #fff; color: #1d4e89; padding: .4rem .8rem; z-index: 10; }
a.skip:focus { left: .5rem; }
header.top a:focus-visible { outline: 3px solid #f6c343; outline-offset: 2px; }
@media print {
  header.top nav, header.top a.lang, header.top .team-account, a.skip { display: none !important; }
  header.top { background: none; color: #1f2933; padding: 0 0 .3rem; border-bottom: 1px solid #1f2933; }
  header.top .brand { color: #1f2933; }
}
"""

#: The CSS of every page (served as ``/static/views/page.css``).
CSS = HEADER_CSS + """
:root { --ink:#1f2933; --muted:#52606d; --line:#cbd2d9; --bg:#f5f7fa; --accent:#1d4e89; --warn:#b42318; --warnbg:#fde8e8; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
body { margin: 0; font-size: 15px; line-height: 1.45; }
:focus-visible { outline: 3px solid #f6c343; outline-offset: 2px; }
main { padding: 1rem 1.5rem 2rem; }
main:focus { outline: none; }
h1 { font-size: 1.45rem; margin: .2rem 0 .3rem; }
h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
p.lead { color: var(--muted); margin: 0 0 1rem; }
.note { color: var(--muted); font-size: .82rem; }
a { color: var(--accent); }
table { border-collapse: collapse; }
.badge { display: inline-block; min-width: 1.5em; padding: 0 .35em; border-radius: 3px; font-weight: 700; text-align: center; border: 1px solid #0003; }
.lvl-1 { background: #dbe9f6; color: #0b2545; }
.lvl-2 { background: #7fb0dc; color: #0b2545; }
.lvl-3 { background: #1d4e89; color: #fff; }
.proposed { background-image: repeating-linear-gradient(135deg, transparent 0 3px, rgba(255,255,255,.7) 3px 6px); }
.lvl-3.proposed { background-image: repeating-linear-gradient(135deg, transparent 0 3px, rgba(255,255,255,.45) 3px 6px); }
.warn { color: var(--warn); font-weight: 600; }
footer { padding: .6rem 1.5rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); }
@media print {
  .no-print { display: none !important; }
  main { padding: .3rem 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def file_policy(styles: list[str], scripts: list[str]) -> str:
    """The Content-Security-Policy of a ``cipt viz`` file: only its own inline styles and scripts
    (by SHA-256 hash, CSP Level 3), images as ``data:``, nothing else loaded or run."""
    script_src = " ".join(sorted({_sha256(t) for t in scripts})) or "'none'"
    style_src = " ".join(sorted({_sha256(t) for t in styles})) or "'none'"
    return (f"default-src 'none'; script-src {script_src}; style-src {style_src}; img-src data:; "
            "base-uri 'none'; form-action 'none'")


def json_for_script(value: object) -> str:
    """JSON safe to put inside a ``<script>`` element (no ``</script>`` can close it early)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def site_header(*, view: str | None, lang: str, links: Links, switch_href: str | None = None) -> str:
    """The site's header: skip link, brand, navigation (current page marked), language switch.

    Its style is ``HEADER_CSS`` (part of ``CSS``); pages that bring their own style (the audit
    report) add ``HEADER_CSS`` alone.
    """
    nav = []
    overview = links.overview(lang)
    if overview:  # a programme chosen on the service: the way back to the university's list
        nav.append(f'<a id="nav-programmes" href="{escape(overview)}">{escape(tr(lang, "programme"))}</a>')
    for name in VIEWS:
        current = ' aria-current="page"' if name == view else ""
        nav.append(f'<a href="{escape(links.view(name, lang))}"{current}>{escape(tr(lang, "nav." + name))}</a>')
    for name in EXTRAS:
        href = links.extra(name, lang)
        if href:
            current = ' aria-current="page"' if name == view else ""
            nav.append(f'<a href="{escape(href)}"{current}>{escape(tr(lang, "nav." + name))}</a>')
    other = "en" if lang == "fr" else "fr"
    switch = ""
    if not links.standalone:
        if switch_href is None:
            switch_href = links.view(view, other) if view in VIEWS else links.url(f"/{view or ''}", other)
        switch = (f'<a class="lang" id="lang-switch" hreflang="{other}" lang="{other}" '
                  f'title="{escape(tr(lang, "switch.title"))}" '
                  f'href="{escape(switch_href)}">{escape(tr(lang, "switch"))}</a>')
    home = links.view("dashboard", lang)
    return f"""<a class="skip" href="#main">{escape(tr(lang, "skip"))}</a>
<header class="top">
  <a class="brand" href="{escape(home)}">{escape(tr(lang, "app"))}<small title="{escape(links.subtitle(lang))}">{escape(links.subtitle(lang))}</small></a>
  <nav aria-label="{escape(tr(lang, "nav.label"))}">{"".join(nav)}</nav>
  {_account(lang, links)}{switch}
</header>"""


def _account(lang: str, links: Links) -> str:
    """The header's account part: the signed-in person (name, role) and a sign-out button (a
    CSRF-protected form posting to ``/logout``), or the sign-in link, or nothing."""
    if links.standalone:
        return ""
    if links.account is not None:
        name, role = links.account
        role_text = f'({tr(lang, "account.role." + role)})'
        # A long name is cut (ellipsis, whole in the title); the role always shows.
        return (f'<div class="team-account"><span id="signed-in" title="{escape(name + " " + role_text)}">'
                f'<span class="who">{escape(name)}</span> <span class="role">{escape(role_text)}</span></span>'
                f'<form method="post" action="/logout"><input type="hidden" name="csrftoken" value="{escape(links.csrf)}">'
                f'<input type="hidden" name="lang" value="{escape(lang)}">'
                + (f'<input type="hidden" name="next" value="{escape(links.here)}">' if links.here else "")
                + f'<button type="submit">{escape(tr(lang, "account.sign_out"))}</button></form></div>\n  ')
    if links.sign_in:
        return (f'<div class="team-account"><a id="sign-in" href="{escape(links.sign_in)}">'
                f'{escape(tr(lang, "account.sign_in"))}</a></div>\n  ')
    return ""


def render_page(
    *,
    view: str | None,
    lang: str,
    links: Links,
    title: str,
    body: str,
    head: str = "",
    scripts: str = "",
    switch_href: str | None = None,
    heading: bool = True,
    styles: tuple[str, ...] = (),
    script_files: tuple[str, ...] = (),
    data: tuple[str, object] | None = None,
) -> str:
    """A whole HTML document around ``body``: header, navigation, language switch, footer.

    Every page of the site (views, SPARQL, resources, audit, versions, docs, errors) goes through
    here, so they all share one header and navigation in the page's language.

    Args:
        view: the current page (one of ``VIEWS`` or ``EXTRAS``), marked in the navigation; None
            for pages outside the navigation (resources, errors).
        lang: the page's language.
        links: where links point (server or standalone files).
        title: the page title (also the ``<h1>`` when ``heading``).
        body: the HTML of the main content.
        head: extra HTML for ``<head>`` (no inline style when served: use ``styles``).
        scripts: extra HTML at the end of the body (no inline script when served: use
            ``script_files``).
        switch_href: where the language switch points (default: this view in the other language).
        heading: whether to open ``<main>`` with ``<h1>title</h1>``.
        styles: names of the site's own style sheets (``cipt_graph.visualize.static``), after
            ``page.css``: linked when served, inline in a file.
        script_files: names of the site's own scripts, loaded at the end of the body.
        data: ``(id, value)``: a JSON data block (``<script type="application/json">``, never
            executed) for the scripts.
    """
    from .static import asset_text  # the registry imports the views, which import this module

    def style(name: str) -> str:
        if links.standalone:
            return f"<style>{asset_text(name)}</style>"
        return f'<link rel="stylesheet" href="{escape(links.asset(name))}">'

    def script(name: str) -> str:
        if links.standalone:
            return f"<script>{asset_text(name)}</script>"
        return f'<script src="{escape(links.asset(name))}"></script>'

    policy = ""
    if links.standalone and not head and not scripts:
        # A file has no headers: its policy is a <meta> allowing exactly its own inline files.
        policy = file_policy([asset_text(n) for n in ("page.css", *styles)], [asset_text(n) for n in script_files])
        policy = f'<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">\n'
    from .static import favicon_bytes

    icon = ("data:image/x-icon;base64," + base64.b64encode(favicon_bytes()).decode("ascii")
            if links.standalone else "/favicon.ico")
    head = (f'<link rel="icon" href="{icon}" sizes="16x16 32x32">\n'
            + "\n".join(style(n) for n in ("page.css", *styles)) + head)
    tail = []
    if data is not None:
        tail.append(f'<script id="{escape(data[0])}" type="application/json">{json_for_script(data[1])}</script>')
    tail.extend(script(n) for n in script_files)
    scripts = "\n".join(tail) + scripts
    header = site_header(view=view, lang=lang, links=links, switch_href=switch_href)
    footer = links.footer(lang) + ((" · " + tr(lang, "standalone")) if links.standalone else "")
    h1 = f"<h1>{escape(title)}</h1>\n" if heading else ""
    # French spacing before « : ; ! ? » and inside « … », in every page's text (data included),
    # code, scripts, form values and attributes as written.
    return typeset_html(f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
{policy}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · {escape(tr(lang, "app"))}</title>
{head}
</head>
<body data-view="{view or ''}">
{header}
<main id="main" tabindex="-1">
{h1}{body}
</main>
<footer>{escape(footer)}</footer>
{scripts}
</body>
</html>
""", lang)
