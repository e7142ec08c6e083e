"""/docs in the page's language (issue #15): Swagger UI reads /openapi.fr.json or
/openapi.en.json, whose operations, tags, parameters and responses are named for people in that
language; /openapi.json stays FastAPI's own, for machines; Swagger UI's own words are French on
the French page (a real Chromium, Debian's, through Playwright, at 1280×720)."""

from __future__ import annotations

import httpx
import pytest

from cipt_graph.api.openapi_i18n import OPERATIONS, PARAMETERS_FR, RESPONSES_FR, TAGS_FR, docs_text
from test_views import LiveServer
from test_views_browser import Watched, browser  # noqa: F401  (the module's browser fixture)

METHODS = ("get", "post", "put", "delete", "patch")


def french(catalog: dict) -> set[str]:
    """The French texts of ``catalog`` as /openapi.fr.json gives them (French typography)."""
    return {docs_text(text) for text in catalog.values()}


@pytest.fixture(scope="module")
def site(store):
    from cipt_graph.api.app import create_app

    with LiveServer(create_app(store)) as live:
        yield live


def operations(spec):
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items() if method in METHODS]


def test_every_operation_is_named_in_both_languages(site):
    with httpx.Client(base_url=site.url, timeout=60) as c:
        machine = c.get("/openapi.json").json()
        fr = c.get("/openapi.fr.json")
        en = c.get("/openapi.en.json").json()
        assert fr.status_code == 200 and fr.headers["content-language"] == "fr"
        assert c.get("/openapi.de.json").status_code == 404
    fr = fr.json()
    ops = operations(machine)
    assert len(ops) > 30
    missing = [(m, p) for m, p, _ in ops if (m, p) not in OPERATIONS]
    assert not missing, f"add these operations' names to cipt_graph/api/openapi_i18n.py: {missing}"
    # The machine description is untouched: same paths, same operation ids, FastAPI's summaries.
    assert [(m, p, o["operationId"]) for m, p, o in ops] == [(m, p, o["operationId"]) for m, p, o in operations(fr)]
    for (method, path, op_fr), (_, _, op_en), (_, _, op) in zip(operations(fr), operations(en), ops):
        summary_en, summary_fr, description_fr = OPERATIONS[method, path]
        assert op_fr["summary"] == docs_text(summary_fr, markdown=False) and op_en["summary"] == summary_en
        if description_fr:
            assert op_fr["description"] == docs_text(description_fr)
        assert op_en.get("description") == op.get("description")
        for tag in op_fr.get("tags", []):
            assert tag in TAGS_FR.values(), (path, tag)
        for param in op_fr.get("parameters", []):
            text = param.get("description")
            assert text is None or text in french(PARAMETERS_FR), (path, param["name"], text)
        for code, response in op_fr.get("responses", {}).items():
            text = response.get("description")
            assert text in french(RESPONSES_FR) or text == "imsx_StatusInfo", (path, code, text)
    assert sum(op_fr["summary"] != op_en["summary"] for (_, _, op_fr), (_, _, op_en)
               in zip(operations(fr), operations(en))) > 25


def _docs_page(browser, site, lang: str) -> Watched:
    """/docs in ``lang`` at 1280×720 in a watched page (console errors and failed requests kept),
    once Swagger UI has drawn its operations."""
    watched = Watched(browser, site.url + "/")
    try:
        watched.page.set_viewport_size({"width": 1280, "height": 720})
        watched.page.goto(f"{site.url}/docs?lang={lang}")
        watched.page.wait_for_selector("#swagger-ui .opblock-summary")
    except BaseException:
        watched.close()
        raise
    return watched


@pytest.mark.parametrize("lang, shown, absent", [
    ("fr", ["Requête SPARQL (GET)", "Paramètres", "Réponses", "Essayer", "Réponse réussie", "Ressources"],
     ["Parameters", "Responses", "Try it out", "Successful Response", "Sparql Get"]),
    ("en", ["SPARQL query (GET)", "Parameters", "Responses", "Try it out"],
     ["Paramètres", "Requête SPARQL (GET)", "Sparql Get"])])
def test_docs_page_in_the_page_language(browser, site, lang, shown, absent):  # noqa: F811
    watched = _docs_page(browser, site, lang)
    page = watched.page
    try:
        page.click("#swagger-ui .opblock-tag-section .opblock-summary >> nth=2")  # GET /api/queries/{name}
        page.wait_for_selector("#swagger-ui .try-out")
        page.wait_for_timeout(300)  # the observer runs at the next frame
        text = page.inner_text("#swagger-ui")
        for word in shown:
            assert word in text, (word, text[:2000])
        lines = {line.strip() for line in text.splitlines()}
        for word in absent:
            assert word not in lines and word not in text.replace("\n", " ").split(" · "), word
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        assert watched.blocked == [] and watched.errors == []
    finally:
        watched.close()


def _texts_of(node, key):
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key and isinstance(v, str)] + [
            t for v in node.values() for t in _texts_of(v, key)]
    return [t for v in node for t in _texts_of(v, key)] if isinstance(node, list) else []


def _schema_texts(spec):
    """Every description of the schemas (each model's, each field's), with where it is."""
    out = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("description"), str):
                out.append((where, node["description"]))
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(spec.get("components", {}).get("schemas", {}), "")
    return out


def test_schema_descriptions_follow_the_language(site):
    """Found by testers: on the French /docs the schemas' field descriptions were English. Each
    model's and field's description is French in /openapi.fr.json, as written in
    /openapi.en.json and /openapi.json; the field names stay the contract's."""
    from cipt_graph.api.openapi_schemas_fr import SCHEMAS_FR

    with httpx.Client(base_url=site.url, timeout=60) as c:
        machine, fr, en = (c.get(p).json() for p in ("/openapi.json", "/openapi.fr.json", "/openapi.en.json"))
    english = _schema_texts(machine)
    assert len(english) > 50
    assert _schema_texts(en) == english
    missing = sorted({text for _, text in english if text not in SCHEMAS_FR})
    assert not missing, f"add the French of these schema texts to cipt_graph/api/openapi_schemas_fr.py: {missing}"
    french = _schema_texts(fr)
    assert [w for w, _ in french] == [w for w, _ in english]
    assert all(text == docs_text(SCHEMAS_FR[original]) for (_, text), (_, original) in zip(french, english))
    # The field names (the contract) are the same in every description.
    assert fr["components"]["schemas"].keys() == machine["components"]["schemas"].keys()
    for name, schema in machine["components"]["schemas"].items():
        assert fr["components"]["schemas"][name].get("properties", {}).keys() == schema.get("properties", {}).keys()
    assert any(t == "Code du module (M01)" for _, t in french)
    assert not any("\u00a0" in t for t in _texts_of(fr, "description")), "Swagger UI's Markdown drops U+00A0: &nbsp;"



#: A breakable space before « : ; ! ? » or inside « … »: French typography wants a no-break one.
_BREAKABLE = r"\w [:;!?](?=\s|$)|« | »"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_docs_texts_follow_the_typography_of_the_language(browser, site, lang):  # noqa: F811
    """Found by an attacker of issue #15: the French /docs (Swagger UI's rendering of
    /openapi.fr.json) read « en HTTP : un point d'accès », « getCFItem : un élément » with
    breakable spaces, 76 texts of the description, beside the rest of the site's typography. Every
    description and summary of /openapi.fr.json, and the text of the rendered page with every
    operation open, has no breakable space before « : ; ! ? »; the English has no French spacing;
    code spans are left as written."""
    import re

    with httpx.Client(base_url=site.url, timeout=60) as c:
        spec = c.get(f"/openapi.{lang}.json").json()
    texts = []

    def walk(node):
        if isinstance(node, dict):
            texts.extend(v for k, v in node.items() if k in ("description", "summary") and isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    texts = [t.replace("&nbsp;", "\u00a0") for t in texts]  # Markdown's entity, U+00A0 on the page
    assert len(texts) > 100
    code = re.compile(r"`[^`\n]*`")
    if lang == "fr":
        bad = [t for t in texts if re.search(_BREAKABLE, code.sub("", t))]
    else:
        bad = [t for t in texts if re.search("[\u00a0\u202f][:;!?]", t)]
    assert bad == [], f"{len(bad)} texts: {bad[:5]}"
    watched = _docs_page(browser, site, lang)
    page = watched.page
    try:
        # Open every operation (Swagger UI draws them as it goes: click the closed ones until all
        # are open; the site's CSP forbids eval, hence no wait_for_function).
        for _ in range(60):
            state = page.evaluate("() => { const all = document.querySelectorAll('#swagger-ui .opblock');"
                                  " document.querySelectorAll('#swagger-ui .opblock:not(.is-open) .opblock-summary-control')"
                                  ".forEach(x => x.click());"
                                  " return [all.length, document.querySelectorAll('#swagger-ui .opblock.is-open').length]; }")
            if state[0] > 30 and state[1] == state[0]:
                break
            page.wait_for_timeout(500)
        assert state[0] > 30 and state[1] == state[0], state
        page.wait_for_timeout(300)
        text = page.evaluate("""() => { const out = [];
          const w = document.createTreeWalker(document.querySelector('#swagger-ui'), NodeFilter.SHOW_TEXT);
          while (w.nextNode()) if (!w.currentNode.parentElement.closest('code, pre')) out.push(w.currentNode.textContent);
          return out.join('\\n'); }""")
        assert "HTTP" in text
        if lang == "fr":
            assert re.findall(r".{0,30}(?:" + _BREAKABLE + ").{0,10}", text) == []
        else:
            assert not re.search("[\u00a0\u202f][:;!?]", text)
        assert watched.blocked == [] and watched.errors == []
    finally:
        watched.close()
