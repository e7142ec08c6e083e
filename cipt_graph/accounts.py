"""People who may change the mapping: accounts with roles, stored in the workspace.

Roles (ordered; each includes the rights of those before it):

- ``reader``: reads everything (anonymous visitors are readers too);
- ``editor``: may change the mapping (edit a link, upload an edited workbook);
- ``validator``: may also validate or reject proposed links.

Accounts live in ``<workspace>/accounts.json`` (mode 0600, written atomically), never in the
shipped data nor in the RDF graph. Local passwords are hashed with Argon2id (``argon2-cffi``,
RFC 9106 parameters of the library's defaults); the file holds no password in clear.

An account has a ``provider`` (``local`` today) and a ``subject`` (the identity at that provider),
so that a university single sign-on (OIDC or CAS through a library) can later create accounts
whose identity comes from elsewhere: such an account has no password hash and is found by
``(provider, subject)`` with :meth:`AccountStore.find_external`.

Every account has a stable ``id`` (a UUID, given at creation, kept when the account is reset or
renamed): what the mapping and the versions record as the person who proposed or validated
something (its agent IRI is :func:`cipt_graph.namespaces.account_agent`), so that the four-eyes
rule judges accounts, not the names they show. An accounts file written before ids existed gets,
for each account, the UUID derived from ``provider:subject`` (:func:`legacy_id`): the same at
every read.
"""

from __future__ import annotations

import datetime as dt
import json
import functools
import os
import re
import threading
import uuid
from dataclasses import asdict, dataclass
from dataclasses import replace as _with

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import CiptError, InputError, os_reason
from .paths import Workspace
from .text import quoted

ROLES = ("reader", "editor", "validator")
FILE_NAME = "accounts.json"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER = PasswordHasher()
# Verified when the account does not exist, so that an unknown name costs the same time.


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist (same time as a real check);
    made on first use, not at import: an Argon2 hash costs ~0.1 s of CPU and 64 MiB."""
    return _HASHER.hash("cipt-graph: no such account")


_LOCK = threading.Lock()


@dataclass(frozen=True)
class Account:
    """One person's account.

    Attributes:
        username: the sign-in name (letters, digits, ``. _ @ -``; at most 64 characters).
        role: ``reader``, ``editor`` or ``validator``.
        display_name: the name shown in versions and pages (default: the username).
        provider: where the identity comes from (``local``: a password kept here).
        subject: the identity at the provider (the username for ``local``).
        password_hash: Argon2id hash (PHC string) for ``local`` accounts, else None.
        created: ISO 8601 date and time (UTC) of creation.
        id: the account's stable identifier (a UUID in its canonical text form), never the name
            shown; what links and versions record (``asserted_by_account``, ``agent_account``).
    """

    username: str
    role: str
    display_name: str
    provider: str = "local"
    subject: str = ""
    password_hash: str | None = None
    created: str = ""
    id: str = ""

    def can(self, action: str) -> bool:
        """Whether the role allows ``action``: ``read``, ``edit`` or ``validate``."""
        needed = {"read": "reader", "edit": "editor", "validate": "validator"}[action]
        return ROLES.index(self.role) >= ROLES.index(needed)

    def public(self) -> dict[str, str]:
        """The account without its password hash (for listings and JSON answers)."""
        return {"username": self.username, "role": self.role, "display_name": self.display_name,
                "provider": self.provider, "created": self.created, "id": self.id}


#: The namespace of :func:`legacy_id` (a fixed UUID: the ids it gives never change).
_LEGACY_NAMESPACE = uuid.UUID("4f1c5a2e-8d3b-5c7a-9e61-0b2d4c6e8f10")


def legacy_id(provider: str, subject: str) -> str:
    """The id of an account recorded without one: UUID v5 of ``provider:subject`` (stable)."""
    return str(uuid.uuid5(_LEGACY_NAMESPACE, f"{provider}:{subject}"))


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`; raises InputError naming the choices otherwise."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}",
                         fr=f"rôle inconnu {quoted(role)} : choisissez parmi reader (lecteur), editor (éditeur), "
                            "validator (validateur)")
    return role


def check_password(password: str) -> str:
    """``password`` if long enough (≥ 10 characters, ≤ 1,024); raises InputError otherwise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
                         fr=f"le mot de passe doit avoir au moins {MIN_PASSWORD_LENGTH} caractères")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters",
                         fr=f"le mot de passe doit avoir au plus {MAX_PASSWORD_LENGTH} caractères")
    return password


def _why_fr(exc: Exception) -> str:
    """Why the accounts file could not be read, in French."""
    if isinstance(exc, json.JSONDecodeError):
        return f"JSON invalide ligne {exc.lineno}, colonne {exc.colno}"
    if isinstance(exc, InputError):
        return exc.show("fr")
    if isinstance(exc, OSError):
        return os_reason(exc, "fr")
    if isinstance(exc, UnicodeDecodeError):
        return f"ce n'est pas du texte UTF-8 (octet {exc.start})"
    names = re.findall(r"'(\w+)'", str(exc))  # TypeError: the fields Account() misses or does not know
    return "un compte a un champ manquant, inconnu ou d'un mauvais type" + (f" ({', '.join(names)})" if names else "")


class AccountStore:
    """The accounts of one workspace (``<workspace>/accounts.json``).

    Reads are cached on the file's modification time and size, so a server sees an account
    added or removed from the command line at its next request.

    Raises (every method): CiptError when the workspace is the read-only shipped data;
    InputError when the accounts file is not valid (its path named).
    """

    def __init__(self, workspace: Workspace):
        if workspace.read_only:
            raise CiptError("accounts need a workspace: create one with `cipt init DIR`, then pass --data DIR",
                            fr="les comptes demandent un espace de travail : créez-en un avec `cipt init DOSSIER`, "
                               "puis passez --data DOSSIER")
        self.path = workspace.root / FILE_NAME
        self._cache: tuple[tuple[int, int] | None, dict[str, Account]] = (None, {})

    # reading -------------------------------------------------------------------------------
    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _read(self) -> dict[str, Account]:
        stamp = self._stamp()
        if stamp is not None and self._cache[0] == stamp:
            return self._cache[1]
        accounts: dict[str, Account] = {}
        if stamp is not None:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                for item in raw.get("accounts", []):
                    account = Account(**item)
                    check_role(account.role)
                    if not account.id:
                        account = _with(account, id=legacy_id(account.provider, account.subject or account.username))
                    accounts[account.username.casefold()] = account
            except (OSError, ValueError, TypeError, AttributeError, InputError) as exc:
                raise InputError(f"the accounts file is not valid ({exc}); fix or remove it",
                                 where=str(self.path),
                                 fr=f"le fichier des comptes n'est pas valide ({_why_fr(exc)}) ; corrigez-le ou "
                                    "supprimez-le") from None
        self._cache = (stamp, accounts)
        return accounts

    def list(self) -> list[Account]:
        """Every account, sorted by username."""
        return sorted(self._read().values(), key=lambda a: a.username.casefold())

    def get(self, username: str) -> Account | None:
        """The account named ``username`` (case-insensitive), or None."""
        return self._read().get(username.strip().casefold())

    def find_external(self, provider: str, subject: str) -> Account | None:
        """The account of an external identity (single sign-on), or None."""
        return next((a for a in self._read().values() if a.provider == provider and a.subject == subject), None)

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if ``password`` is its password, else None (same cost for unknown names)."""
        account = self.get(username) if len(password) <= MAX_PASSWORD_LENGTH else None
        target = account.password_hash if account is not None and account.password_hash else _dummy_hash()
        try:
            _HASHER.verify(target, password[:MAX_PASSWORD_LENGTH])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if account is None or not account.password_hash:
            return None
        if _HASHER.check_needs_rehash(account.password_hash):
            self._write({**self._read(), account.username.casefold(): Account(
                **{**asdict(account), "password_hash": _HASHER.hash(password)})})
        return account

    # writing -------------------------------------------------------------------------------
    def _write(self, accounts: dict[str, Account]) -> None:
        body = {"format": 1, "accounts": [asdict(a) for a in sorted(accounts.values(), key=lambda a: a.username)]}
        data = (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CiptError(f"cannot write the accounts file: {exc.strerror or exc}", where=str(self.path),
                            fr=f"impossible d'écrire le fichier des comptes : {os_reason(exc, 'fr')}",
                            en=f"cannot write the accounts file: {os_reason(exc, 'en')}") from exc
        self._cache = (None, {})

    def add(self, username: str, role: str, password: str, *, display_name: str = "",
            replace: bool = False) -> Account:
        """Create (or, with ``replace``, reset) a local account; returns it.

        Raises:
            InputError: bad username, role or password; the account exists (without ``replace``).
        """
        username = username.strip()
        if not _USERNAME.match(username):
            raise InputError("a username has 1 to 64 letters, digits or . _ @ - (starting with a letter or "
                             f"digit), got {username!r}",
                             fr="un nom d'utilisateur a de 1 à 64 lettres, chiffres ou . _ @ - (commençant par une "
                                f"lettre ou un chiffre), reçu {quoted(username)}")
        check_role(role)
        check_password(password)
        with _LOCK:
            accounts = dict(self._read())
            key = username.casefold()
            if key in accounts and not replace:
                raise InputError(f"the account {username!r} exists already",
                                 fr=f"le compte {quoted(username)} existe déjà")
            old = accounts.get(key)
            account = Account(
                id=old.id if old is not None else str(uuid.uuid4()),  # a reset or a new name keeps the id
                username=username, role=role, display_name=display_name.strip() or username, provider="local",
                subject=username, password_hash=_HASHER.hash(password),
                created=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"))
            accounts[key] = account
            self._write(accounts)
        return account

    def remove(self, username: str) -> Account:
        """Delete an account; returns it. Raises InputError when there is none of that name."""
        with _LOCK:
            accounts = dict(self._read())
            account = accounts.pop(username.strip().casefold(), None)
            if account is None:
                raise InputError(f"no account named {username!r}", fr=f"aucun compte nommé {quoted(username)}")
            self._write(accounts)
        return account
