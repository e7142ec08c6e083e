"""A small SPARQL lexer: the keywords of a query outside its strings, IRIs and comments.

Enough to answer two questions without a full parser: does a query call ``SERVICE`` (which
would make the server fetch a URL), and does it name its own dataset with ``FROM``? And to
write a query's parameters into its text, for tools that cannot bind them.
"""

from __future__ import annotations

import functools

import re

# Order matters: long strings before short ones, IRIs and comments before bare words.
# The IRI form is SPARQL's IRIREF (no space, <, >, ", {, }, |, ^, ` or backslash inside), so a
# comparison such as `?a < ?b` is never taken for an IRI.
_TOKEN = re.compile(
    r'''(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""'''
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r'''|"(?:[^"\\\n\r]|\\.)*"'''
    r"""|'(?:[^'\\\n\r]|\\.)*'"""
    r"""|<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|\#[^\n\r]*"""
    r"""|(?:[^\W\d][\w\-.\u00b7]*)?:(?:[\w\-.:%\u00b7]|\\.)*"""
    r"""|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)"""
    r"""|(?P<var>[?$][\w\u00b7]+)"""
    r"""|(?P<word>[^\W\d][\w\-\u00b7]*)"""
    r"""|(?P<punct>[{}()])""",
    re.DOTALL,
)


def keywords(sparql: str) -> list[str]:
    """The bare words of a query, upper-cased, in order: keywords and function names.

    Strings, IRIs, comments, variables, numbers and prefixed names (``ex:service``) are
    left out, as SPARQL's own grammar reads them.
    """
    return [m.group("word").upper() for m in _TOKEN.finditer(sparql) if m.group("word")]


def uses_service(sparql: str) -> bool:
    """True when the query holds a ``SERVICE`` clause (federated query)."""
    # A word whose upper case is SERVICE is in the text's upper case (Python's upper case of a
    # text is that of its parts): most queries are answered without the lexer.
    return "SERVICE" in sparql.upper() and "SERVICE" in keywords(sparql)


@functools.lru_cache(maxsize=512)
def names_dataset(sparql: str) -> bool:
    """True when the query has a ``FROM`` or ``FROM NAMED`` clause of its own (remembered for the
    last 512 texts: named queries are scanned once, not at every request)."""
    return "FROM" in sparql.upper() and "FROM" in keywords(sparql)


_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def query_form(sparql: str) -> str | None:
    """The query's form: ``SELECT``, ``CONSTRUCT``, ``DESCRIBE`` or ``ASK`` (None for anything else).

    The first of these words outside strings, IRIs and comments (the prologue's ``BASE`` and
    ``PREFIX`` hold none of them), as the SPARQL 1.1 grammar's ``Query`` production reads it.
    """
    for word in keywords(sparql):
        if word in _FORMS:
            return word
    return None


#: The first word of a SPARQL 1.1 Update request's operations (SPARQL 1.1 Update, §3).
UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


def update_operation(sparql: str) -> str | None:
    """The operation word (``INSERT``, ``DELETE``, ``DROP``…) when the text is a SPARQL Update
    request rather than a query, else None: its first word past the prologue (``BASE``,
    ``PREFIX``), outside strings, IRIs and comments. Reads no further than that word."""
    for match in _TOKEN.finditer(sparql):
        word = match.group("word")
        if word is None:
            continue
        word = word.upper()
        if word in ("BASE", "PREFIX"):
            continue
        return word if word in UPDATE_WORDS else None
    return None


_MODIFIER_END = {"HAVING", "LIMIT", "OFFSET", "VALUES", "GROUP", "ORDER", "SELECT", "WHERE"}


def substitute(sparql: str, values: dict[str, str]) -> str:
    """The query with variables replaced by constant terms, as Oxigraph's substitutions do.

    ``values`` maps a variable name (without ``?``) to a term in SPARQL syntax (``<iri>``,
    ``"fr"``). The outermost projection keeps the variable, as ``(term AS ?var)``; sub-query
    projections drop it (both sides of their join now hold the constant); ``GROUP BY`` and
    ``ORDER BY`` get ``(term)``; every other occurrence (patterns, filters) the bare term.
    """
    edits: list[tuple[int, int, str]] = []
    depth = parens = 0
    mode: str | None = None  # "projection", "modifier" or None
    outermost = False
    words: list[str] = []
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        text = match.group()
        if kind == "punct":
            if text == "{":
                depth += 1
                mode = None
            elif text == "}":
                depth -= 1
                mode = None
            elif text == "(":
                parens += 1
            else:
                parens -= 1
        elif kind == "word":
            word = text.upper()
            if word == "SELECT":
                mode, outermost, parens = "projection", depth == 0, 0
            elif word == "BY" and words and words[-1] in ("GROUP", "ORDER"):
                mode, parens = "modifier", 0
            elif word in _MODIFIER_END:
                mode = None if word != "SELECT" else mode
            words.append(word)
        elif kind == "var" and text[1:] in values:
            term = values[text[1:]]
            if mode == "projection" and parens == 0:
                replacement = f"({term} AS {text})" if outermost else ""
            elif mode == "modifier" and parens == 0:
                replacement = f"({term})"
            else:
                replacement = term
            edits.append((match.start(), match.end(), replacement))
    for start, end, replacement in reversed(edits):
        sparql = sparql[:start] + replacement + sparql[end:]
    return sparql


_NESTING = re.compile(
    r'''"""(?:[^"\\]|\\.|"(?!""))*"""'''
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r'''|"(?:[^"\\\n\r]|\\.)*"'''
    r"""|'(?:[^'\\\n\r]|\\.)*'"""
    r"""|<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|\#[^\n\r]*"""
    r"""|(?P<open>[{(\[])|(?P<close>[})\]])""",
    re.DOTALL,
)


def nesting_depth(sparql: str) -> int:
    """How deep the query nests groups, parentheses and brackets (outside strings, IRIs, comments).

    A parser recurses once per level: a query nested thousands deep (a few kilobytes of ``{``)
    would exhaust the stack of the thread parsing it and crash the process (issue #8).
    """
    depth = deepest = 0
    for match in _NESTING.finditer(sparql):
        if match.group("open"):
            depth += 1
            deepest = max(deepest, depth)
        elif match.group("close"):
            depth = max(0, depth - 1)
    return deepest
