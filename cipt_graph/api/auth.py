"""Sign-in for the pedagogical team: session cookies, CSRF protection, rate-limited sign-in.

- Accounts come from the workspace (:mod:`cipt_graph.accounts`): a served workspace that has
  accounts (``cipt users add``, the owner's opt-in) offers sign-in, and its editors and validators
  change the mapping from the browser, with no bearer token and without ``--allow-writes``.
  ``--read-only`` turns all of it off (no sign-in, nothing written to the workspace). The bearer
  token of ``/api/imports/…`` (``--allow-writes`` + ``CIPT_WRITE_TOKEN``) stays for other systems
  and is unaffected.
- The session is a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous), ``HttpOnly``,
  ``SameSite=Lax``, ``Secure`` when the service's public URL (``--base-url``) is https, valid
  8 hours. It holds the username, a key of the account's credential and a random session id: the
  account (and its role) is read again at every request, so removing an account or changing its
  role takes effect at once; a new password ends the sessions opened with the old one; signing
  out revokes the session id (kept in ``<workspace>/.revoked-sessions``, mode 0600, for the 8
  hours a cookie lives), so a copied cookie is refused after sign-out, restarts included.
- The signing secret is ``$CIPT_SESSION_SECRET``, else ``<workspace>/.session-secret`` (created
  once, mode 0600, when the workspace has accounts), else a random one per process (sessions
  then end at restart). A workspace without accounts is never written to.
- Every form that changes something (sign-in, sign-out, edits, reviews, uploads) carries a CSRF
  token checked by ``asgi-csrf`` (double-submit cookie, signed); a POST to those paths without it
  is refused with 403. Other POSTs (``/sparql``, ``/api/…``) are not form endpoints and are not
  touched.
- Sign-in failures are limited per client address and per username (see :class:`SignInLimiter`):
  past the limit the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from asgi_csrf import asgi_csrf
from fastapi import Request
from starlette.middleware.sessions import SessionMiddleware

from ..accounts import FILE_NAME as ACCOUNTS_FILE
from ..accounts import Account, AccountStore
from ..errors import CiptError

SESSION_COOKIE = "cipt_session"
SESSION_SECONDS = 8 * 3600
ENV_SESSION_SECRET = "CIPT_SESSION_SECRET"
SECRET_FILE = ".session-secret"
REVOKED_FILE = ".revoked-sessions"
#: Paths whose POSTs are HTML forms that change something: CSRF-protected.
FORM_PATHS = ("/login", "/logout", "/edit/", "/review/")


def _is_form_path(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in FORM_PATHS)


def session_secret(workspace) -> str:
    """The session-signing secret: ``$CIPT_SESSION_SECRET``, the workspace's file, or a random one."""
    given = os.environ.get(ENV_SESSION_SECRET, "").strip()
    if given:
        return given
    if workspace is None or workspace.read_only or not (Path(workspace.root) / ACCOUNTS_FILE).exists():
        # Nobody can sign in (no accounts): nothing to keep across restarts, nothing written.
        return secrets.token_urlsafe(48)
    path = Path(workspace.root) / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret + "\n")
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return secret
    return secret


class SignInLimiter:
    """Failed sign-ins, limited so that guessing is slow and nobody can lock a person out from
    elsewhere (OWASP Authentication Cheat Sheet, "account lockout"): in ``window`` seconds
    (300), at most ``per_user`` failures for one account from one client address (5), ``per_client``
    from one address whatever the accounts (20), and ``per_account`` for one account from every
    address together (50: a distributed guess stays slow; a single stranger's failures lock only
    that stranger out). Past a limit, :meth:`retry_after` gives the wait in seconds."""

    def __init__(self, per_user: int = 5, per_client: int = 20, window: float = 300.0, per_account: int = 50):
        self.per_user, self.per_client, self.window, self.per_account = per_user, per_client, window, per_account
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _user_key(username: str) -> str:
        # The account store's own normalisation (``AccountStore.get``): " marie\t" is marie.
        return "u:" + username.strip().casefold()

    def _keys(self, client: str, username: str) -> tuple[tuple[str, int], ...]:
        user = self._user_key(username)
        return ((f"c:{client}", self.per_client), (f"{user}@{client}", self.per_user), (user, self.per_account))

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, client: str, username: str) -> int:
        """Seconds to wait before another try (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in self._keys(client, username):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(int(times[0] + self.window - now) + 1)
            return max(waits, default=0)

    def failed(self, client: str, username: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:  # bounded memory under a flood of names:
                for key in [k for k, times in self._failures.items() if not times or times[-1] <= now - self.window]:
                    del self._failures[key]  # expired entries go first, lockouts in force stay…
                while len(self._failures) > 100_000:  # …then the oldest names
                    del self._failures[next(iter(self._failures))]
            for key, _ in self._keys(client, username):
                self._recent(key, now).append(now)

    def succeeded(self, client: str, username: str) -> None:
        """A right password from ``client``: that address's failures for the account are forgotten."""
        with self._lock:
            self._failures.pop(f"{self._user_key(username)}@{client}", None)


#: Multipart forms (file uploads) whose token the route checks itself with :func:`check_form_token`
#: once it has parsed the form: asgi-csrf 0.11's multipart reader does not run with
#: python-multipart ≥ 0.0.13 (its ``FileClass`` argument is gone).
MULTIPART_PATHS = frozenset({"/edit/upload"})


def check_form_token(request: Request, given: str) -> bool:
    """Whether ``given`` (a form's ``csrftoken``) matches the request's signed CSRF cookie, as
    asgi-csrf checks it (double submit: same value, and a cookie signed by this service)."""
    from itsdangerous import BadSignature
    from itsdangerous.url_safe import URLSafeSerializer

    cookie = request.cookies.get("csrftoken", "")
    if not cookie or not given or not secrets.compare_digest(cookie, given):
        return False
    try:
        URLSafeSerializer(request.app.state.csrf_secret).loads(cookie, "csrftoken")
    except BadSignature:
        return False
    return True


#: The answer to a form refused for its CSRF token, per language.
CSRF_REFUSED = {
    "fr": "Formulaire refusé : jeton anti-falsification (CSRF) absent ou invalide. Rechargez la page et recommencez.\n",
    "en": "Form refused: the anti-forgery (CSRF) token is missing or invalid. Reload the page and try again.\n",
}


def _scope_lang(scope) -> str:
    """The language of a refusal made before the route runs (the form's body is not read): the
    address's ``lang`` when ``fr`` or ``en``, else ``Accept-Language``'s choice, else French."""
    from urllib.parse import parse_qs

    from ..i18n import negotiate

    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[0]
    if asked in ("fr", "en"):
        return asked
    header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"accept-language"), None)
    return negotiate(header)


class CsrfProtection:
    """``asgi-csrf`` as a Starlette middleware, limited to the team's form paths."""

    def __init__(self, app, secret: str, secure: bool):
        async def refused(scope, send, message_id):
            lang = _scope_lang(scope)
            accept = next((v for k, v in scope.get("headers", ()) if k == b"accept"), b"")
            if b"text/html" in accept and "app" in scope:
                # A browser's form: the site's error page (header, navigation) in the page's language.
                from starlette.requests import Request

                from .error_page import render_error_page

                async def nothing():
                    return {"type": "http.disconnect"}

                page = render_error_page(Request(scope), 403, CSRF_REFUSED[lang], message_lang=lang)
                await page(scope, nothing, send)
                return
            body = CSRF_REFUSED[lang].encode("utf-8")
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-language", lang.encode()),
                                    (b"vary", b"Accept-Language"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        self.app = asgi_csrf(app, signing_secret=secret, cookie_secure=secure, cookie_samesite="Strict",
                             always_protect={p for p in FORM_PATHS if not p.endswith("/")} | {
                                 "/edit/link", "/review/decision"},
                             skip_if_scope=lambda scope: (not _is_form_path(scope.get("path", ""))
                                                          or scope.get("path") in MULTIPART_PATHS),
                             send_csrf_failed=refused)

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


def credential_key(account: Account) -> str:
    """A short digest of the account's credential (its password hash, or its external identity):
    a session holds it, and a changed password no longer matches."""
    material = account.password_hash or f"{account.provider}:{account.subject or account.username}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


class SessionRevocations:
    """Session ids signed out before their cookie expires: in memory, and appended to
    ``<workspace>/.revoked-sessions`` (``id expiry`` per line, mode 0600) when the workspace is
    writable, so a restart keeps them; expired lines are dropped at load."""

    def __init__(self, workspace=None, lifetime: float = SESSION_SECONDS):
        self.lifetime = lifetime
        self.path = None if workspace is None or workspace.read_only else Path(workspace.root) / REVOKED_FILE
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()
        now = time.time()
        try:
            lines = self.path.read_text(encoding="ascii").splitlines() if self.path else []
        except (OSError, UnicodeDecodeError):
            lines = []
        for line in lines:
            sid, _, expiry = line.partition(" ")
            try:
                if float(expiry) > now:
                    self._revoked[sid] = float(expiry)
            except ValueError:
                continue

    def revoke(self, sid: str) -> None:
        expiry = time.time() + self.lifetime
        with self._lock:
            self._revoked = {k: v for k, v in self._revoked.items() if v > time.time()}
            self._revoked[sid] = expiry
            if self.path is not None:
                try:
                    fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                    with os.fdopen(fd, "a", encoding="ascii") as handle:
                        handle.write(f"{sid} {expiry:.0f}\n")
                except OSError:
                    pass  # still revoked in memory until the process ends

    def __contains__(self, sid: object) -> bool:
        return isinstance(sid, str) and self._revoked.get(sid, 0) > time.time()


def open_session(request: Request, account: Account) -> None:
    """Start a signed-in session for ``account`` (after a successful sign-in)."""
    request.session.clear()
    request.session.update({"user": account.username, "key": credential_key(account),
                            "sid": secrets.token_urlsafe(18)})


def close_session(request: Request) -> None:
    """Sign out: the session id is revoked, then the cookie emptied."""
    sid = request.session.get("sid")
    revocations = getattr(request.app.state, "revoked_sessions", None)
    if sid and revocations is not None:
        revocations.revoke(sid)
    request.session.clear()


def install_sessions(app, workspace, base_url: str | None) -> None:
    """Add the session and CSRF middlewares to ``app`` (call before the app starts). A
    ``--read-only`` service writes nothing to the workspace: its secret is per process."""
    if getattr(getattr(app.state, "settings", None), "read_only", False):
        workspace = None
    secure = bool(base_url and base_url.startswith("https://"))
    secret = session_secret(workspace)
    app.state.sign_in_limiter = SignInLimiter()
    app.state.revoked_sessions = SessionRevocations(workspace)
    app.state.csrf_secret = secret + ":csrf"
    app.add_middleware(CsrfProtection, secret=app.state.csrf_secret, secure=secure)
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_SECONDS, same_site="lax", https_only=secure)
    from .security import OneVary

    app.add_middleware(OneVary)  # outside the session's: "Vary: Accept-Language, Cookie", Cookie once


def team_writes(request: Request) -> bool:
    """Whether signed-in editors and validators may change the mapping on this service: a
    workspace (not the shipped data) served without ``--read-only``. Who may sign in at all is
    :func:`account_store`'s answer (the workspace must have accounts)."""
    workspace = getattr(request.app.state, "workspace", None)
    settings = getattr(request.app.state, "settings", None)
    return workspace is not None and not workspace.read_only and not getattr(settings, "read_only", False)


def no_sign_in(request: Request) -> str:
    """Why nobody can sign in here, as a key of the team's texts: ``read_only_service``
    (``--read-only``), ``shipped_data`` (no workspace) or ``no_accounts``."""
    workspace = getattr(request.app.state, "workspace", None)
    if getattr(getattr(request.app.state, "settings", None), "read_only", False):
        return "read_only_service"
    return "shipped_data" if workspace is None or workspace.read_only else "no_accounts"


def account_store(request: Request) -> AccountStore | None:
    """The accounts of the served workspace, or None when nobody can sign in (shipped data, a
    ``--read-only`` service, no account, or an accounts file that does not read)."""
    if not team_writes(request):
        return None
    workspace = request.app.state.workspace
    cached = getattr(request.app.state, "accounts", None)
    if cached is None:
        try:
            cached = AccountStore(workspace)
        except CiptError:
            return None
        request.app.state.accounts = cached
    try:
        return cached if cached.list() else None
    except CiptError:
        return None


def current_account(request: Request) -> Account | None:
    """The signed-in account, or None for an anonymous reader."""
    if "session" not in request.scope:
        return None
    username = request.session.get("user")
    store = account_store(request)
    if not username or store is None:
        return None
    account = store.get(username)
    revoked = getattr(request.app.state, "revoked_sessions", None)
    if (account is None or request.session.get("key") != credential_key(account)
            or (revoked is not None and request.session.get("sid") in revoked)):
        request.session.clear()  # removed account, new password, or signed out
        return None
    return account


def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form's hidden ``csrftoken`` field."""
    get = request.scope.get("csrftoken")
    return get() if get else ""
