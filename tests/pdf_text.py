"""The text a PDF shows, read back with pikepdf (for the tests of the story PDF).

Typst writes text as two-byte glyph codes; each font's ToUnicode CMap maps them back.
"""

from __future__ import annotations

import io
import re

import pikepdf


def _unicode_map(font: pikepdf.Object) -> dict[int, str]:
    """A font's codes → text, from its ToUnicode CMap (bfchar and bfrange)."""
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    found: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            found[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for first, last, text in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(text, 16)
            for n, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                found[code] = chr(start + n)
    return found


def shown_text(document: bytes) -> str:
    """The text a PDF shows, page by page (two-byte codes through each font's ToUnicode)."""
    pdf = pikepdf.open(io.BytesIO(document))
    words = []
    for page in pdf.pages:
        maps = {str(name): _unicode_map(font) for name, font in page.Resources.Font.items()}
        current: dict[int, str] = {}
        for instruction in pikepdf.parse_content_stream(page):
            operands, operator = instruction.operands, instruction.operator
            if str(operator) == "Tf":
                current = maps[str(operands[0])]
            elif str(operator) in ("Tj", "TJ"):
                items = operands[0] if str(operator) == "TJ" else [operands[0]]
                for item in items:
                    if isinstance(item, pikepdf.String):
                        raw = bytes(item)
                        words.append(
                            "".join(
                                current.get(int.from_bytes(raw[i : i + 2]), "?")
                                for i in range(0, len(raw), 2)
                            )
                        )
                    elif float(item) < -200:  # a wide gap: a space between words
                        words.append(" ")
            elif str(operator) in ("ET", "Td", "TD", "T*"):
                words.append(" ")
    return " ".join("".join(words).split())
