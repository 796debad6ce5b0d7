"""Danish text as people search and sort it (issue 16).

`fold` makes the Danish letters one with their common spellings without them (ø = oe = o,
æ = ae, å = aa = a), drops other accents and case: "Ishoj" finds "Ishøj", "aero" finds
"Ærø". `sort_key` orders names the Danish way: case-insensitive, æ, ø, å after z, and
"aa" as å (Aabenraa and Aalborg among the å's, as in a Danish dictionary).
"""

from __future__ import annotations

import unicodedata

_AFTER_Z = {"æ": "{", "ø": "|", "å": "}"}  # the characters after "z" in code-point order
_AS_DANISH = {"ä": "æ", "ö": "ø", "ü": "y"}  # as a Danish dictionary files them


def fold(text: str) -> str:
    """Text as search compares it. Both the stored text and the query are folded, so a
    folded query is part of the folded text exactly when it should match."""
    folded = text.casefold().replace("æ", "ae").replace("ø", "o")
    bare = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return bare.replace("aa", "a").replace("oe", "o")


def sort_key(text: str) -> str:
    """A key that orders names the Danish way (case-insensitive; æ, ø, å after z)."""
    lowered = " ".join(text.casefold().split()).replace("aa", "å")
    kept = []
    for letter in unicodedata.normalize("NFC", lowered):
        c = _AS_DANISH.get(letter, letter)
        if c in _AFTER_Z:
            kept.append(_AFTER_Z[c])
        else:
            kept.extend(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
    return "".join(kept)
