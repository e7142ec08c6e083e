"""The UI strings of the site and of the coverage views, one module per language.

Each module holds ``MESSAGES``: key → text, or key → ``{"one": …, "other": …}`` for words that
take a plural (chosen by the CLDR plural rules of the language, through Babel); ``{n}`` is the
count as the locale writes it, other ``{placeholders}`` are filled by the caller.
Both languages must have exactly the same keys (a test compares them).
"""

from ...i18n import typeset
from . import en, fr


def _typeset(value):
    """French typography: a no-break space before « : », a narrow one before « ; ! ? » (the
    sign never starts a line)."""
    if isinstance(value, dict):
        return {k: _typeset(v) for k, v in value.items()}
    return typeset(value, "fr")


#: The French strings are written with plain spaces and typeset here; English has no space before a colon.
CATALOGS = {"fr": {k: _typeset(v) for k, v in fr.MESSAGES.items()}, "en": en.MESSAGES}
