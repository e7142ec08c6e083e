"""The service's limits and switches: a dataclass, filled from arguments or ``CIPT_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from ..errors import CiptError

#: Environment variable of each setting (``cipt serve`` options override them).
ENV = {
    "query_timeout": "CIPT_QUERY_TIMEOUT",
    "max_rows": "CIPT_MAX_ROWS",
    "truncate_results": "CIPT_TRUNCATE_RESULTS",
    "max_body_bytes": "CIPT_MAX_BODY_BYTES",
    "max_query_length": "CIPT_MAX_QUERY_LENGTH",
    "max_running_queries": "CIPT_MAX_RUNNING_QUERIES",
    "cors_origins": "CIPT_CORS_ORIGINS",
    "allow_writes": "CIPT_ALLOW_WRITES",
    "read_only": "CIPT_READ_ONLY",
    "write_token": "CIPT_WRITE_TOKEN",
    "max_upload_bytes": "CIPT_MAX_UPLOAD_BYTES",
    "max_sparql_running": "CIPT_MAX_SPARQL_RUNNING",
    "max_client_queries": "CIPT_MAX_CLIENT_QUERIES",
    "max_query_memory": "CIPT_MAX_QUERY_MEMORY",
    "cache_bytes": "CIPT_CACHE_BYTES",
    "memory_copy_bytes": "CIPT_MEMORY_COPY_BYTES",
    "base_url": "CIPT_BASE_URL",
    "report_timeout": "CIPT_REPORT_TIMEOUT",
}

#: Shortest bearer token accepted for writes (a guessable token is no protection).
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class Settings:
    """Limits that protect the service, and CORS.

    Attributes:
        query_timeout: seconds a query may run before the answer is 503.
        max_rows: most solutions (or triples) a SPARQL query may return.
        truncate_results: past ``max_rows``, send the first rows with an ``X-Cipt-Truncated``
            header instead of refusing with 413 (the default: a client never takes a partial
            result for a whole one).
        max_body_bytes: largest request body accepted (413 past it).
        max_query_length: longest query text, in characters (414 in a URL, 413 in a body).
        max_running_queries: queries running at once; a query that timed out keeps its slot
            until Oxigraph finishes it (it cannot be interrupted), so a flood of slow queries
            gets 503 instead of piling up threads.
        cors_origins: origins allowed by CORS (``*`` for any); empty: CORS off.
        allow_writes: accept the imports other systems send (``POST /api/imports/matrix``,
            ``/api/imports/rncp``) with the bearer token; off by default. People signed in with
            an account of the workspace (``cipt users add``) need neither this nor the token.
        read_only: strictly read-only: no sign-in, no change of any kind, nothing written to
            the workspace (not even the session secret); contradicts ``allow_writes``. Off by
            default: a workspace with accounts offers sign-in to its editors and validators.
        write_token: the bearer token the imports need (``Authorization: Bearer …``),
            compared in constant time; required with ``allow_writes``. Only from the
            environment (``CIPT_WRITE_TOKEN``), never a command-line argument others can see.
        max_upload_bytes: largest uploaded file (413 past it); other bodies keep ``max_body_bytes``.
        max_sparql_running: ad-hoc SPARQL queries (``/sparql``) running at once, on slots of their
            own (``max_running_queries`` is for pages, the JSON API and the named queries).
        max_client_queries: ad-hoc SPARQL queries one client (IP address) may run at once
            (429 past it); default half of ``max_sparql_running``.
        max_query_memory: bytes of memory a query (its process) may take beyond the server's
            (503 past it); 0 for no cap.
        cache_bytes: size of the in-memory cache of answers, in bytes (0: no cache).
        memory_copy_bytes: with ``--store DIR``, the largest store (bytes of its active version on
            disk) the server copies into memory for its query workers (0: never; see
            :mod:`cipt_graph.api.mirror`): from memory, Oxigraph answers 2–5× faster than from
            disk; the copy costs about twice its size on disk in memory, and the server pauses
            about 1 s per 60 MB on disk when it frees an old copy after a change of the data.
        base_url: the service's public URL (``https://example.org/cipt``), the base of the links
            and of the service description; never taken from the ``Host`` header. Default: the
            address the server listens on.
        report_timeout: seconds the audit report or a diff of versions may take (their process
            is killed past it, as a query's is past ``query_timeout``); their answers are cached.
    """

    query_timeout: float = 10.0
    max_rows: int = 10_000
    truncate_results: bool = False
    max_body_bytes: int = 1_048_576
    max_query_length: int = 50_000
    max_running_queries: int = 4
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    allow_writes: bool = False
    read_only: bool = False
    write_token: str | None = field(default=None, repr=False)
    max_upload_bytes: int = 50 * 1_048_576
    max_sparql_running: int = 4
    max_client_queries: int | None = None
    max_query_memory: int = 1 << 30
    cache_bytes: int = 64 << 20
    memory_copy_bytes: int = 96 << 20
    base_url: str | None = None
    report_timeout: float = 60.0

    def __post_init__(self) -> None:
        for name in ("query_timeout", "report_timeout", "max_rows", "max_body_bytes", "max_query_length", "max_running_queries",
                     "max_upload_bytes"):
            if getattr(self, name) <= 0:
                raise _out_of_range(name, getattr(self, name), zero_ok=False)
        for name in ("max_query_memory", "cache_bytes", "memory_copy_bytes"):
            if getattr(self, name) < 0:
                raise _out_of_range(name, getattr(self, name), zero_ok=True)
        for name in ("max_sparql_running", "max_client_queries"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                raise _out_of_range(name, getattr(self, name), zero_ok=False)
        if self.base_url is not None:
            from urllib.parse import urlsplit
            parts = urlsplit(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise CiptError(f"not an http(s) URL without query: {self.base_url!r}", where="--base-url",
                                fr=f"ce n'est pas une URL http(s) sans requête : {self.base_url!r}")
            object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.allow_writes and self.read_only:
            raise CiptError("--read-only and --allow-writes contradict each other: choose one", where="--read-only",
                            fr="--read-only et --allow-writes se contredisent : choisissez l'un des deux")
        if self.allow_writes and len(self.write_token or "") < MIN_TOKEN_LENGTH:
            raise CiptError(f"--allow-writes (the imports other systems send) needs a bearer token of at least "
                            f"{MIN_TOKEN_LENGTH} characters in CIPT_WRITE_TOKEN (e.g. `export CIPT_WRITE_TOKEN=$(python "
                            "-c 'import secrets; print(secrets.token_urlsafe(32))')`); people who sign in with an "
                            "account need neither", where="CIPT_WRITE_TOKEN",
                            fr=f"--allow-writes (les imports envoyés par d'autres systèmes) demande un jeton d'au moins "
                               f"{MIN_TOKEN_LENGTH} caractères dans CIPT_WRITE_TOKEN (par exemple `export "
                               "CIPT_WRITE_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`) ; "
                               "les personnes qui se connectent avec un compte n'ont besoin ni de l'un ni de l'autre")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        """Defaults, then ``CIPT_*`` variables, then the ``overrides`` that are not None.

        Raises:
            CiptError: a variable holds a value of the wrong kind.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(ENV[f.name])
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _convert(f.name, raw, ENV[f.name])
        given = {k: v for k, v in overrides.items() if v is not None}
        values.update(given)
        if "cors_origins" in values:
            values["cors_origins"] = tuple(values["cors_origins"])  # type: ignore[arg-type]
        try:
            return replace(cls(), **values)
        except CiptError as exc:  # a value out of range read from a variable: name the variable
            name = getattr(exc, "field", None)
            if name and name not in given and exc.where is None:
                exc.where = ENV[name]
                exc.args = (f"{exc.where}: {exc.message}",)
            raise


def _out_of_range(name: str, value: object, *, zero_ok: bool) -> CiptError:
    """The error for setting ``name`` out of its range, in both languages; ``field`` names the
    setting (the command line shows its option instead)."""
    en, fr = ("must be 0 or more", "doit valoir 0 ou plus") if zero_ok else ("must be positive", "doit être positif")
    error = CiptError(f"{name} {en}, got {value!r}", en=f"{name} {en}, got {value!r}", fr=f"{name} {fr}, reçu {value!r}")
    error.field, error.zero_ok, error.value = name, zero_ok, value
    return error


def _convert(name: str, raw: str, where: str) -> object:
    try:
        if name in ("query_timeout", "report_timeout"):
            return float(raw)
        if name in ("write_token", "base_url"):
            return raw.strip()
        if name in ("truncate_results", "allow_writes", "read_only"):
            if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.strip().lower() in ("1", "true", "yes")
        if name == "cors_origins":
            return tuple(o.strip() for o in raw.split(",") if o.strip())
        return int(raw)
    except ValueError:
        raise CiptError(f"cannot read {raw!r} as a value of {name}", where=where,
                        fr=f"impossible de lire {raw!r} comme valeur de {name}") from None


def public_base_url(request) -> str:
    """The service's public URL without a final slash: ``--base-url``, else the address the server
    listens on (the ASGI ``server`` of the connection) — never the client's ``Host`` header."""
    configured = getattr(getattr(request.app.state, "settings", None), "base_url", None)
    if configured:
        return configured
    server = request.scope.get("server") or ("127.0.0.1", 8000)
    host, port = server[0], server[1]
    if ":" in str(host):
        host = f"[{host}]"
    return f"http://{host}" + (f":{port}" if port not in (None, 80) else "")
