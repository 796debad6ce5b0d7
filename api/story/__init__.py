"""The anchoring story (projections/story.py) as documents: Markdown, HTML and PDF."""

from __future__ import annotations

from api.story.html_page import render_html
from api.story.markdown import render_markdown
from api.story.pdf import render_pdf

__all__ = ["render_html", "render_markdown", "render_pdf"]
