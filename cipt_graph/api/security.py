"""Security headers on every answer: what a browser may run, load, frame and send along.

``SecurityHeaders`` (an ASGI middleware) adds to every response:

- ``Content-Security-Policy``: ``POLICY`` — scripts, styles, images, fonts and fetches only from
  the site itself (no inline script, no inline event handler, no ``eval``, no style element or
  attribute), no plugin, no ``<base>``, forms only to the site, framing denied
  (``frame-ancestors 'none'``). A route that must keep an inline ``<style>`` (the audit report,
  which is also a standalone file) sets its own policy with ``policy_with_style_hashes``, which
  adds the SHA-256 hashes of exactly those styles; the middleware keeps a policy a route set.
- ``X-Content-Type-Options: nosniff``: an answer is read only as the type it declares.
- ``X-Frame-Options: DENY``: framing denied, for browsers without ``frame-ancestors``.
- ``Referrer-Policy: same-origin``: following a link to another site sends no referrer.

Specs: CSP Level 3 (W3C), Fetch (``nosniff``), Referrer Policy (W3C), RFC 7034.
Kept apart from the serving middlewares (``limits``): this module only decorates answers.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The directives of the policy every answer carries.
DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def build_policy(directives: dict[str, str]) -> str:
    """A ``Content-Security-Policy`` header value from ``{directive: sources}``."""
    return "; ".join(f"{name} {value}" for name, value in directives.items())


#: The ``Content-Security-Policy`` of every answer that sets none itself.
POLICY = build_policy(DIRECTIVES)

#: The other headers every answer carries.
HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

_STYLE_ELEMENT = re.compile(r"<style(?:\s[^>]*)?>(.*?)</style>", re.S | re.I)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle="([^"]*)\"""", re.I)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def policy_with_style_hashes(styles: Iterable[str] = (), style_attributes: Iterable[str] = ()) -> str:
    """``POLICY`` that also allows exactly these inline ``<style>`` contents and ``style``
    attribute values (by SHA-256 hash, CSP Level 3 ``'unsafe-hashes'`` for attributes); scripts
    stay the site's own files only."""
    sources = ["'self'", *sorted({_hash(s) for s in styles})]
    attributes = sorted({_hash(a) for a in style_attributes})
    if attributes:
        sources += ["'unsafe-hashes'", *attributes]
    return build_policy({**DIRECTIVES, "style-src": " ".join(sources)})


def policy_for_own_document(html: str) -> str:
    """The policy of a document the project rendered itself from a template that escapes every
    value (the audit report): its ``<style>`` elements and ``style`` attributes (as written,
    after HTML unescaping of ``&quot;``… which templates do not produce in styles) allowed by
    hash. Never use it on text that holds unescaped data: scripts are not allowed by it anyway."""
    return policy_with_style_hashes(_STYLE_ELEMENT.findall(html), _STYLE_ATTRIBUTE.findall(html))


def _one_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with their ``Vary`` headers made one, each name once (the session, the CSRF
    check and the response cache may each add ``Cookie``): ``Vary: Accept-Language, Cookie``."""
    values = [v for k, v in headers if k.lower() == b"vary"]
    if not values:
        return headers
    names: dict[bytes, bytes] = {}
    for value in values:
        for name in value.split(b","):
            if name.strip():
                names.setdefault(name.strip().lower(), name.strip())
    at = next(i for i, (k, _) in enumerate(headers) if k.lower() == b"vary")
    kept = [(k, v) for i, (k, v) in enumerate(headers) if k.lower() != b"vary" or i == at]
    kept[kept.index(headers[at])] = (b"vary", b", ".join(names.values()))
    return kept


class SecurityHeaders:
    """ASGI middleware adding ``Content-Security-Policy`` (unless the route set one),
    ``X-Content-Type-Options``, ``X-Frame-Options`` and ``Referrer-Policy`` to every answer,
    errors included."""

    def __init__(self, app: ASGIApp, policy: str = POLICY, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.policy = policy.encode("latin-1")
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or HEADERS).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", self.policy))
                headers.extend((k, v) for k, v in self.headers if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class OneVary:
    """ASGI middleware making an answer's ``Vary`` headers one, each name once
    (:func:`_one_vary`): the session middleware, outermost, adds ``Cookie`` to a ``Vary`` that the
    response cache already gave it. Add it after (outside) the session middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _one_vary(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, sending)
