"""The browser-hardening headers, on every response the service sends.

One ASGI middleware (registered around Litestar's own exception handling in api/app.py),
so the JSON API, the UI's pages, static files, problem details, Litestar's own 404 and
405 answers and the HTML error pages all carry them:

- `Content-Security-Policy`: scripts only from the service itself (`script-src 'self'`:
  htmx and nothing inline, no `eval`); styles only from /static plus the story document's
  one inline block, allowed by its hash; no plugins, no `<base>`, forms post only here,
  and no page may be framed (`frame-ancestors 'none'`). See docs/adr/0012.
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
  `Cross-Origin-Opener-Policy: same-origin`, a `Permissions-Policy` that turns off the
  devices and APIs the registry never uses.
- `Strict-Transport-Security` when the cookies are `Secure` (settings.cookie_secure):
  the service is then only reachable over HTTPS anyway.

The OpenAPI viewers under /schema (ReDoc, Swagger UI, Elements, RapiDoc) are Litestar's:
inline scripts and scripts from CDNs. They get their own policy that allows exactly those
hosts but also `sandbox`: the viewer runs in an opaque origin, so a compromised CDN
script can neither read the registry's cookies nor send requests as the logged-in user.
The documents themselves (/schema/openapi.json|yaml|yml) are public and carry
`Access-Control-Allow-Origin: *` so that a sandboxed viewer may fetch them.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.story.html_page import STYLE_HASH

SCHEMA_PREFIX = "/schema"
SCHEMA_DOCUMENTS = frozenset(f"{SCHEMA_PREFIX}/openapi.{kind}" for kind in ("json", "yaml", "yml"))

# Where Litestar's OpenAPI render plugins load their scripts, styles, fonts and icons.
VIEWER_HOSTS = (
    "https://cdn.jsdelivr.net",
    "https://unpkg.com",
    "https://cdn.redoc.ly",
)


def _policy(directives: Iterable[tuple[str, str]]) -> bytes:
    return "; ".join(f"{name} {value}" for name, value in directives).encode()


def page_policy(style_hashes: Iterable[str] = (STYLE_HASH,)) -> bytes:
    """The policy of everything the service serves itself (pages, JSON, files)."""
    return _policy(
        [
            ("default-src", "'none'"),
            ("script-src", "'self'"),
            ("style-src", " ".join(["'self'", *style_hashes])),
            ("img-src", "'self'"),
            ("font-src", "'self'"),
            ("connect-src", "'self'"),
            ("form-action", "'self'"),
            ("frame-ancestors", "'none'"),
            ("base-uri", "'none'"),
            ("object-src", "'none'"),
        ]
    )


VIEWER_POLICY = _policy(
    [
        ("default-src", "'none'"),
        ("script-src", " ".join(["'unsafe-inline'", *VIEWER_HOSTS])),
        (
            "style-src",
            " ".join(["'unsafe-inline'", *VIEWER_HOSTS, "https://fonts.googleapis.com"]),
        ),
        ("font-src", "https://fonts.gstatic.com data:"),
        ("img-src", "data: https:"),
        ("connect-src", "'self'"),
        ("worker-src", "blob:"),
        ("form-action", "'none'"),
        ("frame-ancestors", "'none'"),
        ("base-uri", "'none'"),
        ("object-src", "'none'"),
        # An opaque origin: no cookies, no same-origin requests as the user.
        ("sandbox", "allow-scripts allow-popups allow-popups-to-escape-sandbox"),
    ]
)

# A PDF is shown by the browser's own viewer, which a `default-src 'none'` document
# policy may keep from loading; the PDF needs only the framing rule.
DOCUMENT_POLICY = _policy([("frame-ancestors", "'none'")])

HSTS = b"max-age=31536000; includeSubDomains"
PERMISSIONS = b"camera=(), geolocation=(), microphone=(), payment=(), usb=()"

# Headers this middleware owns: whatever the inner app sent under these names is replaced.
_OWNED = frozenset(
    {
        b"content-security-policy",
        b"x-frame-options",
        b"x-content-type-options",
        b"referrer-policy",
        b"permissions-policy",
        b"cross-origin-opener-policy",
        b"strict-transport-security",
        b"server",
        b"x-powered-by",
    }
)


class SecurityHeadersMiddleware:
    """Adds the hardening headers to the start of every HTTP response."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.common: list[tuple[bytes, bytes]] = [
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", PERMISSIONS),
        ]
        if hsts:
            self.common.append((b"strict-transport-security", HSTS))
        self.page_policy = page_policy()

    def policy_for(self, path: str, content_type: bytes) -> bytes:
        viewer = path == SCHEMA_PREFIX or path.startswith(SCHEMA_PREFIX + "/")
        if viewer and path not in SCHEMA_DOCUMENTS:
            return VIEWER_POLICY
        if content_type.startswith(b"application/pdf"):
            return DOCUMENT_POLICY
        return self.page_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in _OWNED
                ]
                content_type = next(
                    (v for n, v in headers if n.lower() == b"content-type"), b""
                ).lower()
                headers += self.common
                headers.append((b"content-security-policy", self.policy_for(path, content_type)))
                if path in SCHEMA_DOCUMENTS:
                    headers.append((b"access-control-allow-origin", b"*"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_hardened)
