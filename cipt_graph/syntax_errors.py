"""SPARQL syntax errors said for people, in French and English (issue #15).

Oxigraph's parser (rust-peg) says ``error at LINE:COLUMN: expected one of A, B, [_]``: its list
mixes the tokens a person can type (``"}"``, ``SELECT``) with the grammar's internals (``[_]``:
any character; character classes; Oxigraph's extensions beyond SPARQL 1.1 such as ``LATERAL``
and the RDF 1.2 ``{|`` and ``~``) and its own English messages. :func:`describe` keeps the
position, the text found there and the tokens, in the chosen language; what it cannot translate
is quoted as the parser's detail, marked as English.
"""

from __future__ import annotations

import re

_HEAD = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)
_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,]+')
#: Tokens of the parser's list that are not SPARQL 1.1 a person would type.
_INTERNAL = {"[_]", "LATERAL", "IF", "TZ", "{|", "~", "|}", "<<", ">>", "<<(", ")>>"}
#: The parser's own messages that read as something expected: (French, English).
_KNOWN = {"IRI parsing failed": ("une IRI valide", "a valid IRI")}
#: The parser's own messages about the query: (French, English).
_MESSAGES = {"The SELECT contains a variable that is unbound":
             ("une variable du SELECT n'est ni groupée (GROUP BY) ni agrégée",
              "a variable of the SELECT is neither grouped (GROUP BY) nor aggregated")}
NBSP = "\u00a0"


def _items(listing: str) -> list[str]:
    return [m.group(0).strip() for m in _ITEM.finditer(listing) if m.group(0).strip()]


def _token(item: str) -> str | None:
    """The token a person types for a list item, None for the grammar's internals."""
    if item.startswith('"') and item.endswith('"') and len(item) >= 2:
        text = re.sub(r"\\(.)", r"\1", item[1:-1])
        return None if text in _INTERNAL else text
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", item) and item not in _INTERNAL:
        return item
    return None


def _found(query: str, line: int, column: int) -> str | None:
    """The text at the error's place (its first word, at most 20 characters), None at the end."""
    lines = query.splitlines()
    if not 1 <= line <= len(lines):
        return None
    rest = lines[line - 1][max(column - 1, 0):]
    word = re.match(r"\s*(\S+)", rest)
    if word is None:
        later = "\n".join(lines[line:]).strip()
        return later.split()[0][:20] if later else None
    return word.group(1)[:20]


def _either(items: list[str], lang: str) -> str:
    quoted = [f"«{NBSP}{i}{NBSP}»" if lang == "fr" else f"'{i}'" for i in items]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + (" ou " if lang == "fr" else " or ") + quoted[-1]


def describe(message: str, query: str) -> tuple[str, str]:
    """``(English, French)`` sentences for a syntax error ``message`` of Oxigraph on ``query``.

    ``SPARQL syntax error at line 1, column 25, before '}': expected 'OPTIONAL' or 'FILTER'`` /
    ``erreur de syntaxe SPARQL à la ligne 1, colonne 25, devant « } » : attendu « OPTIONAL » ou
    « FILTER »``. A message of another shape keeps the parser's words, quoted and marked as English.
    """
    head = _HEAD.match(message.strip())
    if head is None:
        return (f"SPARQL syntax error: {message}",
                f"erreur de syntaxe SPARQL (détail de l'analyseur, en anglais{NBSP}: «{NBSP}{message}{NBSP}»)")
    line, column, rest = int(head.group(1)), int(head.group(2)), head.group(3)
    found = _found(query, line, column)
    en = f"SPARQL syntax error at line {line}, column {column}" + (f", before '{found}'" if found else ", at the end")
    fr = (f"erreur de syntaxe SPARQL à la ligne {line}, colonne {column}"
          + (f", devant «{NBSP}{found}{NBSP}»" if found else ", en fin de requête"))
    listing = re.sub(r"^expected (one of )?", "", rest) if rest.startswith("expected ") else None
    if listing is None:
        return (f"{en} (parser detail: {rest})",
                f"{fr} (détail de l'analyseur, en anglais{NBSP}: «{NBSP}{rest}{NBSP}»)")
    tokens: list[str] = []
    known_fr: list[str] = []
    known_en: list[str] = []
    left: list[str] = []
    messages: list[str] = []
    for item in _items(listing):
        token = _token(item)
        if token is not None:
            tokens.append(token)
        elif item in _KNOWN:
            known_fr.append(_KNOWN[item][0])
            known_en.append(_KNOWN[item][1])
        elif item in _MESSAGES:
            messages.append(item)
        elif item not in _INTERNAL and not item.startswith(("[", '"')):
            left.append(item)
    if tokens or known_en:
        parts_en = ([_either(tokens, "en")] if tokens else []) + known_en
        parts_fr = ([_either(tokens, "fr")] if tokens else []) + known_fr
        en += ": expected " + " or ".join(parts_en)
        fr += f"{NBSP}: attendu " + " ou ".join(parts_fr)
    for item in messages:
        en += f"; {_MESSAGES[item][1]}"
        fr += f"{NBSP}; {_MESSAGES[item][0]}"
    if left:
        detail = "; ".join(left)[:300]
        en += f" (parser detail: {detail})"
        fr += f" (détail de l'analyseur, en anglais{NBSP}: «{NBSP}{detail}{NBSP}»)"
    return en, fr
