"""Which stored addresses may become a link a browser follows: `http`, `https`, `mailto`.

A milestone's evidence link is typed by a user. Input refuses any other scheme, but an
older event may hold `javascript:alert(1)` or `data:text/html,…`, and an event is never
rewritten. Every place that renders a user-supplied address as a link (the UI's
templates through the `external_link` filter, the story's HTML, Markdown and PDF) asks
`web_link` first; anything else is shown as text.

The scheme is read the way a browser reads it (WHATWG URL): leading and trailing C0
controls and spaces are stripped and ASCII tabs and newlines are removed anywhere, so
`" java\\tscript:…"` is seen as `javascript:` here too, never as a harmless relative path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

LINK_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*(?=:)")
_STRIPPED = "".join(chr(c) for c in range(0x21))  # C0 controls and space
_REMOVED = str.maketrans("", "", "\t\n\r")


def web_link(value: str | None) -> str | None:
    """The address as a browser would follow it, if it is a web or mail address; else None.

    `http`/`https` need a host (`https:foo` is a relative path to a browser), `mailto`
    an addressee. Relative addresses (no scheme) are not links either: a stored value is
    an address elsewhere, never a path on the registry itself.
    """
    if not value:
        return None
    text = value.strip(_STRIPPED).translate(_REMOVED)
    scheme = _SCHEME.match(text)
    if scheme is None or scheme.group().lower() not in LINK_SCHEMES:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return None  # other controls inside: nothing a person typed on purpose
    if scheme.group().lower() == "mailto":
        return text if len(text) > len("mailto:") else None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    return text if parts.netloc.strip("/\\") else None


def external_link(value: str | None, text: str | None = None) -> Markup:
    """Jinja filter: `<a href=…>` for a web or mail address, the value as plain text otherwise.

    `text` is the link's words (the address itself by default). Neither the address nor the
    words are trusted: both are escaped. A refused address is shown as it was stored, so the
    user sees what was registered and can correct it.
    """
    if not value:
        return Markup("")
    link = web_link(value)
    if link is None:
        return Markup('<span class="unlinked-address">{}</span>').format(value)
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(
        link, escape(text) if text else link
    )
