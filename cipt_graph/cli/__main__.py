"""`python -m cipt_graph.cli`: the same as the `cipt` command."""

import sys

from . import main

sys.exit(main())
