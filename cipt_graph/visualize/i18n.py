"""UI strings of the site and the coverage views, in French (the default) and English.

The strings live in ``catalog/fr.py`` and ``catalog/en.py``; numbers, hours, dates and plurals
are formatted by ``cipt_graph.i18n`` (Babel). Labels of things (modules, competencies…) are not
here: they come from the graph's ``@fr``/``@en`` labels through the named queries' ``lang``.
"""

from __future__ import annotations

from ..i18n import DEFAULT_LANG, LANGS, check_lang, plural
from .catalog import CATALOGS

#: Language → key → text (or plural forms ``{"one": …, "other": …}``).
UI: dict[str, dict[str, object]] = CATALOGS


def tr(lang: str, key: str, count: float | None = None, **values: object) -> str:
    """The UI string ``key`` in ``lang``, ``{placeholders}`` filled from ``values``.

    A plural entry needs ``count``: its form follows the language's plural rules, ``{n}`` is the
    count written as the locale writes numbers.
    """
    text = UI[check_lang(lang)][key]
    if isinstance(text, dict):
        if count is None:
            raise TypeError(f"UI string {key!r} takes a plural: pass count=")
        text = plural(lang, count, text)
    return text.format(**values) if values else text


__all__ = ["DEFAULT_LANG", "LANGS", "UI", "check_lang", "tr"]
