"""The anchoring story (forankringshistorie) of one partnership: JSON, Markdown, HTML or PDF."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import FromPath, QueryParameter

from aggregates.dates import today as today_in_denmark
from api.controllers.views import After, AsOf, KnownAt
from api.exports import Lang, content_disposition, file_stem
from api.readside import ReadSide
from api.story import render_html, render_markdown, render_pdf
from projections import story as story_view

MARKDOWN_TYPE = "text/markdown"
HTML_TYPE = "text/html"
PDF_TYPE = "application/pdf"


class StoryFormat(str, Enum):
    JSON = "json"
    MARKDOWN = "md"
    HTML = "html"
    PDF = "pdf"


@dataclass
class StoryOperation(Operation):
    """The story's 200 answer: JSON (the `Story` schema), or the document in three forms."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if not isinstance(ok, OpenAPIResponse) or not ok.content:
            return
        for media in ok.content.values():
            schema = media.schema
            if isinstance(schema, Schema) and schema.one_of:
                kept = [s for s in schema.one_of if s != Schema()]
                if len(kept) == 1:
                    media.schema = kept[0]
        ok.content[MARKDOWN_TYPE] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
        ok.content[HTML_TYPE] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
        ok.content[PDF_TYPE] = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, content_media_type=PDF_TYPE)
        )
        ok.description = "The story as JSON, or with `format=md|html|pdf` as a document"


def file_name(found: story_view.Story, format: StoryFormat, lang: Lang) -> str:
    """`<partnership title>-<date>.<ext>`; the English document ends in `-en`, so the two
    languages of one story never share a name."""
    suffix = "-en" if lang is Lang.EN else ""
    return f"{file_stem(found.title, found.as_of.isoformat())}{suffix}.{format.value}"


def document(found: story_view.Story, format: StoryFormat, lang: Lang) -> Response[bytes]:
    """The story as a document: Markdown and PDF are downloaded (an attachment), the
    printable HTML page opens in the browser; the file name says whose story, on which date
    (an ASCII `filename` and the real one in `filename*`, RFC 6266)."""
    name = file_name(found, format, lang)
    if format is StoryFormat.MARKDOWN:
        content = render_markdown(found, lang).encode()
        media_type, disposition = MARKDOWN_TYPE, content_disposition(name)
    elif format is StoryFormat.HTML:
        content = render_html(found, lang).encode()
        media_type, disposition = HTML_TYPE, content_disposition(name, "inline")
    else:
        content = render_pdf(found, lang)
        media_type, disposition = PDF_TYPE, content_disposition(name)
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


class StoryController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["views"]
    opt = {"access": "partnership:read"}

    @get(
        "/story",
        operation_id="getAnchoringStory",
        operation_class=StoryOperation,
        summary="The anchoring story: per dimension, each milestone with its events, factors "
        "and the partnership on its date",
    )
    async def story(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        format: Annotated[
            StoryFormat,
            QueryParameter(
                description="`json` (the default), or a document: `md` (Markdown), `html` "
                "(a printable page) or `pdf`."
            ),
        ] = StoryFormat.JSON,
        lang: Annotated[
            Lang, QueryParameter(description="Language of a document (JSON has both).")
        ] = Lang.DA,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> story_view.Story | Response[bytes]:
        """Told from the milestones up to `as_of`, as the registry knew them at `known_at`.

        Each milestone's sentence cites the events behind it (its recording and any
        correction), the promoting factors and barriers linked to it (with their events),
        and the ladder and roles on the milestone's date.
        """
        await read_side.ready(after, partnership_id)
        found = await story_view.story(
            read_side.store, partnership_id, as_of=as_of or today_in_denmark(), known_at=known_at
        )
        return found if format is StoryFormat.JSON else document(found, format, lang)
