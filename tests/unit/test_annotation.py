"""Evaluators' notes (evaluatornotater): written, revised, published and withdrawn by their
author only, in a stream of their own."""

from __future__ import annotations

from uuid import uuid4

import pytest

from aggregates import Annotation, EventRef
from aggregates.annotation import MAX_LINKS
from aggregates.errors import (
    AnnotationStateError,
    InvalidValue,
    NoChange,
    NotFound,
    NotTheAuthor,
)
from aggregates.taxonomy import AnnotationKind, AnnotationStatus, Dimension
from tests.unit.conftest import assert_replays_to_same_state, meta, new_events, unchanged

EVALUATOR = "evaluator@cowi.dk"
OTHER = "kollega@cowi.dk"
PARTNERSHIP = uuid4()


def note(*links: EventRef, text: str = "Ledelsen var med hele vejen") -> Annotation:
    return Annotation.record(
        partnership_id=PARTNERSHIP,
        kind=AnnotationKind.FACTOR,
        text=text,
        dimension=Dimension.MANAGEMENT,
        links=links,
        meta=meta(actor=EVALUATOR),
    )


def ref(version: int, aggregate_id: object = PARTNERSHIP) -> EventRef:
    return EventRef(aggregate_id=aggregate_id, version=version)  # type: ignore[arg-type]


def test_a_new_note_is_a_draft_of_its_author_about_the_partnership() -> None:
    a = note(ref(3), ref(5), ref(3), text="  Ledelsen var med  ")

    assert (a.partnership_id, a.author, a.status) == (
        PARTNERSHIP,
        EVALUATOR,
        AnnotationStatus.DRAFT,
    )
    assert (a.kind, a.dimension, a.text) == (
        AnnotationKind.FACTOR,
        Dimension.MANAGEMENT,
        "Ledelsen var med",
    )
    assert a.links == (ref(3), ref(5))  # a repeated link once, in the order given
    assert_replays_to_same_state(a)


def test_a_note_needs_text() -> None:
    with pytest.raises(InvalidValue, match="text"):
        note(text="   ")


def test_event_versions_start_at_one() -> None:
    with pytest.raises(InvalidValue, match="start at 1"):
        note(ref(0))


def test_a_note_links_to_at_most_fifty_events() -> None:
    with pytest.raises(InvalidValue, match="at most"):
        note(*(ref(v) for v in range(1, MAX_LINKS + 2)))


def test_the_author_revises_a_draft_as_a_whole() -> None:
    a = note(ref(2))

    a.revise(
        kind=AnnotationKind.BARRIER,
        text="Udskiftning blandt tovholderne",
        links=[ref(4)],
        meta=meta(actor=EVALUATOR),
    )

    assert (a.kind, a.text, a.dimension, a.links) == (
        AnnotationKind.BARRIER,
        "Udskiftning blandt tovholderne",
        None,  # left out: empty
        (ref(4),),
    )
    assert a.status is AnnotationStatus.DRAFT
    assert_replays_to_same_state(a)


def test_an_unchanged_revision_is_refused() -> None:
    a = note(ref(2))

    with unchanged(a), pytest.raises(NoChange):
        a.revise(
            kind=a.kind,
            text=f" {a.text} ",
            dimension=a.dimension,
            links=[ref(2), ref(2)],
            meta=meta(actor=EVALUATOR),
        )


def test_another_user_cannot_see_let_alone_change_a_draft() -> None:
    a = note()

    for attempt in (
        lambda: a.revise(kind=AnnotationKind.JUDGEMENT, text="Mit", meta=meta(actor=OTHER)),
        lambda: a.publish(meta(actor=OTHER)),
    ):
        with unchanged(a), pytest.raises(NotFound):
            attempt()


def test_publishing_shows_the_note_and_withdrawing_hides_it_again() -> None:
    a = note()
    before = a.version

    a.publish(meta(actor=EVALUATOR))
    assert a.status is AnnotationStatus.PUBLISHED
    a.withdraw(meta(actor=EVALUATOR, reason="Skal præciseres"))
    assert a.status is AnnotationStatus.WITHDRAWN

    kinds = [type(e) for e in new_events(a, before)]
    assert kinds == [Annotation.Published, Annotation.Withdrawn]
    assert_replays_to_same_state(a)


def test_a_published_note_is_not_revised_until_withdrawn() -> None:
    a = note()
    a.publish(meta(actor=EVALUATOR))

    with unchanged(a), pytest.raises(AnnotationStateError, match="withdraw it first"):
        a.revise(kind=AnnotationKind.JUDGEMENT, text="Ny tekst", meta=meta(actor=EVALUATOR))

    a.withdraw(meta(actor=EVALUATOR))
    a.revise(kind=AnnotationKind.JUDGEMENT, text="Ny tekst", meta=meta(actor=EVALUATOR))
    a.publish(meta(actor=EVALUATOR))
    assert (a.text, a.status) == ("Ny tekst", AnnotationStatus.PUBLISHED)


def test_another_user_sees_a_published_note_but_may_not_withdraw_it() -> None:
    a = note()
    a.publish(meta(actor=EVALUATOR))

    with unchanged(a), pytest.raises(NotTheAuthor, match=EVALUATOR):
        a.withdraw(meta(actor=OTHER))


def test_publishing_twice_or_withdrawing_a_draft_is_refused() -> None:
    a = note()
    with unchanged(a), pytest.raises(AnnotationStateError, match="Only a published"):
        a.withdraw(meta(actor=EVALUATOR))

    a.publish(meta(actor=EVALUATOR))
    with unchanged(a), pytest.raises(AnnotationStateError, match="already published"):
        a.publish(meta(actor=EVALUATOR))
