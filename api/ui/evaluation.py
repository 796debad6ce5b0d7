"""The evaluator's toolkit in the web UI (issue 6): the anchoring story, the steering group's
self-assessment beside the evidence, and evaluators' notes.

Routes (under /ui/partnerships/{partnership_id}):

- `story`: the anchoring story (projections/story.py) inside the UI, with the partnership
  page's date control (`as_of`, `known_at`) and links to the API's documents (HTML,
  Markdown, PDF) for the same dates;
- `ratings/new`: a self-assessment of one dimension on the 1-7 scale (project leaders and
  steering-group members: `partnership:rate`), the `RateAnchoring` command like the API;
- `annotations/new`, `annotations/{id}/edit`, `.../publish`, `.../withdraw`: an evaluator's
  own notes (`partnership:annotate`), the `Tvaers` methods the API calls. A note is the
  author's until published: `projections.annotations.list_annotations` decides who sees
  which, so the forms find only the caller's own notes.

The partnership page shows the ratings (templates/evaluation/_ratings.html, in the
anchoring section) and the notes (templates/evaluation/_annotations.html); its loader
reads them with the other sections (api/ui/partnership.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from aggregates.taxonomy import AnnotationKind, AnnotationStatus, Dimension
from api.readside import ReadSide
from api.ui.actions_common import (
    FORM_TEMPLATE,
    choice,
    directory_rules,
    enum_choices,
    form_url,
    multichoice,
    page,
    partnership_page,
    prefilled,
    scope_of,
)
from api.ui.core import PREFIX, format_day, locale_of, query_string, render, user_of
from api.ui.forms import (
    RULES_DA,
    VERSION,
    Field,
    submit,
    with_meta,
)
from api.ui.free_text import warn_names
from api.ui.i18n import ENGLISH, ENGLISH_LABELS, english, translator
from api.ui.partnership import EVENT_GROUPS, moment_text, when_of
from projections import agreements as agreement_views
from projections import annotations as annotation_views
from projections import audit
from projections import story as story_view
from services.application import Tvaers
from services.commands import (
    PublishAnnotation,
    RateAnchoring,
    RecordAnnotation,
    ReviseAnnotation,
    WithdrawAnnotation,
)

READ = {"access": "partnership:read"}
RATE = {"access": "partnership:rate"}
ANNOTATE = {"access": "partnership:annotate"}

NOTE_TEMPLATE = "evaluation/note_form.html"
EVENT_CHOICES = 200  # the newest events of the partnership a note may be linked to
MAX_LINKS = 50  # as the domain allows (aggregates/annotation.py)
RATINGS = "ratings"  # the partnership page's element ids a form returns to
NOTES = "annotations"

LINKS_LABEL = (
    f"Knyttet til hændelser i partnerskabets historik (højst {MAX_LINKS}, nyeste "
    "gyldighedsdato først)"
)

Query = Annotated[str | None, QueryParameter(max_length=64)]

PUBLISHED_DA = (
    "Et offentliggjort notat kan ikke rettes, så ingen læser ser det ændre sig uden varsel. "
    "Træk det tilbage først."
)
# The domain's rules about notes, explained in Danish (forms.RULES_DA, by error code).
RULES_DA.setdefault(
    "annotation-state", "Notatet er ikke i en tilstand, hvor det kan lade sig gøre."
)
RULES_DA.setdefault("not-author", "Kun den, der har skrevet notatet, kan ændre det.")

# The API's documents of the story: (Danish link text, format, media type).
STORY_DOCUMENTS = (
    ("Hent som HTML (til udskrift)", "html", "text/html"),
    ("Hent som Markdown", "md", "text/markdown"),
    ("Hent som PDF", "pdf", "application/pdf"),
)


def story_downloads(
    partnership_id: UUID, when_query: dict[str, str], locale: str
) -> list[tuple[str, str, str]]:
    """Links to the API's story documents for the page's dates, in the page's language
    (the API accepts the session cookie)."""
    path = f"/partnerships/{partnership_id}/story"
    return [
        (text, path + query_string(format=fmt, lang=locale, **when_query), kind)
        for text, fmt, kind in STORY_DOCUMENTS
    ]


def event_value(aggregate_id: UUID, version: int) -> str:
    """A linked event as a form posts it: `<aggregate id>:<version>`."""
    return f"{aggregate_id}:{version}"


def event_links(values: Sequence[str]) -> list[dict[str, str]]:
    """The posted `<aggregate id>:<version>` values as the command's `EventLink`s."""
    links = []
    for value in values:
        aggregate_id, _, version = value.partition(":")
        links.append({"aggregate_id": aggregate_id, "version": version})
    return links


def note_fields(c: dict[str, Any]) -> dict[str, Any]:
    """The note form's clean values as the command's fields (`RecordAnnotation`,
    `ReviseAnnotation`)."""
    return {**c, "dimension": c["dimension"] or None, "links": event_links(c["links"])}


def event_label(kind: str, valid_on: Any, summary: str, _: Any) -> str:
    """`23.11.2021 · Forankring: <the audit history's summary>` (agreements' events are
    in the group "Aftaler")."""
    return f"{format_day(valid_on)} · {_(EVENT_GROUPS.get(kind, 'Andet'))}: {summary}"


async def event_choices(
    read_side: ReadSide,
    partnership_id: UUID,
    locale: str,
    linked: Sequence[annotation_views.LinkedEvent] = (),
) -> list[tuple[str, str]]:
    """The partnership's newest events (its own and its agreements'), latest valid date
    first, as choices; events a note already links to are kept even when older."""
    _ = translator(locale)
    found = await audit.history(
        read_side.store, audit.AuditFilter(partnership_id=partnership_id), limit=EVENT_CHOICES
    )
    entries = sorted(found.entries, key=lambda e: (e.valid_on, e.recorded_at), reverse=True)
    choices = [
        (
            event_value(e.aggregate_id, e.version),
            event_label(e.kind, e.valid_on, e.summary_en if locale == "en" else e.summary, _),
        )
        for e in entries
    ]
    offered = {value for value, _label in choices}
    for link in linked:
        value = event_value(link.aggregate_id, link.version)
        if value not in offered:
            summary = link.summary or _("Hændelse {ref}", ref=link.version)
            choices.append((value, event_label(link.kind or "", link.valid_on, summary, _)))
    return choices


async def own_note(
    request: Request[Any, Any, Any],
    read_side: ReadSide,
    partnership_id: UUID,
    annotation_id: UUID,
) -> annotation_views.AnnotationView:
    """The caller's own note on the partnership; another's (or none): the 404 page."""
    principal = user_of(request)
    notes = await annotation_views.list_annotations(
        read_side.store,
        partnership_id,
        viewer=principal.username,
        visible=principal.visibility,
    )
    for note in notes:
        if note.id == annotation_id and note.mine:
            return note
    raise NotFoundException("No such note of yours.")


def _link_count(clean: dict[str, Any], locale: str) -> dict[str, str]:
    if len(clean.get("links") or []) > MAX_LINKS:
        return {"links": translator(locale)("Vælg højst {n} hændelser.", n=MAX_LINKS)}
    return {}


class EvaluationPages(Controller):
    """The anchoring story, the self-assessment form and the evaluators' notes."""

    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- the anchoring story ----------------------------------------------------------------

    @get("/story", opt=READ, name="ui-story")
    async def story(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        as_of: Query = None,
        known_at: Query = None,
    ) -> Template:
        """The anchoring story on a date, as the registry knew it at a time."""
        await read_side.ready(None, partnership_id)
        when = when_of(request, as_of, known_at)
        found = await story_view.story(
            read_side.store, partnership_id, as_of=when.day, known_at=when.known_at
        )
        return render(
            request,
            "evaluation/story.html",
            status=400 if when.errors else 200,
            story=found,
            when=when,
            known_text=moment_text(when.known_at),
            base=f"{PREFIX}/partnerships/{partnership_id}/story",  # the date control's target
            partnership_url=partnership_page(partnership_id),
            downloads=story_downloads(partnership_id, when.query(), locale_of(request)),
        )

    # -- self-assessment ----------------------------------------------------------------------

    async def _rating(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid, persons=directory_rules(request))
        fields = with_meta(
            [
                choice("dimension", "Dimension", enum_choices(Dimension, request), required=True),
                Field(
                    "rating",
                    "Vurdering (1\N{EN DASH}7)",
                    "int",
                    required=True,
                    minimum=1,
                    maximum=7,
                    help="1 = slet ikke forankret, 7 = fuldt forankret i driften.",
                ),
                Field(
                    "comment",
                    "Kommentar",
                    "textarea",
                    max_length=10_000,
                    help=warn_names("Hvad bygger vurderingen på?", "What is the rating based on?"),
                ),
                choice(
                    "rated_by",
                    "Vurderet af",
                    scope.person_choices(),
                    help="Den person, der gav vurderingen for styregruppen (kan udelades).",
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Ny selvevaluering",
            lead="Styregruppens vurdering af, hvor forankret én dimension er, fra 1 (slet ikke) "
            "til 7 (fuldt forankret i driften). Vurderingen vises ved siden af milepælene.",
            action=form_url(pid, "ratings/new"),
            cancel=partnership_page(pid, RATINGS),
            submit="Gem vurderingen",
            scope=scope,
        )
        return fields, context

    @get("/ratings/new", opt=RATE, name="ui-rating")
    async def rating_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        dimension: Query = None,
    ) -> Template:
        fields, context = await self._rating(request, tvaers, read_side, partnership_id)
        known = dimension if dimension in {d.value for d in Dimension} else None
        return render(request, FORM_TEMPLATE, form=prefilled(fields, dimension=known), **context)

    @post("/ratings/new", opt=RATE)
    async def rate(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._rating(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RateAnchoring,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, RATINGS),
            read_side=read_side,
            error_fields={
                "invalid-value": "rating",
                "not-found": "rated_by",
                "person-erased": "rated_by",
                "inconsistent-dates": "valid_on",
            },
        )

    # -- evaluators' notes ------------------------------------------------------------------

    async def _note(
        self,
        request: Request[Any, Any, Any],
        read_side: ReadSide,
        pid: UUID,
        note: annotation_views.AnnotationView | None = None,
    ) -> tuple[list[Field], dict[str, Any]]:
        """A new note's form (with its date), or the form that rewrites `note`."""
        locale = locale_of(request)
        choices = await event_choices(read_side, pid, locale, note.links if note else ())
        fields = [
            choice("kind", "Slags notat", enum_choices(AnnotationKind, request), required=True),
            Field("text", "Notat", "textarea", required=True, max_length=10_000, help=warn_names()),
            choice(
                "dimension",
                "Dimension",
                enum_choices(Dimension, request),
                help="Kan udelades, når notatet gælder partnerskabet som helhed.",
            ),
            # (no help text: the shared macro shows none for a list of checkboxes)
            multichoice("links", LINKS_LABEL, choices),
        ]
        if note is None:
            fields += [
                Field(
                    "valid_on",
                    "Dato for notatet",
                    "date",
                    required=True,
                    help="Datoen for iagttagelsen (kan ligge tilbage i tiden).",
                ),
            ]  # no reason: a note is not in the partnership's history, where reasons show
            action, title, submit_text = form_url(pid, "annotations/new"), "Nyt evaluatornotat", ""
        else:
            fields.append(Field(VERSION.name, "", "hidden", default=str(note.version)))
            action = form_url(pid, f"annotations/{note.id}/edit")
            title, submit_text = "Ret evaluatornotat", "Gem notatet"
        scope_title = await _title(read_side, pid)
        context = page(
            title=title,
            lead="Et notat er en kladde, som kun du kan se, indtil du offentliggør det. Det "
            "ændrer ikke partnerskabets registreringer.",
            action=action,
            cancel=partnership_page(pid, NOTES),
            submit=submit_text or "Gem kladden",
        )
        context.update(partnership_title=scope_title, back=partnership_page(pid))
        return fields, context

    @get("/annotations/new", opt=ANNOTATE, name="ui-annotation")
    async def note_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._note(request, read_side, partnership_id)
        return render(request, NOTE_TEMPLATE, form=prefilled(fields), **context)

    @post("/annotations/new", opt=ANNOTATE)
    async def record_note(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._note(request, read_side, partnership_id)
        locale = locale_of(request)

        return await submit(
            request,
            fields=fields,
            template=NOTE_TEMPLATE,
            context=context,
            command=RecordAnnotation,
            shape=note_fields,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda result: partnership_page(partnership_id, f"note-{result.created_id}"),
            read_side=read_side,
            check=lambda c: _link_count(c, locale),
            error_fields={"not-found": "links", "invalid-value": "text"},
        )

    @get("/annotations/{annotation_id:uuid}/edit", opt=ANNOTATE, name="ui-annotation-edit")
    async def revise_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        note = await own_note(request, read_side, partnership_id, annotation_id)
        fields, context = await self._note(request, read_side, partnership_id, note)
        form = prefilled(
            fields,
            kind=note.kind.value,
            text=note.text,
            dimension=note.dimension.value if note.dimension else None,
            links=[event_value(link.aggregate_id, link.version) for link in note.links],
        )
        if note.status is AnnotationStatus.PUBLISHED:
            form.message = translator(locale_of(request))(PUBLISHED_DA)
        return render(request, NOTE_TEMPLATE, form=form, **context)

    @post("/annotations/{annotation_id:uuid}/edit", opt=ANNOTATE)
    async def revise_note(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        note = await own_note(request, read_side, partnership_id, annotation_id)
        fields, context = await self._note(request, read_side, partnership_id, note)
        locale = locale_of(request)

        return await submit(
            request,
            fields=fields,
            template=NOTE_TEMPLATE,
            context=context,
            command=ReviseAnnotation,
            shape=note_fields,
            address={"partnership_id": partnership_id, "annotation_id": annotation_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, f"note-{annotation_id}"),
            read_side=read_side,
            check=lambda c: _link_count(c, locale),
            error_fields={"invalid-value": "text"},
        )

    async def _step(
        self,
        request: Request[Any, Any, Any],
        read_side: ReadSide,
        pid: UUID,
        annotation_id: UUID,
        *,
        publish: bool,
        tvaers: Tvaers,
    ) -> Response[Any]:
        """Publish or withdraw a note of one's own (a button with the note's version)."""
        note = await own_note(request, read_side, pid, annotation_id)
        fields = [Field(VERSION.name, "", "hidden", default=str(note.version))]
        tail = "publish" if publish else "withdraw"
        context = page(
            title="Offentliggør notatet" if publish else "Træk notatet tilbage",
            lead="Når notatet er offentliggjort, kan alle med adgang til partnerskabet læse det."
            if publish
            else "Et notat, der er trukket tilbage, kan kun du se. Du kan rette det og "
            "offentliggøre det igen.",
            action=form_url(pid, f"annotations/{annotation_id}/{tail}"),
            cancel=partnership_page(pid, f"note-{annotation_id}"),
            submit="Offentliggør" if publish else "Træk tilbage",
            facts=[("Notat", note.text)],
        )
        context.update(partnership_title=await _title(read_side, pid), back=partnership_page(pid))

        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=PublishAnnotation if publish else WithdrawAnnotation,
            address={"partnership_id": pid, "annotation_id": annotation_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(pid, f"note-{annotation_id}"),
            read_side=read_side,
        )

    @post("/annotations/{annotation_id:uuid}/publish", opt=ANNOTATE)
    async def publish_note(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        return await self._step(
            request, read_side, partnership_id, annotation_id, publish=True, tvaers=tvaers
        )

    @post("/annotations/{annotation_id:uuid}/withdraw", opt=ANNOTATE)
    async def withdraw_note(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        return await self._step(
            request, read_side, partnership_id, annotation_id, publish=False, tvaers=tvaers
        )


async def _title(read_side: ReadSide, partnership_id: UUID) -> str:
    """The partnership's title (the forms of notes need no aggregate)."""
    found = await agreement_views.partnership_titles(read_side.store, [partnership_id])
    return found.get(partnership_id, "?")


# -- English --------------------------------------------------------------------------------

# English labels of the notes' kinds (the taxonomy's values "factor" etc. read oddly alone).
ENGLISH_LABELS.setdefault("factor", "promoting factor")
ENGLISH_LABELS.setdefault("judgement", "judgement")

TEXTS: dict[str, str] = {
    # the partnership page
    "Forankringshistorien": "The anchoring story",
    "Ny vurdering": "New rating",
    "Selvevaluering ved siden af dokumentationen": "Self-assessment beside the evidence",
    "Styregruppen vurderer hver dimension fra 1 (slet ikke forankret) til 7 (fuldt forankret "
    "i driften). Hver vurdering står med de milepæle, der er kommet siden vurderingen før.": (
        "The steering group rates each dimension from 1 (not anchored at all) to 7 (fully "
        "part of operations). Each rating is shown with the milestones that came since the "
        "rating before it."
    ),
    "Markeringer til evaluator: {n}": "Flags for the evaluator: {n}",
    "Vurderingen steg uden ny dokumentation": "The rating rose without new evidence",
    "Dokumentation uden efterfølgende vurdering": "Evidence not rated afterwards",
    "fra {old} til {new}": "from {old} to {new}",
    "Se vurderingen": "See the rating",
    "{dimension}: vurderinger og dokumentation": "{dimension}: ratings and evidence",
    "seneste vurdering {n} af 7": "latest rating {n} of 7",
    "ingen vurderinger": "no ratings",
    "status": "status",
    "Dato": "Date",
    "Vurdering (1\N{EN DASH}7)": "Rating (1\N{EN DASH}7)",
    "Kommentar": "Comment",
    "Vurderet af": "Rated by",
    "Milepæle siden vurderingen før": "Milestones since the rating before",
    "Markering": "Flag",
    "fra {old}": "from {old}",
    "uændret": "unchanged",
    "Milepæl": "Milestone",
    "Styregruppen har ikke vurderet forankringen på datoen.": (
        "The steering group had not rated the anchoring by that date."
    ),
    "Selvevaluering": "Self-assessment",
    "Andet": "Other",
    "Evaluatornotater": "Evaluators' notes",
    "Evaluatorers egne fund om partnerskabet: fremmende faktorer, barrierer og vurderinger. "
    "De ændrer ikke partnerskabets registreringer. En kladde ser kun den, der har skrevet "
    "den.": (
        "Evaluators' own findings about the partnership: promoting factors, barriers and "
        "judgements. They do not change the partnership's records. Only its author sees a "
        "draft."
    ),
    "Notaterne vises, som de er nu.": "The notes are shown as they are now.",
    "Nyt evaluatornotat": "New evaluator's note",
    "Kladde: kun du kan se den": "Draft: only you can see it",
    "Trukket tilbage: kun du kan se den": "Withdrawn: only you can see it",
    "Af {who}": "By {who}",
    "offentliggjort {moment}": "published {moment}",
    "rettet {moment}": "revised {moment}",
    "Knyttet til hændelserne": "Linked to the events",
    "Hændelsen er endnu ikke med i historikken.": "The event is not in the history yet.",
    "Ret notatet": "Revise the note",
    "Offentliggør": "Publish",
    "Træk tilbage": "Withdraw",
    "Ingen evaluatornotater.": "No evaluators' notes.",
    # the story
    "Forankringshistorie": "Anchoring story",
    "Milepæle i datoorden": "Milestones in date order",
    "dansk tid": "Danish time",
    "Tider er dansk tid.": "Times are Danish time.",
    "Hent historien": "Download the story",
    "Hent som HTML (til udskrift)": "Download as HTML (for printing)",
    "Hent som Markdown": "Download as Markdown",
    "Hent som PDF": "Download as PDF",
    "Sammenfatning": "Summary",
    "Dimensioner i historien": "Dimensions in the story",
    "Uden milepæle på datoen": "Without milestones on the date",
    "Hændelse": "Event",
    "Hændelse {ref}": "Event {ref}",
    "Hændelserne bag sætningen": "The events behind the sentence",
    "kilder": "sources",
    "Knyttet til": "Linked to",
    "Partnerskabet {date}": "The partnership on {date}",
    "ledige: {n}": "vacant: {n}",
    "Faktorer uden kobling til en milepæl": "Factors not linked to a milestone",
    "Alle faktorer er koblet til en milepæl.": "Every factor is linked to a milestone.",
    "Kilder: hændelser i registret": "Sources: events in the registry",
    "Hver sætning henviser til hændelserne her. Nummeret er hændelsens version i "
    "partnerskabets egen historik.": (
        "Each sentence refers to the events here. The number is the event's version in the "
        "partnership's own history."
    ),
    "Hændelser, historien bygger på": "Events the story rests on",
    "Registreret": "Recorded",
    "Ingen hændelser.": "No events.",
    # the forms
    "Ny selvevaluering": "New self-assessment",
    "Styregruppens vurdering af, hvor forankret én dimension er, fra 1 (slet ikke) til 7 "
    "(fuldt forankret i driften). Vurderingen vises ved siden af milepælene.": (
        "The steering group's rating of how anchored one dimension is, from 1 (not at all) "
        "to 7 (fully part of operations). The rating is shown beside the milestones."
    ),
    "Gem vurderingen": "Save the rating",
    "1 = slet ikke forankret, 7 = fuldt forankret i driften.": (
        "1 = not anchored at all, 7 = fully part of operations."
    ),
    "Den person, der gav vurderingen for styregruppen (kan udelades).": (
        "The person who gave the rating for the steering group (may be left out)."
    ),
    "Slags notat": "Kind of note",
    "Notat": "Note",
    "Kan udelades, når notatet gælder partnerskabet som helhed.": (
        "May be left out when the note is about the partnership as a whole."
    ),
    LINKS_LABEL: (
        f"Linked to events in the partnership's history (at most {MAX_LINKS}, latest valid "
        "date first)"
    ),
    "Dato for notatet": "Date of the note",
    "Datoen for iagttagelsen (kan ligge tilbage i tiden).": (
        "The date of the observation (may be in the past)."
    ),
    "Ret evaluatornotat": "Revise an evaluator's note",
    "Gem notatet": "Save the note",
    "Gem kladden": "Save the draft",
    "Et notat er en kladde, som kun du kan se, indtil du offentliggør det. Det ændrer ikke "
    "partnerskabets registreringer.": (
        "A note is a draft that only you can see until you publish it. It does not change "
        "the partnership's records."
    ),
    "Vælg højst {n} hændelser.": "Choose at most {n} events.",
    "Offentliggør notatet": "Publish the note",
    "Træk notatet tilbage": "Withdraw the note",
    "Når notatet er offentliggjort, kan alle med adgang til partnerskabet læse det.": (
        "Once the note is published, everyone with access to the partnership can read it."
    ),
    "Et notat, der er trukket tilbage, kan kun du se. Du kan rette det og offentliggøre det "
    "igen.": ("Only you can see a withdrawn note. You may revise it and publish it again."),
    PUBLISHED_DA: (
        "A published note cannot be revised, so that no reader sees it change unannounced. "
        "Withdraw it first."
    ),
    RULES_DA["annotation-state"]: "The note is not in a state where that is possible.",
    RULES_DA["not-author"]: "Only the author of the note may change it.",
}

# A text another page registered first keeps its English (the catalogue is shared).
english({danish: text for danish, text in TEXTS.items() if danish not in ENGLISH})
