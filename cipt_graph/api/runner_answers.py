"""The answers of :class:`~cipt_graph.api.runner.QueryRunner` when work does not end with its
value (issue #11): 503 past the time or memory limit, when the server stops or when a signal from
outside killed the work's process twice; 413 past the result's size; 500 only for a failure of the
service itself; 503 too when the system refuses a process for the work. Each in English and French, with ``Retry-After`` where retrying helps."""

from __future__ import annotations

from ..errors import CiptError
from ..i18n import number, typeset
from . import procs
from .errors import ApiError, log
from .procs import QueryTimeout


def _error(status: int, message: str, headers: dict[str, str] | None = None, *, fr: str) -> ApiError:
    """An :class:`ApiError` whose French is typeset (no-break spaces before « : ; ! ? »)."""
    return ApiError(status, message, headers, fr=typeset(fr, "fr"))


class RunnerAnswers:
    """The error answers of a runner (mixed into :class:`~cipt_graph.api.runner.QueryRunner`,
    whose ``timeout``, ``memory_bytes``, ``max_result_bytes``, ``stats`` and ``stopping`` they read)."""

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, round(self.timeout)))}

    def _timeout_error(self, seconds: float | None = None) -> ApiError:
        self.stats.timed_out += 1
        limit = seconds or self.timeout
        if self._remote_store():  # the time went waiting for the SPARQL server: say so (issue #16)
            return _error(503, f"the query ran past the time limit of {limit:g} s and was stopped: the store's "
                                 "SPARQL server did not answer in time (it is slow, stuck or overloaded: retry "
                                 "later), or the query is too heavy for it (narrow it)",
                          self._retry_after(),
                          fr=f"la requête a dépassé la limite de temps de {number(limit, 'fr')} s et a été arrêtée : "
                             "le serveur SPARQL de l'entrepôt n'a pas répondu à temps (il est lent, bloqué ou "
                             "surchargé ; réessayez plus tard), ou la requête est trop lourde pour lui (restreignez-la)")
        return _error(503, f"the query ran past the time limit of {limit:g} s and was stopped; "
                             "narrow it (a LIMIT, more selective patterns) or ask for a longer limit",
                        self._retry_after(),
                        fr=f"la requête a dépassé la limite de temps de {number(limit, 'fr')} s et a été arrêtée ; "
                           "restreignez-la (une clause LIMIT, des motifs plus sélectifs) ou demandez une limite plus longue")

    def _remote_store(self) -> bool:
        """Whether the served store is a remote SPARQL server (``--store URL``)."""
        store_of = getattr(self, "_store_of", None)
        if store_of is None:
            return False
        try:
            from ..stores.remote import RemoteStore

            return isinstance(store_of(), RemoteStore)
        except Exception:  # noqa: BLE001 — the message only; never fail an answer over it
            return False

    def _stopping_error(self) -> ApiError:
        return _error(503, "the server is stopping; try again shortly", self._retry_after(),
                        fr="le serveur s'arrête ; réessayez dans un instant")

    def _memory_error(self) -> ApiError:
        self.stats.out_of_memory += 1
        mib = self.memory_bytes // (1 << 20)
        return _error(503, f"the query needed more memory than this service's limit of {mib} MiB and was "
                             "stopped; narrow it",
                        self._retry_after(),
                        fr=f"la requête demandait plus de mémoire que la limite de ce service ({number(mib, 'fr')} Mio) "
                           "et a été arrêtée ; restreignez-la")

    def _too_large_error(self) -> ApiError:
        return _error(413, f"the result is larger than {self.max_result_bytes} bytes, this service's limit; "
                             "page through it with LIMIT and OFFSET",
                        fr=f"le résultat dépasse {number(self.max_result_bytes, 'fr')} octets, la limite de ce "
                           "service ; parcourez-le par pages avec LIMIT et OFFSET")

    def _killed_error(self, status: int) -> ApiError:
        self.stats.killed += 1
        name = procs.signal_name(status)
        return _error(503, f"the query's process was stopped from outside this service ({name}: the machine may be "
                             "short of memory, or be stopping it), twice; try again shortly", self._retry_after(),
                        fr=f"le processus de la requête a été arrêté de l'extérieur de ce service ({name} : la machine "
                           "manque peut-être de mémoire, ou l'arrête), deux fois ; réessayez dans un instant")

    def _fork_error(self, exc: procs.ForkFailed) -> ApiError:
        """The system refused the query's process (too many processes, no memory, no file
        descriptor left): 503, the service itself lives; the reason logged and named."""
        self.stats.fork_failed += 1
        log.warning("could not start a query process: %s", exc)
        return _error(503, f"this machine could not start a process for the query ({exc.reason}: too many "
                             "processes or too little memory just now); try again shortly", self._retry_after(),
                        fr=f"la machine n'a pas pu démarrer de processus pour la requête ({exc.reason} : trop de "
                           "processus ou trop peu de mémoire en ce moment) ; réessayez dans un instant")

    def _died_error(self, status: int) -> ApiError:
        if self.stopping:
            return self._stopping_error()
        if procs.died_of_memory(status):
            return self._memory_error()
        if procs.killed_from_outside(status):
            return self._killed_error(status)
        log.error("a query process ended without an answer (status %s)", status)
        return _error(500, "internal error (logged on the server)",
                        fr="erreur interne (consignée sur le serveur)")

    def _outcome(self, kind: str, value, seconds: float):
        """The value of a process's outcome, or the error it stands for."""
        if kind == "ok":
            return value
        if kind == "mem" or isinstance(value, MemoryError):
            raise self._memory_error()
        if isinstance(value, QueryTimeout):
            raise self._timeout_error(seconds)
        if not isinstance(value, (ApiError, CiptError)):
            log.error("unexpected error in a query: %s: %s", type(value).__name__, value)
        raise value
