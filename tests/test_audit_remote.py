"""The audit on a remote SPARQL server sends its queries several at once (issue #16): a server
such as Virtuoso 7.2 compiles each new query text first, so one after the other the audit took
24–28 s there. A real Oxigraph server behind a small forwarding proxy that counts the requests
in flight: the report is the same as the embedded store's, and the queries overlapped."""

from __future__ import annotations

import pytest

from remote_proxy import Proxy, proxied_oxigraph

from cipt_graph.audit.report import REMOTE_PARALLEL, build_audit_report
from cipt_graph.build import build_store
from cipt_graph.store import RemoteStore


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    with proxied_oxigraph(tmp_path_factory.mktemp("oxigraph-server")) as url:
        yield url


def _facts(report) -> dict:
    return {"identity": report.identity.rows, "hours": report.hours.rows, "mapping": report.mapping_status.rows,
            "blocks": [(b.block_code, b.hours, b.competencies, b.covered_competencies, b.modules) for b in report.blocks],
            "checks": sorted((c.source.name, c.severity, len(c.rows)) for c in report.checks),
            "inferred": report.data_status.rows, "split": report.hours_split.rows}


@pytest.mark.parametrize("programme", [None, "M2_CIPT"])
def test_the_remote_audit_sends_queries_at_once_and_says_what_the_embedded_one_says(proxied, programme):
    embedded = build_audit_report(build_store(), programme=programme)
    Proxy.most = Proxy.seen = 0
    remote = build_audit_report(RemoteStore(proxied), programme=programme)
    assert _facts(remote) == _facts(embedded)
    assert Proxy.seen >= 15  # every query of the report went through the proxy
    assert 2 <= Proxy.most <= REMOTE_PARALLEL + 1  # overlapping, and bounded (+1: a graph listing)
