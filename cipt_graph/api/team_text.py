"""The words of the team's pages, in French (default) and English; numbers and dates through Babel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal


def format_hours(value: object, lang: str) -> str:
    """``value`` hours as the locale writes them: ``12,5 h`` (fr), ``12.5 h`` (en); '' for None."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return f"{format_decimal(number, locale=lang, format='#,##0.##')}\u00a0h"


def format_datetime(iso: str, lang: str) -> str:
    """An ISO 8601 UTC time (``2026-11-29T10:00:00Z``) as the locale writes it, in UTC."""
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return _babel_datetime(when, format="medium", tzinfo=dt.timezone.utc, locale=lang) + " UTC"


#: Names the team templates use for strings the site's catalogs already hold (one text, one place).
ALIASES: dict[str, str] = {
    'dashboard': 'nav.dashboard',
    'matrix': 'nav.matrix',
    'graph': 'nav.graph',
    'jobs': 'nav.jobs',
    'versions': 'nav.versions',
    'other_lang': 'switch',
    'kind_competency': 'kind.competency',
    'kind_activity': 'kind.activity',
    'kind_objective': 'kind.objective',
    'block': 'kind.block',
    'module': 'kind.module',
    'all': 'filter.all',
    'status_proposed': 'status.proposed',
    'status_validated': 'status.validated',
    'hours': 'matrix.hours',
    'author': 'versions.agent',
    'field_level': 'cli.field.level',
    'field_hours': 'cli.field.hours',
    'field_rationale': 'cli.field.rationale',
    'field_status': 'cli.field.status',
    'from': 'versions.a',
    'to': 'versions.b',
    'current': 'versions.current',
    'compare': 'versions.compare',
    'version': 'versions.id',
    'date': 'versions.created',
    'diff': 'versions.diff',
    'modules': 'col.modules',
    'edit_cell_title': 'matrix.edit_cell',
}


def _text(lang: str) -> dict:
    from ..visualize.catalog import CATALOGS
    from ..visualize.i18n import tr

    catalog = CATALOGS[lang]
    out: dict = {key[5:]: value for key, value in catalog.items() if key.startswith("team.") and isinstance(value, str)}
    out.update({name: catalog[key] for name, key in ALIASES.items()})
    out["n_links"] = lambda n: tr(lang, "team.n_links", n)
    return out


#: The words of the team's pages by language: the catalogs' ``team.*`` strings (``catalog/team_fr.py``,
#: ``team_en.py``) and the site's own strings under the names of :data:`ALIASES`; ``n_links(n)`` a plural.
TEXT: dict[str, dict] = {lang: _text(lang) for lang in ("fr", "en")}
