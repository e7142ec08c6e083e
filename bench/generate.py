"""Generate synthetic workspaces at scale: a university (many programmes sharing certifications)
and the national RNCP referential, as the files `cipt load` / `cipt --data` read.

    python bench/generate.py university OUT [--programmes 300] [--seed 7]
    python bench/generate.py national OUT [--programmes 300] [--certifications 8000]

A workspace holds the shipped programme (``programme.ttl``, ``levels.ttl`` and its mapping rows)
plus ``university.ttl`` (the generated programmes, their modules and certifications) and, for
the national scale, ``referential.ttl`` (certifications × blocks × competencies). The mapping
CSVs get one row per generated coverage link, in the shipped format. Notations are unique
across the dataset (``RNCP40001-BC02-C3``, ``U001-M07``), as the mapping files require.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cipt_graph.paths import DATA_DIR  # noqa: E402

PREFIXES = """@base <https://w3id.org/cipt-graph/id/> .
@prefix cipt: <https://w3id.org/cipt-graph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

FIELDS = ["Science politique", "Droit public", "Économie appliquée", "Histoire", "Géographie",
          "Sociologie", "Philosophie", "Information et communication", "Gestion", "Management public",
          "Relations internationales", "Études européennes", "Urbanisme et aménagement", "Démographie",
          "Mathématiques appliquées", "Informatique", "Sciences de l'éducation", "Langues étrangères",
          "Arts plastiques", "Cinéma et audiovisuel", "Droit des affaires", "Finance", "Marketing",
          "Ressources humaines", "Environnement", "Psychologie"]
TRACKS = ["politiques publiques", "action territoriale", "expertise internationale", "recherche",
          "conseil et stratégie", "données et société", "métiers de l'enseignement", "patrimoine",
          "développement durable", "innovation numérique", "médiation culturelle", "santé publique"]
VERBS = ["Analyser", "Concevoir", "Piloter", "Évaluer", "Mettre en oeuvre", "Mobiliser", "Communiquer",
         "Conduire", "Produire", "Organiser", "Diagnostiquer", "Coordonner", "Rédiger", "Animer"]
OBJECTS = ["des politiques publiques", "un projet de recherche", "une stratégie de communication",
           "des données quantitatives", "un dispositif de concertation", "une veille documentaire",
           "des outils numériques avancés", "un budget de projet", "une équipe pluridisciplinaire",
           "une argumentation scientifique", "des sources juridiques", "un plan d'action territorial"]
CONTEXTS = ["dans un environnement complexe", "à l'échelle européenne", "en lien avec les acteurs du territoire",
            "dans le respect de la réglementation", "en langue étrangère", "au service des usagers",
            "dans un cadre interdisciplinaire", "en situation professionnelle"]
COURSE_WORDS = ["Séminaire", "Atelier", "Méthodes", "Introduction à", "Approfondissement :", "Projet tutoré :",
                "Conférences :", "Enquête de terrain :", "Analyse de", "Droit de", "Sociologie de", "Histoire de"]
COURSE_TOPICS = ["l'action publique", "la communication politique", "l'Union européenne", "la ville",
                 "l'environnement", "la statistique", "l'enquête qualitative", "la décentralisation",
                 "la cartographie", "la gestion de projet", "l'anglais professionnel", "l'éthique",
                 "la science des données", "les médias", "la participation citoyenne", "les organisations"]


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def competency_label(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CONTEXTS)}"


def write_certification(out, number: int, blocks: int, competencies: int, rng: random.Random) -> list[str]:
    """One certification with its blocks and competencies; returns the competency notations."""
    rncp = f"RNCP{number}"
    field = rng.choice(FIELDS)
    block_iris = [f"<block/{rncp}-BC{b:02d}>" for b in range(1, blocks + 1)]
    out.write(f"<certification/{rncp}>\n    a cipt:Certification ;\n"
              f'    skos:prefLabel "MASTER {_esc(field)} ({rncp})"@fr ;\n'
              f'    cipt:rncpNumber "{rncp}" ;\n    cipt:qualificationLevel {rng.choice((6, 7, 7))} ;\n'
              f'    cipt:registrationDate "20{rng.randint(19, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"^^xsd:date ;\n'
              f"    cipt:block {', '.join(block_iris)} ;\n"
              f"    skos:hasTopConcept {', '.join(block_iris)} ;\n"
              f"    cipt:dataStatus cipt:Official .\n\n")
    notations = []
    for b in range(1, blocks + 1):
        code = f"{rncp}-BC{b:02d}"
        out.write(f"<block/{code}>\n    a cipt:CompetencyBlock ;\n"
                  f'    skos:prefLabel "{_esc(competency_label(rng))}"@fr ;\n'
                  f'    skos:notation "{code}" ;\n    cipt:officialCode "{rncp}BC{b:02d}" ;\n'
                  f"    skos:inScheme <certification/{rncp}> ;\n    cipt:inCertification <certification/{rncp}> .\n\n")
        for c in range(1, competencies + 1):
            notation = f"{code}-C{c}"
            notations.append(notation)
            out.write(f"<competency/{notation}>\n    a cipt:Competency ;\n"
                      f'    skos:prefLabel "{_esc(competency_label(rng))}"@fr ;\n'
                      f'    skos:notation "{notation}" ;\n    skos:broader <block/{code}> ;\n'
                      f"    skos:inScheme <certification/{rncp}> .\n\n")
    return notations


def copy_shipped(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "mapping").mkdir(exist_ok=True)
    for name in ("programme.ttl", "levels.ttl"):
        shutil.copy2(DATA_DIR / name, out / name)
    for path in (DATA_DIR / "mapping").glob("*.csv"):
        shutil.copy2(path, out / "mapping" / path.name)


def generate_university(out: Path, programmes: int = 300, certifications: int | None = None,
                        seed: int = 7) -> dict[str, int]:
    """The shipped programme plus ``programmes`` generated ones sharing certifications."""
    rng = random.Random(seed)
    copy_shipped(out)
    certifications = certifications or max(1, programmes // 5)
    counts = {"programmes": programmes + 1, "certifications": certifications, "modules": 0, "links": 0}
    cert_competencies: dict[int, list[str]] = {}
    rows = []
    with open(out / "university.ttl", "w", encoding="utf-8") as ttl:
        ttl.write("# Generated by bench/generate.py: a university's programmes, modules and certifications.\n\n")
        ttl.write(PREFIXES + "\n")
        for i in range(certifications):
            number = 40001 + i
            cert_competencies[number] = write_certification(ttl, number, 6, rng.randint(4, 6), rng)
        for p in range(1, programmes + 1):
            number = 40001 + (p - 1) % certifications
            competencies = cert_competencies[number]
            n_modules = rng.randint(28, 38)
            code = f"U{p:03d}"
            modules = [f"{code}-M{m:02d}" for m in range(1, n_modules + 1)]
            hours = [rng.choice((12, 18, 20, 24, 30, 36)) for _ in modules]
            field, track = rng.choice(FIELDS), rng.choice(TRACKS)
            ttl.write(f"<programme/{code.lower()}>\n    a cipt:Programme ;\n"
                      f'    skos:prefLabel "Master {_esc(field)} - parcours {_esc(track)} ({code})"@fr ;\n'
                      f'    skos:notation "{code}" ;\n    dcterms:identifier "{code}" ;\n'
                      f"    cipt:certification <certification/RNCP{number}> ;\n"
                      f"    schema:educationalCredentialAwarded <certification/RNCP{number}> ;\n"
                      f"    cipt:declaredHours {sum(hours) + rng.choice((0, 0, 10, 30))} ;\n"
                      f"    schema:hasCourse {', '.join(f'<module/{m}>' for m in modules)} .\n\n")
            covered = set()
            for seq, (module, h) in enumerate(zip(modules, hours), start=1):
                period = 1 if seq <= n_modules // 2 else 2
                ttl.write(f"<module/{module}>\n    a cipt:Module ;\n"
                          f'    skos:prefLabel "{_esc(rng.choice(COURSE_WORDS))} {_esc(rng.choice(COURSE_TOPICS))}"@fr ;\n'
                          f'    skos:notation "{module}" ;\n    schema:courseCode "{module}" ;\n'
                          f'    cipt:hours {h} ;\n    schema:timeRequired "PT{h}H"^^xsd:duration ;\n'
                          f"    cipt:period <period/P{period}> ;\n    cipt:sequence {seq} .\n\n")
                if rng.random() < 0.04:  # a few modules cover nothing: the gap queries have rows
                    continue
                for comp in rng.sample(competencies, rng.randint(2, 5)):
                    covered.add(comp)
                    level = rng.choice("IIR" if period == 1 else "RMM")
                    stated = str(rng.choice((2, 4, 6))) if rng.random() < 0.1 else ""
                    rows.append(f"{module},{comp},{level},{stated},proposed,Générateur de bench,2026-01-15,"
                                f"Lien généré pour le banc d'essai.\n")
            counts["modules"] += n_modules
    with open(out / "mapping" / "module_competency.csv", "a", encoding="utf-8") as csv:
        csv.writelines(rows)
    counts["links"] = len(rows)
    return counts


def generate_national(out: Path, programmes: int = 300, certifications: int = 8000, seed: int = 7) -> dict[str, int]:
    """The university plus the national referential: ``certifications`` × 6 blocks × ~5 competencies."""
    counts = generate_university(out, programmes, seed=seed)
    rng = random.Random(seed + 1)
    competencies = 0
    with open(out / "referential.ttl", "w", encoding="utf-8") as ttl:
        ttl.write("# Generated by bench/generate.py: the national RNCP referential (active certifications).\n\n")
        ttl.write(PREFIXES + "\n")
        for i in range(certifications):
            competencies += len(write_certification(ttl, 60001 + i, 6,
                                                    rng.choice((4, 5, 5, 6)), rng))
    counts["referential_certifications"] = certifications
    counts["referential_competencies"] = competencies
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scale", choices=("university", "national"))
    parser.add_argument("out", type=Path, help="workspace folder to create (replaced if it exists)")
    parser.add_argument("--programmes", type=int, default=300)
    parser.add_argument("--certifications", type=int, default=8000, help="national referential size")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    started = time.perf_counter()
    if args.scale == "university":
        counts = generate_university(args.out, args.programmes, seed=args.seed)
    else:
        counts = generate_national(args.out, args.programmes, args.certifications, seed=args.seed)
    print(f"{args.scale} workspace in {args.out} ({time.perf_counter() - started:.1f} s): {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
