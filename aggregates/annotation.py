"""Annotation (evaluatornotat): an evaluator's own finding about a partnership, in its own stream.

A note names the partnership and the events of its history it is about, but never
changes that history: it lives in a stream of its own and is written only by its author.
Until the author publishes it, only the author sees it (ADR 0007).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID, uuid4

import msgspec

from aggregates.base import Meta, TvaersAggregate, require_text
from aggregates.errors import AnnotationStateError, InvalidValue, NoChange, NotFound, NotTheAuthor
from aggregates.taxonomy import AnnotationKind, AnnotationStatus, Dimension

MAX_LINKS = 50


class EventRef(msgspec.Struct, kw_only=True, frozen=True):
    """One event of a partnership's history, as the audit history names it.

    `aggregate_id` is the partnership itself or one of its agreements; `version` is the
    event's position in that aggregate's history (from 1). Unlike a notification id it
    stays the same when the event log is exported and imported into another store.
    """

    aggregate_id: UUID
    version: int


def clean_links(links: Iterable[EventRef]) -> tuple[EventRef, ...]:
    """The links without repeats, in the order given; each version from 1."""
    cleaned = tuple(dict.fromkeys(links))
    if len(cleaned) > MAX_LINKS:
        raise InvalidValue(
            f"A note links to at most {MAX_LINKS} events, got {len(cleaned)}.",
            da="Et notat kan henvise til højst {most} hændelser, ikke {count}.",
            most=MAX_LINKS,
            count=len(cleaned),
        )
    for link in cleaned:
        if link.version < 1:
            raise InvalidValue(
                f"Event versions start at 1, got {link.version}.",
                da="En henvisning til en hændelse skal have et nummer fra 1, ikke {version}.",
                version=link.version,
            )
    return cleaned


class Annotation(TvaersAggregate):
    partnership_id: UUID
    author: str
    kind: AnnotationKind
    text: str
    dimension: Dimension | None
    links: tuple[EventRef, ...]
    status: AnnotationStatus

    def __init__(self) -> None:
        pass

    class Recorded(TvaersAggregate.Created):
        """An evaluator wrote a note (a draft: only they see it)."""

        partnership_id: UUID
        kind: AnnotationKind
        text: str
        dimension: Dimension | None
        links: tuple[EventRef, ...]

        def apply(self, a: Annotation) -> None:
            a.partnership_id = self.partnership_id
            a.author = self.actor
            a.kind = self.kind
            a.text = self.text
            a.dimension = self.dimension
            a.links = self.links
            a.status = AnnotationStatus.DRAFT

    class Revised(TvaersAggregate.Event):
        """The author rewrote an unpublished note (the whole note: kind, text, links)."""

        kind: AnnotationKind
        text: str
        dimension: Dimension | None
        links: tuple[EventRef, ...]

        def apply(self, a: Annotation) -> None:
            a.kind = self.kind
            a.text = self.text
            a.dimension = self.dimension
            a.links = self.links

    class Published(TvaersAggregate.Event):
        """The author published the note: everyone who may read the partnership sees it."""

        def apply(self, a: Annotation) -> None:
            a.status = AnnotationStatus.PUBLISHED

    class Withdrawn(TvaersAggregate.Event):
        """The author took a published note back: only they see it again."""

        def apply(self, a: Annotation) -> None:
            a.status = AnnotationStatus.WITHDRAWN

    # -- commands ------------------------------------------------------------------------

    @classmethod
    def record(
        cls,
        *,
        partnership_id: UUID,
        kind: AnnotationKind,
        text: str,
        meta: Meta,
        dimension: Dimension | None = None,
        links: Iterable[EventRef] = (),
    ) -> Annotation:
        """A new draft note by `meta.actor` about the partnership (its events checked by
        the service: they must exist and belong to the partnership)."""
        return cls._create_with(
            cls.Recorded,
            meta,
            id=uuid4(),
            partnership_id=partnership_id,
            kind=AnnotationKind(kind),
            text=require_text(text, "The note's text"),
            dimension=Dimension(dimension) if dimension is not None else None,
            links=clean_links(links),
        )

    @property
    def is_published(self) -> bool:
        return self.status is AnnotationStatus.PUBLISHED

    def check_author(self, actor: str) -> None:
        """Only the author changes a note. Another's draft does not exist for them."""
        if actor == self.author:
            return
        if not self.is_published:
            raise NotFound(f"No note with id {self.id}.", da="Notatet findes ikke.")
        raise NotTheAuthor(
            f"Only the author of the note, {self.author}, may change it.",
            da="Kun notatets forfatter, {author}, kan ændre det.",
            author=self.author,
        )

    def revise(
        self,
        *,
        kind: AnnotationKind,
        text: str,
        meta: Meta,
        dimension: Dimension | None = None,
        links: Iterable[EventRef] = (),
    ) -> None:
        self.check_author(meta.actor)
        if self.is_published:
            raise AnnotationStateError(
                "A published note cannot be revised: withdraw it first, so that no reader "
                "sees it change unannounced.",
                da="Et offentliggjort notat kan ikke rettes: træk det tilbage først, så ingen "
                "læser ser det ændre sig uden varsel.",
            )
        new = (
            AnnotationKind(kind),
            require_text(text, "The note's text"),
            Dimension(dimension) if dimension is not None else None,
            clean_links(links),
        )
        if new == (self.kind, self.text, self.dimension, self.links):
            raise NoChange("The note is unchanged.", da="Notatet er uændret.")
        self._trigger(self.Revised, meta, kind=new[0], text=new[1], dimension=new[2], links=new[3])

    def publish(self, meta: Meta) -> None:
        self.check_author(meta.actor)
        if self.is_published:
            raise AnnotationStateError(
                "The note is already published.", da="Notatet er allerede offentliggjort."
            )
        self._trigger(self.Published, meta)

    def withdraw(self, meta: Meta) -> None:
        self.check_author(meta.actor)
        if not self.is_published:
            raise AnnotationStateError(
                "Only a published note can be withdrawn.",
                da="Kun et offentliggjort notat kan trækkes tilbage.",
            )
        self._trigger(self.Withdrawn, meta)
