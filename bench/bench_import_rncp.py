"""Benchmark of `cipt import-rncp` on a national-size generated XML export (issue #6).

    python bench/bench_import_rncp.py [--fiches 30000] [--small 1000] [--zip] [--out bench/results/import_rncp.md]
    python bench/bench_import_rncp.py --command-only --sizes 1000,10000,30000   # the command only (issue #16)

Generates, in a temporary folder, an export in the XML V4.1 format with ``--fiches`` fiches
(about 55,000 blocks for 30,000 fiches, competency lists in every style, the long free-text
elements a real fiche has, ``CORRESPONDANCES`` to skip), imports it into a fresh workspace with
the command itself, ``cipt import-rncp FILE --data WS`` (the version recorded, as always), in a
child process, and records wall time and the child's peak resident memory (``ru_maxrss``); the
same for the import alone (``import_rncp(record=False)``) to show what the version costs.
A small export (``--small`` fiches) is imported the same way: that the two peaks are close
shows that memory does not grow with the file (streaming). Results go to ``--out`` (Markdown).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]

WORDS = ("analyser concevoir piloter évaluer conduire mobiliser communiquer organiser gérer identifier "
         "élaborer mettre en œuvre une stratégie de communication territoriale publique les acteurs du "
         "territoire projet équipe données enjeux politiques publiques dispositif outils numériques "
         "démarche qualité réglementation partenaires élus collectivité usagers budget risques").split()
STYLES = ("- {}", "* {}", "o {}", "C.{n}. {}", "{n}.1 {}", "A1C{n}. {}", "{}")


def sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    # Soft wraps (2–3 spaces) inside an item, as in the real exports.
    if len(words) > 10 and rng.random() < 0.4:
        words[rng.randint(3, len(words) - 3)] += " " * rng.randint(1, 2)
    return " ".join(words).capitalize()


def competency_list(rng: random.Random, items: int) -> str:
    style = rng.choice(STYLES)
    parts = [style.format(sentence(rng), n=i + 1) for i in range(items)]
    return "".join(p + " " * rng.randint(4, 10) for p in parts[:-1]) + parts[-1]


def fiche_xml(rng: random.Random, number: int, blocks: int) -> str:
    code = f"RNCP{number}"
    block_xml = "".join(
        f"<BLOC_COMPETENCES><CODE>{code}BC{b + 1:02d}</CODE><LIBELLE>{escape(sentence(rng, 4, 9))}</LIBELLE>"
        f"<LISTE_COMPETENCES>{escape(competency_list(rng, rng.randint(2, 8)))}</LISTE_COMPETENCES>"
        f"<MODALITES_EVALUATION>{escape(sentence(rng, 10, 30))}</MODALITES_EVALUATION></BLOC_COMPETENCES>"
        for b in range(blocks))
    long_text = lambda n: escape("    ".join(sentence(rng) for _ in range(n)))  # noqa: E731
    parts = [
        f"<NUMERO_FICHE>{code}</NUMERO_FICHE>",
        f"<INTITULE>{escape(sentence(rng, 3, 8))}</INTITULE>",
        "<ETAT_FICHE>Publiée</ETAT_FICHE>",
        f"<NOMENCLATURE_EUROPE><NIVEAU>NIV{rng.randint(3, 8)}</NIVEAU><LIBELLE>Niveau</LIBELLE></NOMENCLATURE_EUROPE>",
        f"<CODES_NSF><NSF><CODE>{rng.randint(100, 399)}</CODE><LIBELLE>Spécialité</LIBELLE></NSF></CODES_NSF>",
        "<CERTIFICATEURS><CERTIFICATEUR><SIRET_CERTIFICATEUR>1100440130004"
        f"{rng.randint(0, 9)}</SIRET_CERTIFICATEUR><NOM_CERTIFICATEUR>CERTIFICATEUR</NOM_CERTIFICATEUR>"
        "</CERTIFICATEUR></CERTIFICATEURS>",
        f"<ACTIVITES_VISEES>{long_text(8)}</ACTIVITES_VISEES>",
        f"<CAPACITES_ATTESTEES>{long_text(15)}</CAPACITES_ATTESTEES>",
        f"<SECTEURS_ACTIVITE>{long_text(4)}</SECTEURS_ACTIVITE>",
        "<CODES_ROME>" + "".join(f"<ROME><CODE>{rng.choice('ABCDEFGHIJKLMN')}{rng.randint(1101, 1999)}</CODE>"
                                 "<LIBELLE>Métier</LIBELLE></ROME>" for _ in range(rng.randint(1, 4))) + "</CODES_ROME>",
        "<SI_JURY_FI><ACTIF>Oui</ACTIF><COMPOSITION>Enseignants et professionnels</COMPOSITION></SI_JURY_FI>",
        f"<ACTIF>{rng.choice(('Oui', 'Non'))}</ACTIF>",
        f"<DATE_DE_PUBLICATION>{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2024)}</DATE_DE_PUBLICATION>",
        f"<DATE_FIN_ENREGISTREMENT>31/12/{rng.randint(2024, 2030)}</DATE_FIN_ENREGISTREMENT>",
        "<TYPE_ENREGISTREMENT>Enregistrement de droit</TYPE_ENREGISTREMENT>",
        f"<BLOCS_COMPETENCES>{block_xml}</BLOCS_COMPETENCES>",
        f"<OBJECTIFS_CONTEXTE>{long_text(10)}</OBJECTIFS_CONTEXTE>",
    ]
    if rng.random() < 0.2:
        parts.append(f"<CORRESPONDANCES><CORRESPONDANCE><NUMERO_FICHE>RNCP{number - 1}</NUMERO_FICHE>"
                     f"<BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP{number - 1}BC01</CODE></BLOC_COMPETENCES>"
                     "</BLOCS_COMPETENCES></CORRESPONDANCE></CORRESPONDANCES>")
    rng.shuffle(parts)  # child order inside FICHE is not stable
    return "<FICHE>" + "".join(parts) + "</FICHE>\n"


def generate(path: Path, fiches: int, seed: int = 6) -> tuple[int, int]:
    """Write an export of ``fiches`` fiches; returns (fiches, blocks)."""
    rng = random.Random(seed)
    blocks_total = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<FICHES>\n<VERSION_FLUX>4.1</VERSION_FLUX>\n')
        for i in range(fiches):
            # 0–4 blocks, 1.83 on average: 30,000 fiches → about 55,000 blocks, as in the national file.
            blocks = rng.choices((0, 1, 2, 3, 4), weights=(20, 20, 25, 20, 15))[0]
            blocks_total += blocks
            out.write(fiche_xml(rng, 40000 + i, blocks))
        out.write("</FICHES>\n")
    return fiches, blocks_total


CHILD = """
import json, sys, time
from cipt_graph.importers import import_rncp
from cipt_graph.paths import init_workspace
workspace = init_workspace(sys.argv[2])
started = time.perf_counter()
report = import_rncp(sys.argv[1], workspace, record=False)
out = {"seconds": time.perf_counter() - started, "fiches": len(report.fiches),
       "blocks": report.blocks, "competencies": report.competencies}
if sys.argv[3] == "followups":
    from cipt_graph.load import workspace_dataset
    from cipt_graph.versions import record_version
    started = time.perf_counter()
    out["quads"] = len(workspace_dataset(workspace))
    out["load_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    record_version(workspace, kind="rncp-import", source=sys.argv[1])
    out["version_seconds"] = time.perf_counter() - started
print(json.dumps(out))
"""


def measure_command(export: Path, workspace: Path) -> dict:
    """`cipt import-rncp` (version included) in a child process: its wall time and peak RSS."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "cipt_graph.cli", "init", str(workspace)], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cipt_graph.cli", "import-rncp", str(export), "--data",
                           str(workspace), "--format", "json", "--author", "bench"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(done.stdout)
    versions = json.loads((workspace / "versions" / "index.json").read_text(encoding="utf-8"))["versions"]
    packs = workspace / "versions" / "packs"
    return {"wall": wall, "cpu": cpu, "peak_mib": peak_kib / 1024, "size_mib": export.stat().st_size / 2**20,
            "version_files": sum(1 for p in (workspace / "versions").rglob("*") if p.is_file()),
            "packs_mib": sum(p.stat().st_size for p in packs.glob("*.pack")) / 2**20 if packs.is_dir() else 0.0,
            "versions": [v["id"] for v in versions], "version_triples": versions[-1]["counts"].get("triples"),
            "report_keys": sorted(report)[:6]}


def measure(export: Path, workspace: Path, followups: bool) -> dict:
    """Import in a child process; its wall time and peak RSS (the child is the only one waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(export), str(workspace),
                           "followups" if followups else "-"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    import json

    result = json.loads(done.stdout)
    result.update(wall=wall, peak_mib=peak_kib / 1024, peak_is_max_so_far=peak_kib == before,
                  size_mib=export.stat().st_size / 2**20)
    return result


def command_only(args: argparse.Namespace) -> None:
    """`cipt import-rncp` at each size, smallest first (``ru_maxrss`` of children is a running maximum)."""
    sizes = sorted(int(n) for n in (args.sizes or f"{args.small},{args.fiches}").split(","))
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-rncp-") as tmp:
        for n in sizes:
            export = Path(tmp) / f"export_fiches_RNCP_V4_1_{n}.xml"
            generate(export, n)
            if args.zip:
                archive = export.with_suffix(".zip")
                with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                    z.write(export, export.name)
                export.unlink()
                export = archive
            rows[n] = measure_command(export, Path(tmp) / f"cmd-{n}")
            rows[n]["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
            print(f"cipt import-rncp {n} fiches: {rows[n]['wall']:.1f} s wall, {rows[n]['cpu']:.1f} s CPU, "
                  f"peak {rows[n]['peak_mib']:.0f} MiB ({rows[n]['uptime']})", file=sys.stderr)
            export.unlink()
            import shutil

            shutil.rmtree(Path(tmp) / f"cmd-{n}", ignore_errors=True)
    lines = ["| fiches | export (MiB) | wall (s) | CPU user+sys (s) | peak RSS (MiB) | versions | triples in the version "
             "| files in versions/ | packs (MiB) | met (≤ 120 s, ≤ 150 MiB) | `uptime` after |",
             "|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|"]
    for n, c in rows.items():
        met = c["wall"] <= 120 and c["peak_mib"] <= 150
        lines.append(f"| {n:,} | {c['size_mib']:.0f} | {c['wall']:.1f} | {c['cpu']:.1f} | {c['peak_mib']:.0f} | "
                     f"{', '.join(c['versions'])} | {c['version_triples']:,} | {c['version_files']} | "
                     f"{c['packs_mib']:.1f} | {'yes' if met else '**no**'} | `{c['uptime']}` |")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fiches", type=int, default=30000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--zip", action="store_true", help="import the export zipped, as it is published")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "import_rncp.md"))
    parser.add_argument("--command-only", action="store_true",
                        help="measure only `cipt import-rncp` (version included) at each of --sizes")
    parser.add_argument("--sizes", default="", help="comma-separated fiche counts for --command-only "
                                                     "(default: --small,--fiches)")
    args = parser.parse_args()
    if args.command_only:
        command_only(args)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-rncp-") as tmp:
        # The small run goes first: ru_maxrss of children is a running maximum.
        exports = {}
        for n in (args.small, args.fiches):
            export = Path(tmp) / f"export_fiches_RNCP_V4_1_{n}.xml"
            fiches, blocks = generate(export, n)
            if args.zip:
                archive = export.with_suffix(".zip")
                with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                    z.write(export, export.name)
                export.unlink()
                export = archive
            exports[n] = export
            result = measure(export, Path(tmp) / f"ws-{n}", followups=False)
            assert result["fiches"] == fiches and result["blocks"] == blocks, result
            result["files"] = len(list((Path(tmp) / f"ws-{n}" / "rncp").glob("*.ttl")))
            rows.append(result)
            print(f"{n} fiches: {result['wall']:.1f} s, peak {result['peak_mib']:.0f} MiB", file=sys.stderr)
        # The command itself, version included (the running maximum of children's RSS: small first).
        commands = {n: measure_command(exports[n], Path(tmp) / f"cmd-{n}") for n in (args.small, args.fiches)}
        for n, c in commands.items():
            print(f"cipt import-rncp {n} fiches: {c['wall']:.1f} s, peak {c['peak_mib']:.0f} MiB", file=sys.stderr)
        # What follows an import (load the workspace, record a version), on the small export, last:
        # its memory would otherwise hide the imports' peaks.
        small = measure(exports[args.small], Path(tmp) / "ws-followups", followups=True)
    lines = [
        "# `cipt import-rncp` on a generated national-size export",
        "",
        f"Generated by `python bench/bench_import_rncp.py{' --zip' if args.zip else ''}` on "
        f"{time.strftime('%Y-%m-%d')} — Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared with other jobs: times are pessimistic). Each import runs in a "
        "child process into a fresh workspace (without recording a version); peak memory is the "
        "child's maximum resident set size (`ru_maxrss`).",
        "",
        "| fiches | blocks | competencies | export (MiB) | files written | import (s) | fiches/s | peak RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['fiches']:,} | {r['blocks']:,} | {r['competencies']:,} | {r['size_mib']:.0f} | "
                     f"{r['files']:,} | {r['seconds']:.1f} | {r['fiches'] / r['seconds']:,.0f} | {r['peak_mib']:.0f} |")
    lines += ["", "Peak memory is about the same for both sizes: the export is streamed (one fiche in memory at "
              "a time), so memory does not grow with the file.", ""]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    lines += ["## The command, version included (issue #16)", "",
              "`cipt import-rncp FILE --data WS --format json` in a child process, into a fresh workspace "
              "(`cipt init`): parse, write the fiches, reconcile, record the version (its snapshot: each "
              "`rncp/*.ttl` parsed by Oxigraph, one graph in memory at a time; the export's SHA-256 read "
              f"in 1 MiB pieces). Targets: ≤ 120 s and ≤ 150 MiB at 30,000 fiches. `uptime` after: `{load}`.", "",
              "| fiches | export (MiB) | wall (s) | peak RSS (MiB) | versions recorded | triples in the version | met |",
              "|---:|---:|---:|---:|---|---:|---|"]
    for n, c in commands.items():
        met = c["wall"] <= 120 and c["peak_mib"] <= 150
        lines.append(f"| {n:,} | {c['size_mib']:.0f} | {c['wall']:.1f} | {c['peak_mib']:.0f} | "
                     f"{', '.join(c['versions'])} | {c['version_triples']:,} | {'yes' if met else '**no**'} |")
    lines.append("")
    if "load_seconds" in small:
        lines += [
            f"After the import of {small['fiches']:,} fiches ({small['quads']:,} quads in the workspace's dataset):",
            "",
            "| step | seconds | per 1,000 fiches |",
            "|---|---:|---:|",
            f"| load the workspace (`cipt load`, the CLI's Oxigraph path) | {small['load_seconds']:.1f} | "
            f"{1000 * small['load_seconds'] / small['fiches']:.1f} |",
            f"| record the import as a version (`versions.record_version`) | "
            f"{small['version_seconds']:.1f} | {1000 * small['version_seconds'] / small['fiches']:.1f} |",
            "",
            "Both grow linearly with the number of fiches in the workspace (before issue #16 the version "
            "snapshot parsed every `rncp/*.ttl` with rdflib: 24.2 s per 1,000 fiches).",
            "",
        ]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
