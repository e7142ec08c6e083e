"""Language choice and locale-aware formatting (numbers, hours, percentages, dates, plurals).

Everything people read follows the locale through Babel (CLDR data): French writes ``15,92``,
``1 234,5`` (narrow no-break space, U+202F, between thousands), ``20 h``, ``25,4 %`` and
``29 nov. 2026``; English writes ``15.92``, ``1,234.5``, ``20 h``, ``25.4%``, ``Nov 29, 2026``.
Plurals use the locale's CLDR plural rules (French: 0 and 1 are singular).

French is the default; English on request. Over HTTP the ``lang`` parameter wins, else the
``Accept-Language`` header (RFC 9110 §12.5.4) picks; on the command line ``--lang`` wins, else
the environment (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``, as POSIX orders them).

This module sits at the bottom of the imports: anything may use it.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping
from functools import lru_cache

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.numbers import format_decimal

from .errors import InputError

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
NNBSP = "\u202f"  # narrow no-break space: French thousands and before units


def check_lang(lang: str) -> str:
    """The language code, checked.

    Raises:
        InputError: the language is not one of ``fr``, ``en``.
    """
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    return lang


@lru_cache(maxsize=8)
def locale(lang: str) -> Locale:
    """The Babel locale of ``lang`` (``fr`` → ``fr_FR``, ``en`` → ``en_GB``… kept generic here)."""
    return Locale.parse(check_lang(lang))


def negotiate(accept_language: str | None, default: str = DEFAULT_LANG) -> str:
    """The language an ``Accept-Language`` header prefers among ``LANGS`` (``default`` otherwise).

    ``"en-GB,en;q=0.9,fr;q=0.5"`` → ``en``; ``"de"`` → ``fr``; weights of 0 exclude a language.
    """
    if not accept_language:
        return default
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or len(tag) > 35:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            weighted.append((-q, i, tag.replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(weighted)]
    if "*" in preferred:
        preferred = preferred[: preferred.index("*")] + [default]
    found = negotiate_locale(preferred, list(LANGS), sep="_")
    if found is None:
        # "en-GB" alone: negotiate_locale matches only exact tags or aliases, so try the primary subtag.
        found = negotiate_locale([tag.split("_")[0] for tag in preferred], list(LANGS), sep="_")
    return found or default


def env_lang(environ: Mapping[str, str] | None = None, default: str = DEFAULT_LANG) -> str:
    """The language of the environment's locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``,
    ``LANGUAGE``, first set wins): ``en_US.UTF-8`` → ``en``; ``C``/``POSIX``/unknown → ``default``."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(name)
        if value:
            code = value.split(":")[0].split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in LANGS else default
    return default


def _number(value: object) -> float | int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value))
    except ValueError:
        return None


def colon(lang: str) -> str:
    """The separator before what a label introduces: a no-break space then ``: `` in French
    (French typography: the colon never starts a line), ``: `` in English."""
    return "\u00a0: " if lang == "fr" else ": "


#: A breakable space before ``:`` (then a no-break space, U+00A0) or before ``;``, ``!``, ``?`` (then
#: a narrow no-break space, U+202F), when the sign ends a word group (a space or the end follows)
#: and follows a word (not a list's ``  ? item``): ``?s`` in a query or ``http://`` are left alone.
#: In HTML, tags (each a private-use character, ``_KEPT``) between the space and the sign, or
#: right after the sign, count for nothing: ``Qui le lit :</strong>``, ``C3 <span>!</span>``.
_KEPT = "\ue000"
_BEFORE_COLON = re.compile(r"(?<=\S)[ \t]+(\ue000*):(?=\s|$|\ue000)")
_BEFORE_SIGN = re.compile(r"(?<=\S)[ \t]+(\ue000*)([;!?])(?=\s|$|\ue000)")
#: Inside French guillemets: « text » with no-break spaces (U+00A0) after « and before ».
_AFTER_OPENING = re.compile(r"«[ \t]*(?=[^\s»])")
_BEFORE_CLOSING = re.compile(r"(?<=[^\s«])[ \t]*»")
NBSP = "\u00a0"  # no-break space: before « : » and inside guillemets


def typeset(text: str, lang: str) -> str:
    """``text`` with French typography when ``lang`` is ``fr``: a no-break space (U+00A0) before
    « : » and inside « … », a narrow one (U+202F) before « ; », « ! », « ? » (Lexique des règles
    typographiques en usage à l'Imprimerie nationale), so that the sign never starts a line and a
    guillemet never stands alone; English text unchanged. Idempotent: typesetting twice changes
    nothing more. The one place French spacing is written: pages, reports and command-line
    messages all come through here (:func:`typeset_html`, :func:`typeset_markdown`)."""
    if lang != "fr" or not text:
        return text
    text = _BEFORE_SIGN.sub(NNBSP + r"\1\2", _BEFORE_COLON.sub(NBSP + r"\1:", text))
    if "«" in text or "»" in text:
        text = _BEFORE_CLOSING.sub(NBSP + "»", _AFTER_OPENING.sub("«" + NBSP, text))
    return text


#: What :func:`typeset_html` leaves as written: code, preformatted text, scripts, styles, the
#: text a person edits (``textarea``), and comments; then any tag (its attributes untouched).
_HTML_VERBATIM = re.compile(r"<(pre|code|kbd|samp|script|style|textarea)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>",
                            re.S | re.I)


#: The attributes people read (tooltips, labels for screen readers, placeholders, alternatives).
_READ_ATTRIBUTES = re.compile(r"""(\s(?:title|aria-label|alt|placeholder)=)("[^"]*"|'[^']*')""", re.I)


def typeset_html(markup: str, lang: str) -> str:
    """An HTML document or fragment with :func:`typeset` applied to its text when ``lang`` is
    ``fr``, and to the attributes people read (``title``, ``aria-label``, ``alt``,
    ``placeholder``); other attributes (form values, IRIs), ``pre``, ``code``, ``kbd``, ``samp``,
    ``script``, ``style``, ``textarea`` and comments are left as written. A tag counts as part of
    the word it touches: ``<b>Source</b> :`` and ``« <a>M01</a> »`` are typeset too."""
    return _typeset_around(_HTML_VERBATIM, markup, lang, tags=True)


def _typeset_around(verbatim: re.Pattern, text: str, lang: str, tags: bool = False) -> str:
    """:func:`typeset` on ``text`` with what ``verbatim`` matches left as written (each stands as
    one private-use character, a non-space, while the rest is typeset)."""
    if lang != "fr" or not text:
        return text
    if _KEPT in text:  # (never in our pages; typeset the pieces apart rather than mix them up)
        pieces = re.split(f"({_KEPT})", text)
        return "".join(p if p == _KEPT else _typeset_around(verbatim, p, lang, tags) for p in pieces)
    kept: list[str] = []

    def keep(found: re.Match) -> str:
        kept_text = found.group(0)
        if tags and not found.group(1) and kept_text.startswith("<") and "=" in kept_text:
            kept_text = _READ_ATTRIBUTES.sub(lambda a: a.group(1) + typeset(a.group(2), lang), kept_text)
        kept.append(kept_text)
        return _KEPT

    shown = typeset(verbatim.sub(keep, text), lang)
    back = iter(kept)
    return re.sub(_KEPT, lambda _: next(back), shown)



#: Markdown left as written: fenced code blocks, indented code lines, inline code spans.
_MD_VERBATIM = re.compile(r"^(```|~~~).*?^\1[^\n]*$|^(?: {4}|\t)[^\n]*$|(`+)[^\n]+?\2", re.S | re.M)


def typeset_markdown(text: str, lang: str) -> str:
    """Markdown with :func:`typeset` applied to its prose when ``lang`` is ``fr``; fenced and
    indented code and inline code spans are left as written."""
    return _typeset_around(_MD_VERBATIM, text, lang)


def number(value: object, lang: str, decimals: int = 2) -> str:
    """A number as the locale writes it, at most ``decimals`` decimals, no trailing zeros:
    ``15,92`` / ``15.92``, ``1 234`` / ``1,234``. Non-numbers are returned as text."""
    n = _number(value)
    if n is None:
        return "" if value is None else str(value)
    return _formatted(repr(round(float(n), decimals)), decimals, lang)


@lru_cache(maxsize=4096)
def _formatted(value: str, decimals: int, lang: str) -> str:
    """Babel's writing of the float ``value`` (its ``repr``; remembered: the university overview
    writes ~4,000 numbers, mostly the same few, and Babel parses its pattern at every call)."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(float(value), format=pattern, locale=locale(lang))


def hours(value: object, lang: str, decimals: int = 2) -> str:
    """Hours with their unit: ``20 h``, ``333,59 h`` (fr), ``333.59 h`` (en); narrow no-break space."""
    text = number(value, lang, decimals)
    return f"{text}{NNBSP}h" if text else ""


def percent(value: object, lang: str, decimals: int = 1, *, ratio: bool = False) -> str:
    """A percentage: ``25,4 %`` (fr, narrow no-break space), ``25.4%`` (en).

    Args:
        value: a percentage (``25.4``), or a ratio (``0.254``) when ``ratio`` is true.
    """
    n = _number(value)
    if n is None:
        return "" if value is None else str(value)
    pct = float(n) * (100 if ratio else 1)
    text = number(pct, lang, decimals)
    return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"


def _datetime(value: object) -> _dt.datetime | _dt.date | None:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value
    if value is None:
        return None
    text = str(value).strip()
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return _dt.date.fromisoformat(text[:10])
        except ValueError:
            return None


def date(value: object, lang: str) -> str:
    """A date: ``29 nov. 2026`` (fr), ``29 Nov 2026`` (en); from a date, datetime or ISO text."""
    d = _datetime(value)
    if d is None:
        return "" if value is None else str(value)
    day = d.date() if isinstance(d, _dt.datetime) else d
    return _format_date(day, format="medium", locale=locale(lang))


def datetime(value: object, lang: str) -> str:
    """A date and time to the minute, in UTC when the value carries a zone:
    ``29 nov. 2026, 22:05 UTC`` (fr), ``Nov 29, 2026, 10:05 PM UTC`` (en)."""
    d = _datetime(value)
    if d is None:
        return "" if value is None else str(value)
    if not isinstance(d, _dt.datetime):
        return date(d, lang)
    zone = ""
    if d.tzinfo is not None:
        d, zone = d.astimezone(_dt.timezone.utc).replace(tzinfo=None), " UTC"
    return f"{date(d, lang)}, {_format_time(d, format='short', locale=locale(lang))}{zone}"


#: The time zone of the programme: times of day are shown there (CLDR names, Babel).
PARIS = "Europe/Paris"


def paris_today(now: _dt.datetime | None = None) -> _dt.date:
    """Today's date in Paris (the programme's time zone), whatever the machine's: the date a
    change records (``asserted_on``), as the versions' Paris times show it. ``now``: an aware
    moment to use instead of the clock."""
    from zoneinfo import ZoneInfo

    return (now or _dt.datetime.now(_dt.timezone.utc)).astimezone(ZoneInfo(PARIS)).date()


def local_datetime(value: object, lang: str, *, zone: bool = True) -> str:
    """A moment in Paris time, to the minute, with the zone's name unless ``zone`` is false:
    ``30 nov. 2026, 11:32 (heure normale d’Europe centrale)`` (fr),
    ``Nov 30, 2026, 11:32 (Central European Standard Time)`` (en); summer time in summer.

    Args:
        value: a datetime or ISO 8601 text (``2026-11-30T10:32:03Z``); without an offset it is UTC.
            A date alone gives the date; anything else is returned as text.
    """
    from zoneinfo import ZoneInfo

    moment = _datetime(value)
    if moment is None:
        return "" if value is None else str(value)
    if not isinstance(moment, _dt.datetime):
        return date(moment, lang)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    paris = ZoneInfo(PARIS)
    time = _format_datetime(moment, "HH:mm (zzzz)" if zone else "HH:mm", tzinfo=paris, locale=locale(lang))
    return f"{date(moment.astimezone(paris), lang)}, {time}"


def plural_form(lang: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``lang``: ``one`` or ``other`` (fr: 0 and 1 are ``one``)."""
    return locale(lang).plural_form(abs(count))


def plural(lang: str, count: float, forms: Mapping[str, str]) -> str:
    """The form of ``forms`` (``{"one": …, "other": …}``) for ``count``, ``{n}`` filled in with the
    count as the locale writes it."""
    form = forms.get(plural_form(lang, count)) or forms["other"]
    return form.replace("{n}", number(count, lang))


def wait(seconds: float, lang: str) -> str:
    """A wait of ``seconds`` as people say it, never shorter than it is: ``45 secondes``, and from
    one minute on whole minutes rounded up (``295`` → ``5 minutes``; English ``5 minutes``),
    through Babel's ``format_timedelta`` (CLDR units)."""
    import math

    from babel.dates import format_timedelta

    seconds = max(1, math.ceil(seconds))
    if seconds >= 60:
        seconds = math.ceil(seconds / 60) * 60
        unit = "minute" if seconds < 3600 else "hour"
        if unit == "hour":
            seconds = math.ceil(seconds / 3600) * 3600
    else:
        unit = "second"
    return format_timedelta(_dt.timedelta(seconds=seconds), threshold=1, granularity=unit, locale=locale(lang))
