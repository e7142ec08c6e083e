"""The embedded Oxigraph store: in memory, or on disk as immutable versions switched atomically.

On-disk layout (a folder given with ``--store PATH``)::

    PATH/
      active -> v-20260101T120000-1234-ab12cd   symbolic link to the version readers use
      v-20260101T120000-1234-ab12cd/            an Oxigraph (RocksDB) database, never written again
      .lock                                     held by a writer while it prepares a new version

Readers open the active version read-only, so any number of processes (``cipt serve`` workers,
commands) read it at once, in milliseconds whatever its size. A writer never touches the active
version: it prepares a new one (a bulk load, or a hard-link checkpoint of the active one then the
change), then switches the link in one atomic rename. A failed write leaves the store as it was; a
reader notices a new version within a second and reopens. The previous version is kept so
that a reader in the middle of a query while the link switches can finish it.

A folder holding a plain Oxigraph database (made by ``oxigraph load --location DIR``) is read
as is, never written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from ..errors import QueryError, StoreError, os_reason
from ..sparqlscan import names_dataset
from ..syntax_errors import describe as describe_syntax_error
from .binding import bind_values

ACTIVE = "active"
LOCK = ".lock"
VERSION_PREFIX = "v-"
#: How often (seconds) a reader checks whether a writer switched to a new version.
REFRESH_SECONDS = 1.0

try:  # POSIX advisory locks; elsewhere writers are not serialised between processes.
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _active_name(root: Path) -> str | None:
    try:
        return os.readlink(root / ACTIVE)
    except OSError:
        return None


def _is_plain_database(root: Path) -> bool:
    return (root / "CURRENT").is_file() and not (root / ACTIVE).is_symlink()


class OxigraphStore:
    """The embedded store: pyoxigraph in memory, or on disk when given a folder.

    Queries see the union of all named graphs as their default graph, unless the caller
    names the graphs (as the SPARQL protocol's ``default-graph-uri`` does) or the query has
    its own ``FROM`` clauses.

    Args:
        path: a folder for an on-disk store (created on first write); ``None`` for memory.
        read_only: refuse writes (readers of an on-disk store never lock it either way).

    Raises:
        StoreError: the folder holds something that is not a store, or cannot be opened.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._version: str | None = None
        self._checked = 0.0
        if self.path is None:
            self._store = ox.Store()
        else:
            self._check_folder()
            self._store = self._open_reader()

    # --- opening -----------------------------------------------------------------------------

    def _check_folder(self) -> None:
        root = self.path
        assert root is not None
        if root.exists() and not root.is_dir():
            raise StoreError("not a folder: --store names a folder for an on-disk store", where=str(root),
                             fr="ce n'est pas un dossier : --store nomme le dossier d'un entrepôt sur disque")
        if root.is_dir() and not _is_plain_database(root) and _active_name(root) is None:
            strangers = [p.name for p in root.iterdir() if p.name != LOCK and not p.name.startswith(VERSION_PREFIX)]
            if strangers:
                raise StoreError(
                    f"the folder is not an Oxigraph store (it holds {', '.join(sorted(strangers)[:3])}…)",
                    where=str(root),
                    fr=f"le dossier n'est pas un entrepôt Oxigraph (il contient {', '.join(sorted(strangers)[:3])}…)",
                )

    def _open_reader(self) -> ox.Store:
        """A read-only handle on the active version (an empty store when there is none yet)."""
        root = self.path
        assert root is not None
        self._checked = time.monotonic()
        try:
            if _is_plain_database(root):
                self._version = "."
                return ox.Store.read_only(str(root))
            name = _active_name(root)
            self._version = name
            if name is None:
                return ox.Store()
            return ox.Store.read_only(str(root / name))
        except (OSError, RuntimeError) as exc:  # RocksDB reports a damaged database as RuntimeError (issue #8)
            raise StoreError(f"cannot open the store (damaged or incomplete?): {exc}", where=str(root),
                             fr=f"impossible d'ouvrir l'entrepôt (endommagé ou incomplet ?) : {exc}") from exc

    def _current(self) -> ox.Store:
        """The handle to read from, reopened when a writer switched to a new version."""
        if self.path is not None and self._version != "." and time.monotonic() - self._checked > REFRESH_SECONDS:
            self._checked = time.monotonic()
            if _active_name(self.path) != self._version:
                self._store = self._open_reader()
        return self._store

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for callers on the fast path."""
        return self._current()

    @property
    def version(self) -> str | None:
        """The on-disk version being read (``None`` in memory or before the first load)."""
        return self._version

    # --- reading -----------------------------------------------------------------------------

    def raw_query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None):
        kwargs: dict = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        elif not names_dataset(sparql):
            # Oxigraph's union flag would override the query's own FROM clauses.
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            if any(isinstance(v, ox.BlankNode) for v in substitutions.values()):
                kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
            else:
                # An inline VALUES block, as for a remote store: the same semantics for a named
                # query's (projected) parameters, and Oxigraph's optimiser starts from the bound
                # values, where its substitutions filter late (100× slower at university scale).
                sparql = bind_values(sparql, substitutions)
        try:
            return self._current().query(sparql, **kwargs)
        except SyntaxError as exc:
            en, fr = describe_syntax_error(str(exc), sparql)
            raise QueryError(en, fr=fr, en=en) from exc
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}", fr=f"échec de la lecture de l'entrepôt : {exc}") from exc
        except (RuntimeError, ValueError) as exc:
            raise QueryError(f"query failed: {exc}", fr=f"échec de la requête : {exc}") from exc

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        store = self._current()
        if fmt.supports_datasets:
            return store.dump(format=fmt)
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
        return ox.serialize(sorted(triples, key=str), format=fmt) or b""

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._current().named_graphs() if isinstance(g, ox.NamedNode))

    def is_empty(self) -> bool:
        """True when the store holds no quad (a single index lookup, unlike ``len``)."""
        return next(iter(self._current().quads_for_pattern(None, None, None, None)), None) is None

    def __len__(self) -> int:
        return len(self._current())

    # --- writing -----------------------------------------------------------------------------

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        """Replace the named graphs given (IRI → N-Triples) in one step: all or nothing."""
        for iri, data in graphs.items():  # parse first: bad data never reaches a store
            try:
                for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
                    pass
            except SyntaxError as exc:
                raise StoreError(f"invalid N-Triples for graph <{iri}>: {exc}",
                                 fr=f"N-Triples invalides pour le graphe <{iri}> : {exc}") from exc

        def change(store: ox.Store, _previous: Path | None = None) -> None:
            for iri in graphs:
                if store.contains_named_graph(ox.NamedNode(iri)):
                    store.remove_graph(ox.NamedNode(iri))
            for iri, data in graphs.items():
                store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))

        if self.path is None:
            self._replace_in_memory(set(graphs), lambda fresh: change(fresh))
        else:
            self._write_version(change, from_active=True)

    def load_dataset(self, dataset: ox.Store, *, keep_other_graphs: bool = False) -> None:
        """Make this store hold ``dataset`` (an in-memory pyoxigraph store), all or nothing.

        Args:
            dataset: the quads to load, in named graphs.
            keep_other_graphs: keep the graphs of this store that ``dataset`` does not hold
                (by default the store becomes exactly ``dataset``).
        """
        replaced = {g.value for g in dataset.named_graphs() if isinstance(g, ox.NamedNode)}
        if self.path is None:
            if keep_other_graphs:
                self._replace_in_memory(replaced, lambda fresh: fresh.extend(dataset))
            else:
                self._store = dataset
            return

        def fill(store: ox.Store, previous: Path | None) -> None:
            if keep_other_graphs and previous is not None:
                old = ox.Store.read_only(str(previous))
                store.bulk_extend(
                    q for q in old if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in replaced)
                )
            store.bulk_extend(dataset)

        self._write_version(fill, from_active=False)

    def _replace_in_memory(self, replaced: set[str], add: Callable[[ox.Store], None]) -> None:
        # Build a fresh store and swap it in: readers never see a half-load.
        fresh = ox.Store()
        fresh.extend(
            q for q in self._store if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in replaced)
        )
        add(fresh)
        self._store = fresh

    def _write_version(self, change: Callable[[ox.Store, Path | None], None], *, from_active: bool) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only", where=str(self.path),
                             fr="l'entrepôt est ouvert en lecture seule")
        root = self.path
        assert root is not None
        if _is_plain_database(root):
            raise StoreError(
                "this folder is a plain Oxigraph database made by another tool: cipt reads it but does not "
                "write to it (load into a new folder with `cipt load --store NEWDIR`)",
                where=str(root),
                fr="ce dossier est une base Oxigraph créée par un autre outil : cipt la lit mais n'y écrit pas "
                   "(chargez dans un nouveau dossier avec `cipt load --store NOUVEAU_DOSSIER`)",
            )
        try:
            root.mkdir(parents=True, exist_ok=True)
            with _locked(root / LOCK):
                for stale in root.glob(f"{VERSION_PREFIX}*.tmp"):  # left by a writer that died
                    shutil.rmtree(stale, ignore_errors=True)
                previous = _active_name(root)
                name = f"{VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
                staging = root / f"{name}.tmp"
                try:
                    if from_active and previous is not None:
                        ox.Store.read_only(str(root / previous)).backup(str(staging))
                    target = ox.Store(str(staging))
                    change(target, root / previous if previous is not None else None)
                    target.flush()
                    del target  # closes the database before it is published
                    staging.rename(root / name)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
                link = root / f".{ACTIVE}-{uuid.uuid4().hex}"
                os.symlink(name, link)
                os.replace(link, root / ACTIVE)
                for old in root.glob(f"{VERSION_PREFIX}*"):
                    if old.name not in (name, previous) and not old.name.endswith(".tmp"):
                        shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise StoreError(f"store write failed: {exc}", where=str(root),
                             fr=f"échec de l'écriture dans l'entrepôt : {os_reason(exc, 'fr')}",
                             en=f"store write failed: {os_reason(exc, 'en')}") from exc
        self._store = self._open_reader()
