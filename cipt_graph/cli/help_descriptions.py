"""The long descriptions of `cipt --help` and `cipt COMMAND --help` in French, by command.

Keyed by the parser's ``prog`` (``"cipt"``, ``"cipt load"``…); the English text is the
command's docstring (:mod:`cipt_graph.cli.help_text` says how they are used).
"""

from __future__ import annotations

DESCRIPTIONS_FR: dict[str, str] = {
    "cipt": """\
cipt-graph : le graphe de compétences du Master 2 CIPT (les modules et leurs heures, les blocs et
compétences RNCP, les activités professionnelles, les métiers visés), en ligne de commande.

Usages courants :
  cipt stats                              chiffres clés de la formation
  cipt query coverage_matrix              quel module couvre quelle compétence, à quel niveau
  cipt audit --out audit.html             le rapport d'audit pour l'accréditation
  cipt init ws && cipt export-matrix --data ws --out matrice.xlsx
                                          modifier la couverture dans un tableur, puis
  cipt import-matrix matrice.xlsx --data ws
  cipt serve                              les vues web et le point d'accès SPARQL sur http://127.0.0.1:8000/

Statut de sortie : 0 tout va bien, 1 constats (validation, audit), 2 erreur (saisie incorrecte,
requête inconnue…), 141 sortie coupée (son lecteur s'est arrêté avant la fin, comme le fait `| head`).
""",
    "cipt load": """\
Remplit un entrepôt persistant depuis l'espace de travail, une fois : les commandes suivantes et
`cipt serve` l'utilisent tel quel.

--store CHEMIN : un entrepôt Oxigraph sur disque, chargé en bloc dans une nouvelle version qui
remplace l'ancienne d'un coup (les lecteurs continuent de lire ; un chargement raté laisse
l'entrepôt tel qu'il était).
--store URL : un serveur SPARQL 1.1 ; chaque graphe de l'espace de travail y est remplacé par le
Graph Store Protocol (--gsp-url) ou par SPARQL Update (--update-url) ; ses autres graphes restent.""",
    "cipt validate": """\
Vérifie les données avec les formes SHACL (structure et règles d'accréditation).

Quand les données contiennent plusieurs formations, chaque constat nomme celles qu'il concerne ;
--programme vérifie la seule part de cette formation (ses ressources, un pas au-delà : la part que
vérifie son audit) et garde ses constats et ceux qui ne concernent aucune formation ; une
compétence d'une certification partagée qu'aucun de ses modules ne couvre y est signalée.""",
    "cipt audit": """\
Rapport d'audit pour l'accréditation (HTML, Markdown ou JSON) : chaque chiffre cite sa requête nommée.

Exécute toutes les requêtes nommées marquées `check` et toutes les formes SHACL. Statut de
sortie : 0 sans violation (les avertissements sont permis), 1 s'il y a des violations, 2 en cas
d'erreur.""",
    "cipt export-matrix": """\
Exporte la couverture en matrice modules × compétences (XLSX à modifier, ou CSV).

Le classeur XLSX contient la matrice (les blocs au-dessus de leurs compétences, les modules par
période, une liste déroulante de niveaux dans chaque case), une feuille Justifications (heures,
statut, auteur, date et justification de chaque lien), l'échelle des niveaux et le mode d'emploi
en français. Modifiez-le, puis `cipt import-matrix`, ou déposez-le sur la page /edit/upload du
site (nommée avec son adresse quand CIPT_BASE_URL est donnée). Quand l'espace de travail contient
plusieurs formations, la matrice est celle d'une formation (--programme).""",
    "cipt import-matrix": """\
Vérifie un classeur de matrice modifié (XLSX) et l'applique à la couverture de l'espace de travail.

Chaque case est vérifiée (module ou compétence inconnus, niveau hors de l'échelle, en-têtes
fusionnés ou déplacés, feuille manquante, justification manquante) ; toutes les erreurs sont
listées avec leur feuille et leur case, et rien n'est appliqué tant que tout le fichier n'est pas
valide (statut 2). Les liens inchangés restent tels quels ; les liens nouveaux ou modifiés
reçoivent --author (sinon $USER) et la date du jour. Chaque import accepté est enregistré comme une
version (voir `cipt versions`). Quand l'espace de travail contient plusieurs formations, seules
les lignes de la formation du classeur changent (celle pour laquelle il a été exporté, ou
--programme).""",
    "cipt diff": """\
Compare deux versions (identifiants comme v2, `latest`, ou `current` pour les fichiers actuels).

Montre les liens ajoutés, supprimés et modifiés (niveau, heures, statut ou justification), et
l'effet sur la couverture de chaque bloc : compétences couvertes, heures (règle de la requête
`hours_per_block`) et modules, avant et après. --programme se limite à une formation ; sans lui,
avec plusieurs formations, chaque lien et chaque bloc nomme sa formation.""",
    "cipt import-rncp": """\
Importe l'export RNCP de France Compétences (XML V4.1 .xml/.zip, ou zip de CSV) dans l'espace de travail.

Chaque fiche (certification : numéro, intitulé, niveau, statut, dates, certificateurs ; blocs avec
leur code officiel, leur libellé, la liste brute et découpée des compétences et les modalités
d'évaluation ; codes ROME et NSF) est écrite dans rncp/<numéro>.ttl de l'espace de travail ; un
export plus récent la met à jour sur place. Tout le fichier est vérifié d'abord : un fichier mal
formé (fichier, ligne et quoi) n'écrit rien (statut 2). Quand la certification de la formation
(RNCP38175) est importée, ses blocs sont rapprochés de ceux de la plaquette par leur libellé
(rncp/reconciliation.ttl) et le compte rendu liste ce qui correspond, ce qui ne correspond pas et
les compétences formulées autrement. Chaque import est enregistré comme une version.""",
    "cipt export-case": """\
Écrit le référentiel de la certification en paquet 1EdTech CASE 1.0 (JSON).

Un CFPackage : le CFDocument (la certification RNCP), un CFItem par bloc et par compétence (code,
texte français, texte anglais en alternativeLabel — l'inverse avec --lang en), des CFAssociations
isChildOf (hiérarchie), exactMatchOf (blocs RNCP officiels, une fois la fiche importée) et
isRelatedTo (compétence → module, groupées par niveau de couverture). Les identifiants sont des
UUID dérivés des IRI : les mêmes à chaque export. OpenSALT, CASE Network et les plateformes qui
lisent CASE l'importent ; `cipt serve` répond aussi à l'API REST CASE sur /ims/case/v1p0/.""",
    "cipt export-moodle": """\
Écrit le référentiel en référentiel de compétences Moodle, au format CSV (tool_lpimportcsv).

Un référentiel (numéro d'identification = le numéro RNCP, l'échelle de couverture Sensibilisation,
Approfondissement, Maîtrise, avec Maîtrise comme valeur par défaut et valeur de maîtrise), les blocs
au premier niveau et leurs compétences en dessous (numéros d'identification = les codes officiels
une fois la fiche importée, sinon RNCP38175-BC01, RNCP38175-BC01-C1) ; descriptions en français et
en anglais (les balises multilingues de Moodle). Import dans Moodle : Administration du site ›
Compétences › Importer un référentiel de compétences.""",
    "cipt export-elm": """\
Écrit le diplôme en JSON-LD Europass / European Learning Model (ELM 3).

Le diplôme (certification RNCP, niveau CEC 7, niveau national 7, CITE-F 0312) avec ses
compétences comme acquis d'apprentissage, ses blocs comme qualifications partielles et son volume
de formation déclaré (PT487H).""",
    "cipt viz": """\
Écrit les vues de la couverture en fichiers HTML autonomes, lisibles depuis le disque, sans serveur
ni réseau.

DOSSIER reçoit index.html (tableau de bord), graph.html (réseau), matrix.html (matrice), jobs.html
(préparation aux métiers), matrix.csv et matrix.xlsx ; les liens entre eux sont relatifs, les liens
vers les ressources pointent vers leurs IRI. Les fichiers sont écrits en entier ou pas du tout.""",
    "cipt serve": """\
Sert le graphe en HTTP : point d'accès SPARQL 1.1 (/sparql), requêtes nommées et API JSON
(/api/...), pages des ressources (/id/...), documentation OpenAPI (/docs). Écoute sur 127.0.0.1
par défaut.

Les limites viennent des options, sinon de CIPT_QUERY_TIMEOUT, CIPT_MAX_ROWS,
CIPT_TRUNCATE_RESULTS, CIPT_MAX_BODY_BYTES, CIPT_MAX_QUERY_LENGTH, CIPT_MAX_RUNNING_QUERIES,
CIPT_MAX_SPARQL_RUNNING, CIPT_MAX_CLIENT_QUERIES, CIPT_MAX_QUERY_MEMORY, CIPT_CACHE_BYTES,
CIPT_MEMORY_COPY_BYTES, CIPT_BASE_URL et CIPT_CORS_ORIGINS (séparées par des virgules), sinon des valeurs par défaut.
Chaque requête s'exécute dans un processus à part, arrêté à la limite de temps ou de mémoire.

Un port déjà occupé l'arrête avec le statut 2. SIGTERM ou Ctrl-C l'arrêtent en moins de 5 s.

Qui peut modifier quoi :
  - tout le monde lit (pages, SPARQL, API), sans se connecter ;
  - avec --data DOSSIER sur un espace de travail qui a des comptes (`cipt users add`), on se
    connecte sur /login (« Se connecter » dans l'en-tête) ; les éditeurs modifient alors la
    couverture (cases de la matrice, classeurs) et les validateurs valident les liens, depuis le
    navigateur : ni option ni jeton à donner (formulaires protégés contre la falsification,
    essais de connexion limités) ;
  - --allow-writes (ou CIPT_ALLOW_WRITES=1) accepte en plus les imports envoyés par d'autres
    systèmes (POST /api/imports/matrix, /api/imports/rncp) avec `Authorization: Bearer
    $CIPT_WRITE_TOKEN` (le jeton n'est lu que dans l'environnement) ;
  - --read-only (ou CIPT_READ_ONLY=1) sert en lecture seule stricte : pas de connexion, aucune
    modification, rien d'écrit dans l'espace de travail. Les données livrées (sans --data) sont
    toujours en lecture seule.

Les données sont lues et vérifiées avant le démarrage du serveur : un fichier mal formé ou écrit à
moitié l'arrête avec le statut 2 et un message qui nomme le fichier et la ligne.""",
    "cipt users": """\
Gère qui peut se connecter à `cipt serve` pour modifier ou valider la couverture.

Rôles : reader (lecteur : lit, comme les visiteurs anonymes), editor (éditeur : modifie la
couverture, cases et classeurs), validator (validateur : valide ou rejette aussi les liens
proposés). Les comptes sont gardés dans le fichier accounts.json de l'espace de travail (mots de
passe hachés avec Argon2id, fichier lisible par son seul propriétaire).
Dès qu'un espace de travail a des comptes, `cipt serve --data DOSSIER` propose de se connecter
(voir `cipt serve --help`).

  cipt users add marie --role validator --data ws      demande deux fois le mot de passe
  echo "$PASSWORD" | cipt users add paul --role editor --password-stdin --data ws
  cipt users list --data ws
  cipt users --data ws remove paul                      (--data et --lang avant ou après ACTION)""",
    "cipt users add": """\
Crée un compte (ou le réinitialise avec --replace) ; demande deux fois le mot de passe.

  cipt users add marie --role validator --name "Marie Dupont" --data ws
  echo "$PASSWORD" | cipt users add paul --role editor --password-stdin --data ws""",
}
