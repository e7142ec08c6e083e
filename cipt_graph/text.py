"""The project's one text-normalisation policy: what happens to every character that enters.

Ground floor: imports nothing from the package, so every reader (RNCP XML/CSV, mapping CSVs,
workbooks, Turtle, SPARQL text, HTTP parameters) can use it. The policy per input path is in
``docs/text.md``; this module is the code of that policy. Every function is pure and idempotent
(``f(f(x)) == f(x)``), so "equal after normalisation" is a testable property.

Character classes (names used in the docs and the messages):

* **line separators** :data:`LINE_SEPARATORS`: ``\\r\\n``, ``\\r``, U+000A, U+000B (VT),
  U+000C (FF), U+001C–U+001E (file/group/record separators), U+0085 (NEL), U+2028, U+2029 —
  exactly what :meth:`str.splitlines` splits on. Never use ``splitlines`` to cut a *file* into
  lines: use :func:`split_lines` (``\\n`` only, after CRLF/CR → LF), so a U+2028 inside a
  value stays inside its value.
* **controls** :func:`is_control`: the C0 controls other than TAB and the line separators,
  DEL, and the C1 controls other than NEL (U+0000–U+0008, U+000E–U+001B, U+001F, U+007F,
  U+0080–U+0084, U+0086–U+009F). XML 1.0 and openpyxl cannot hold most of them. They are
  replaced by U+FFFD (visible) in cleaned text, never dropped silently.
* **invisible characters** :data:`INVISIBLE`: U+200B (zero-width space), U+2060 (word joiner),
  U+FEFF (BOM / zero-width no-break space), U+00AD (soft hyphen): removed. ZWJ/ZWNJ
  (U+200C/U+200D) are kept (they change how some scripts and emoji render).
* **non-breaking spaces** :data:`NBSP`: U+00A0, U+202F, U+2007: kept inside text (French
  typography puts them before ``:;!?``), treated as spaces for trimming and in codes.
* Unicode form: every cleaned text is NFC (decomposed accents composed).

Functions:

* :func:`clean_line` — a one-line field (label, name, title): line separators → one space,
  controls → U+FFFD, invisibles removed, NFC, trimmed.
* :func:`clean_text` — a multi-line field (competency list, rationale): line separators → ``\\n``,
  otherwise as :func:`clean_line`, trailing spaces of each line kept, outer blank lines trimmed.
* :func:`clean_code` — an identifier (block code, fiche number): :func:`clean_line` plus every
  run of whitespace (NBSP included) made one space.
* :func:`iri_segment` — a code as one IRI path segment: :func:`clean_code`, then UTF-8 and
  percent-encoding of every byte outside RFC 3986 ``unreserved`` (so ``RNCP1 BC01`` →
  ``RNCP1%20BC01``); :func:`unquote_segment` reverses it. One rule for writing and resolving.
* :func:`html_items` — escaped HTML of older RNCP competency lists: entities decoded (twice,
  as the export double-escapes), tags stripped, block tags (``p``, ``li``, ``br``, ``div``,
  headings) made line breaks; returns the lines.
* :func:`language_tag` — a BCP 47 tag lower-cased (``FR-fr`` → ``fr-fr``), or ValueError.
* :func:`decode_utf8` — bytes → text: a leading UTF-8 BOM dropped, CRLF/CR → LF, invalid
  UTF-8 refused with ``line:column``.
* :func:`split_lines` — a file's text into lines on ``\\n`` only.
* :func:`describe_char` — ``U+2028 (LINE SEPARATOR)`` for messages.
* :func:`xml_safe` — for writers of XML 1.0 and XLSX: every character XML 1.0 cannot hold
  (C0 controls but TAB, LF, CR; U+FFFE, U+FFFF; lone surrogates) replaced by U+FFFD, visibly.
* :func:`escaped_controls` — where a Turtle source holds controls or unusual line separators,
  raw or as ``\\uXXXX`` escapes: ``(line, description)`` for ``cipt validate``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import quote, unquote

BOM = "\ufeff"
#: Everything str.splitlines() cuts at (CRLF counts once).
LINE_SEPARATORS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
NBSP = frozenset("\u00a0\u202f\u2007")
INVISIBLE = frozenset("\u200b\u2060\ufeff\u00ad")
REPLACEMENT = "\ufffd"

_CONTROL_RANGES = ((0x00, 0x08), (0x0E, 0x1B), (0x1F, 0x1F), (0x7F, 0x84), (0x86, 0x9F))
_CONTROL_CHARS = "".join(chr(c) for lo, hi in _CONTROL_RANGES for c in range(lo, hi + 1))
_CONTROL = re.compile(f"[{re.escape(_CONTROL_CHARS)}]")
_INVISIBLE = re.compile(f"[{''.join(INVISIBLE)}]")
_SEPARATOR = re.compile("\r\n|[" + re.escape("".join(sorted(LINE_SEPARATORS))) + "]")
_SPACE_RUN = re.compile(r"[\s\u00a0\u202f\u2007]+")
_OUTER = " \t" + "".join(NBSP)
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_BLOCK_TAGS = frozenset({"p", "li", "br", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_BCP47 = re.compile(r"^[a-zA-Z]{2,8}(?:-[a-zA-Z0-9]{1,8})*$")
#: RFC 3986 unreserved characters: never percent-encoded in a segment.
_UNRESERVED = "-._~"


def is_control(ch: str) -> bool:
    """Whether ``ch`` is a control character of the policy (see the module docstring)."""
    return bool(_CONTROL.fullmatch(ch))


def describe_char(ch: str) -> str:
    """``'\\u2028'`` → ``'U+2028 (LINE SEPARATOR)'`` (the name when Unicode gives one)."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def _base(text: str) -> str:
    """NFC, invisibles removed, controls → U+FFFD (line separators untouched)."""
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(REPLACEMENT, text)
    return unicodedata.normalize("NFC", text)


def clean_line(text: str | None) -> str:
    """A one-line field: line separators → space, controls → U+FFFD, invisibles removed, NFC, trimmed.

    Idempotent. Internal runs of spaces are kept (only the ends are trimmed).
    """
    if not text:
        return ""
    return _SEPARATOR.sub(" ", _base(text)).strip(_OUTER + " ")


def clean_text(text: str | None) -> str:
    """A multi-line field: every line separator → ``\\n``; controls → U+FFFD, invisibles removed,
    NFC; leading and trailing blank space of the whole text trimmed. Idempotent."""
    if not text:
        return ""
    return _SEPARATOR.sub("\n", _base(text)).strip(_OUTER + " \n")


def clean_code(text: str | None) -> str:
    """An identifier: :func:`clean_line` with every whitespace run (NBSP too) made one space."""
    return _SPACE_RUN.sub(" ", clean_line(text)).strip()


def iri_segment(text: str | None) -> str:
    """A code as one IRI path segment: :func:`clean_code`, then every UTF-8 byte outside RFC 3986
    ``unreserved`` (ALPHA / DIGIT / ``-._~``) percent-encoded with upper-case hex.

    ``"RNCP1 BC01"`` → ``"RNCP1%20BC01"``; ``"é/1"`` → ``"%C3%A9%2F1"``. Deterministic, so the
    writer of a link and the resolver of ``/id/…`` agree (see :func:`unquote_segment`).
    """
    return quote(clean_code(text), safe=_UNRESERVED, encoding="utf-8")


def unquote_segment(segment: str) -> str:
    """The code an :func:`iri_segment` stands for (``RNCP1%20BC01`` → ``RNCP1 BC01``)."""
    return unquote(segment, encoding="utf-8", errors="strict")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` holds HTML tags or entities, escaped once or not at all."""
    return bool(_TAG.search(text) or _ENTITY.search(text) or "&lt;" in text)


def html_to_text(text: str | None) -> str:
    """Escaped or plain HTML as text: entities decoded (up to twice: ``&amp;eacute;`` → ``é``),
    block tags → line breaks, other tags removed, then :func:`clean_text` (lines trimmed, blank
    lines dropped). Text without tags or entities is returned :func:`clean_text`-ed."""
    if not text:
        return ""
    for _ in range(3):
        if not (_ENTITY.search(text)):
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded

    def tag(match: re.Match) -> str:
        return "\n" if match.group(2).lower() in _BLOCK_TAGS else ""

    text = _TAG.sub(tag, text)
    text = html.unescape(text) if _ENTITY.search(text) else text
    lines = [clean_line(line) for line in clean_text(text).split("\n")]
    return "\n".join(line for line in lines if line)


def html_items(text: str | None) -> list[str]:
    """The non-empty lines of :func:`html_to_text` (one per paragraph or list item)."""
    cleaned = html_to_text(text)
    return cleaned.split("\n") if cleaned else []


def language_tag(tag: str) -> str:
    """A BCP 47 language tag in lower case, as RDF 1.1 compares them (``FR`` → ``fr``,
    ``en-GB`` → ``en-gb``).

    Raises:
        ValueError: not a well-formed tag (letters, then ``-`` and 1–8 letters or digits).
    """
    stripped = clean_code(tag)
    if not _BCP47.match(stripped):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag (e.g. fr, en-GB)")
    return stripped.lower()


def decode_utf8(data: bytes) -> str:
    """Bytes of a text file → text: a leading UTF-8 BOM dropped, CRLF and CR made LF.

    Raises:
        UnicodeDecodeError: not UTF-8; use :func:`utf8_error_place` to name ``line:column``.
    """
    text = data.decode("utf-8")
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def utf8_error_place(data: bytes, exc: UnicodeDecodeError) -> str:
    """``line:column`` (1-based) of the first undecodable byte of ``data``."""
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = len(before) - (before.rfind(b"\n") + 1) + 1
    return f"{line}:{column}"


def strip_bom(text: str) -> str:
    """``text`` without one leading U+FEFF."""
    return text[1:] if text.startswith(BOM) else text


def split_lines(text: str) -> list[str]:
    """A file's text cut into lines at ``\\n`` only (after CRLF/CR → LF); the other separators
    (U+2028, U+000B…) stay inside their line. No trailing empty line for a final ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def unusual_chars(text: str) -> list[str]:
    """The distinct characters of ``text`` the policy changes (separators, controls, invisibles),
    described with :func:`describe_char`, in order of first appearance; for messages."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch != "\n" and (ch in LINE_SEPARATORS or ch in INVISIBLE or is_control(ch)):
            seen.setdefault(ch)
    return [describe_char(ch) for ch in seen]


_NOT_XML10 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 (and so XLSX) cannot hold replaced by U+FFFD."""
    return _NOT_XML10.sub(REPLACEMENT, text)


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def escaped_controls(source: str) -> list[tuple[int, str]]:
    """``(line, description)`` of each line of a Turtle (or N-Triples) source that holds a
    control character or a line separator other than LF/CR — raw, or as a ``\\uXXXX`` /
    ``\\UXXXXXXXX`` escape — for a warning naming ``file:line``. Lines are cut at LF only."""
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        chars = [ch for ch in line if ch not in "\r\t" and (ch in LINE_SEPARATORS or is_control(ch))]
        for match in _ESCAPE.finditer(line):
            code = int(match.group(1) or match.group(2), 16)
            ch = chr(code) if code <= 0x10FFFF else ""
            if ch and ch not in "\n\r\t" and (ch in LINE_SEPARATORS or is_control(ch)):
                chars.append(ch)
        if chars:
            out.append((number, ", ".join(dict.fromkeys(describe_char(ch) for ch in chars))))
    return out


#: The csv module's commonest complaints (``csv.Error``) in French.
_CSV_FR = {"unexpected end of data": "fin des données inattendue (guillemet non fermé ?)",
           "line contains NUL": "la ligne contient un caractère NUL",
           "new-line character seen in unquoted field": "retour à la ligne dans un champ sans guillemets"}


def csv_error_fr(exc: Exception) -> str:
    """A :class:`csv.Error`'s message in French (its commonest ones; others as the module words them)."""
    message = str(exc)
    match = re.fullmatch(r"'(.)' expected after '\"'", message)
    if match:
        return f"'{match.group(1)}' attendu après un guillemet fermant"
    return _CSV_FR.get(message, message)


def quoted(value: object, lang: str = "fr") -> str:
    """``value`` quoted for a message in ``lang``: « value » in French (no-break spaces inside the
    guillemets), 'value' in English; control characters shown escaped (``\\n``, ``\\x07``) as
    ``repr`` would, so that a hostile cell cannot break a message's line."""
    text = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], "" if value is None else str(value))
    return f"«\u00a0{text}\u00a0»" if lang == "fr" else f"'{text}'"
