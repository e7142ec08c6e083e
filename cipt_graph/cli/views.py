"""`cipt viz`: the coverage views as standalone HTML files."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, CommandAdder, Once, open_data
from .messages import tr

def cmd_viz(args: argparse.Namespace) -> int:
    """Write the coverage views as standalone HTML files that open from disk, with no server and no network.

    DIR receives index.html (dashboard), graph.html (network), matrix.html (matrix), jobs.html
    (job readiness), matrix.csv and matrix.xlsx; links between them are relative, links to
    resources point to their IRIs. Files are written whole or not at all.
    """
    from ..queries import choose_programme
    from ..visualize import write_views

    store = open_data(args)
    # an unknown programme: exit 2 naming --programme (resolved here, not as a query parameter)
    chosen = choose_programme(store, args.programme, needed=False) if args.programme else None
    written = write_views(store, args.out, args.lang, programme=chosen.value if chosen is not None else None)
    print(tr(args.lang, "cli.viz.wrote", len(written), out=args.out, names=", ".join(p.name for p in written)))
    return EXIT_OK


def register(commands: CommandAdder) -> None:
    """Add `viz` to the `cipt` parser."""
    p = commands.add("viz", cmd_viz)
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the HTML files into (created if missing)")
    p.add_argument("--lang", choices=("fr", "en"), default=None,
                   help="language of the pages (default: the global --lang, else LC_ALL/LANG)")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="the programme the views are about (its code, such as M2_CIPT, or its IRI); "
                        "needed when the data holds several")
