"""The text-normalisation policy (cipt_graph/text.py, docs/text.md): each rule and its idempotence."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipt_graph import text as T

SPECIAL = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00\x07\x1b\x7f\x9f\u00a0\u200b\ufeff\u202f e\u0301=+-@\t<>&"
ANY_TEXT = st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL)), max_size=60)


@pytest.mark.parametrize("sep", sorted(T.LINE_SEPARATORS) + ["\r\n"])
def test_every_line_separator_is_a_space_in_a_line_and_a_newline_in_a_text(sep):
    assert T.clean_line(f"a{sep}b") == "a b"
    assert T.clean_text(f"a{sep}b") == "a\nb"


def test_controls_are_replaced_visibly_and_invisibles_removed():
    assert T.clean_line("a\x00b\x1bc\x7fd\x9fe") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert T.clean_line("\ufeffa\u200bb\u2060c") == "abc"
    assert T.clean_line("a\u200db") == "a\u200db"  # ZWJ kept


def test_nfc_and_nbsp():
    assert T.clean_line("e\u0301te\u0301") == "été"
    assert T.clean_line("\u00a0Note\u00a0: x\u00a0") == "Note\u00a0: x"
    assert T.clean_code("RNCP1\u00a0 BC01") == "RNCP1 BC01"


def test_iri_segment_round_trips():
    assert T.iri_segment("RNCP90002 BC01") == "RNCP90002%20BC01"
    assert T.iri_segment("é/1") == "%C3%A9%2F1"
    assert T.unquote_segment(T.iri_segment(" a\u00a0b/c ")) == "a b/c"


def test_escaped_html_competency_list_becomes_items():
    raw = ("&lt;p&gt;- Diagnostiquer une anomalie&lt;/p&gt;\r\n&lt;p&gt;- Param&amp;eacute;trer les "
           "&amp;eacute;quipements&lt;/p&gt;\r\n&lt;p&gt;- Contr&amp;ocirc;ler l'ouvrage&lt;/p&gt;")
    assert T.html_items(raw) == ["- Diagnostiquer une anomalie", "- Paramétrer les équipements", "- Contrôler l'ouvrage"]
    assert T.html_to_text("<ul><li>A &amp; B</li><li>C<br/>D</li></ul>") == "A & B\nC\nD"


def test_language_tags():
    assert T.language_tag("FR") == "fr"
    assert T.language_tag("en-GB") == "en-gb"
    with pytest.raises(ValueError):
        T.language_tag("fr_FR")


def test_decode_and_split_lines():
    assert T.decode_utf8(b"\xef\xbb\xbfa\r\nb\rc") == "a\nb\nc"
    assert T.split_lines("a\u2028b\nc\x0bd\n") == ["a\u2028b", "c\x0bd"]
    data = b"ok\nbad \xff here"
    with pytest.raises(UnicodeDecodeError) as exc:
        T.decode_utf8(data)
    assert T.utf8_error_place(data, exc.value) == "2:5"
    assert T.unusual_chars("a\u2028b\x00") == ["U+2028 (LINE SEPARATOR)", "U+0000"]


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_cleaning_is_idempotent_and_leaves_no_unusual_character(value):
    for clean in (T.clean_line, T.clean_text, T.clean_code, T.html_to_text):
        once = clean(value)
        assert clean(once) == once
        assert unicodedata.is_normalized("NFC", once)
        assert not T.unusual_chars(once)
    assert "\n" not in T.clean_line(value)
    assert T.unquote_segment(T.iri_segment(value)) == T.clean_code(value)
    assert all(c.isascii() and (c.isalnum() or c in "-._~%") for c in T.iri_segment(value))
