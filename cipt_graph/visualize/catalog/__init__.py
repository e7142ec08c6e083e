"""The UI strings of the site and of the coverage views, one module per language.

Each module holds ``MESSAGES``: key → text, or key → ``{"one": …, "other": …}`` for words that
take a plural (chosen by the CLDR plural rules of the language, through Babel); ``{n}`` is the
count as the locale writes it, other ``{placeholders}`` are filled by the caller.
Both languages must have exactly the same keys (a test compares them).
"""

from . import en, fr

CATALOGS = {"fr": fr.MESSAGES, "en": en.MESSAGES}
