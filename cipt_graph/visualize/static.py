"""The views' own files: style sheets and scripts, served at ``/static/views/{name}`` by
``cipt serve`` and inlined into the files ``cipt viz`` writes.

Pages served over HTTP reference these files instead of carrying inline ``<style>`` and
``<script>`` elements, so that their Content-Security-Policy (``cipt_graph.api.security``) can
allow only the site's own scripts and styles.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

#: Media type of each kind of file.
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _package_asset(name: str) -> str:
    return (resources.files("cipt_graph.visualize") / "assets" / name).read_text(encoding="utf-8")


def _sources() -> dict:
    # Imported here: the page modules import ``page``, which imports this module lazily.
    from . import dashboard, jobs, network, overview, page

    return {
        "page.css": lambda: page.CSS,
        "dashboard.css": lambda: dashboard.DASHBOARD_CSS,
        "matrix.css": lambda: _package_asset("matrix.css"),
        "jobs.css": lambda: jobs.JOBS_CSS,
        "overview.css": lambda: overview.OVERVIEW_CSS,
        "network.css": lambda: _package_asset("network.css") + network.legend_css(),
        **{name: (lambda name=name: _package_asset(name)) for name in network.NETWORK_SCRIPTS},
        "vis-network.css": lambda: network.vis_asset("vis-network.css"),
        "vis-network.min.js": lambda: network.vis_asset("vis-network.min.js"),
    }


def asset_names() -> list[str]:
    """The names of every file (``page.css``, ``network.js``…)."""
    return sorted(_sources())


@lru_cache(maxsize=16)
def asset_text(name: str) -> str:
    """The text of one file.

    Raises:
        KeyError: no such file.
    """
    return _sources()[name]()


@lru_cache(maxsize=1)
def favicon_bytes() -> bytes:
    """The site's icon (an ICO of 16 and 32 px: a small graph on the header's blue), which the
    service answers at ``/favicon.ico`` and the files of ``cipt viz`` carry as a ``data:`` URI."""
    return (resources.files("cipt_graph.visualize") / "assets" / "favicon.ico").read_bytes()


def asset_media_type(name: str) -> str:
    """The ``Content-Type`` of one file, from its extension."""
    return MEDIA_TYPES["." + name.rsplit(".", 1)[-1]]
