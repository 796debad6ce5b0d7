"""One story (issue 15, finding 6): the evaluator's story cites its sources by the same
numbers on the web page, in Markdown, HTML and PDF; its milestones are listed in date
order in every form; the Danish PDF has Danish event names and dates, and no "UTC"."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient

from aggregates.taxonomy import AnchoringStatus, Dimension, FactorEffect, FactorOrigin, Sector
from services.application import CommandResult
from services.commands import EvidenceFields, RecordFactor, RecordMilestone
from tests.commands import execute
from tests.pdf_text import shown_text
from tests.projections.support import meta, organisation, partnership
from tests.ui.conftest import tvaers

REF = re.compile(r"#\d+")
# (dimension, status, title, date): recorded in this order, which is not date order
MILESTONES = (
    (Dimension.METHOD, AnchoringStatus.STARTED, "Metoden afprøvet", date(2023, 3, 1)),
    (Dimension.OPERATIONS, AnchoringStatus.ANCHORED, "Videreført i drift", date(2022, 9, 1)),
    (Dimension.METHOD, AnchoringStatus.ANCHORED, "Metoden beskrevet", date(2024, 2, 1)),
    (Dimension.MANAGEMENT, AnchoringStatus.PARTIAL, "Ledelsen bakker op", date(2021, 5, 1)),
)
IN_DATE_ORDER = [
    "Ledelsen bakker op",
    "Videreført i drift",
    "Metoden afprøvet",
    "Metoden beskrevet",
]


def _story(ui: TestClient[Litestar]) -> tuple[UUID, int]:
    app = tvaers(ui)
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead, day=date(2021, 1, 1))
    # Other partnerships' events first: the log's numbers differ from the history's.
    for n in range(3):
        partnership(app, lead, title=f"Andet partnerskab {n}")
    milestone_ids = []
    for dimension, status, title, day in MILESTONES:
        result: CommandResult = execute(
            app,
            RecordMilestone(
                partnership_id=pid,
                dimension=dimension,
                status=status,
                title=title,
                evidence=EvidenceFields(text="Referat fra styregruppen"),
            ),
            meta(day),
        )
        milestone_ids.append(UUID(str(result.created_id)))
    execute(
        app,
        RecordFactor(
            partnership_id=pid,
            origin=FactorOrigin.INTERNAL,
            effect=FactorEffect.PROMOTING,
            description="Engagerede medarbejdere",
            milestone_ids=[milestone_ids[1]],
        ),
        meta(date(2022, 9, 1)),
    )
    return pid, app.max_notification_id()


def _pdf_text(document: bytes) -> str:
    """The text a PDF shows (read back through its fonts' ToUnicode maps)."""
    return shown_text(document)


def _after(text: str, heading: str) -> str:
    return text[text.index(heading) :]


def _before(text: str, heading: str) -> str:
    return text[: text.index(heading)]


def _order(text: str, titles: list[str]) -> list[str]:
    return sorted(titles, key=text.index)


def test_the_story_cites_the_same_numbers_in_every_form_and_lists_milestones_by_date(
    ui: TestClient[Litestar],
) -> None:
    pid, after = _story(ui)
    api = f"/partnerships/{pid}/story"
    assert ui.get(api, params={"after": after}).status_code == 200
    body = ui.get(api).json()
    sources = [e["ref"] for e in body["sources"]]
    assert sources == [f"#{e['version']}" for e in body["sources"]]
    assert any(e["notification_id"] != e["version"] for e in body["sources"])

    web = ui.get(f"/ui/partnerships/{pid}/story")
    markdown = ui.get(api, params={"format": "md"}).text
    html = ui.get(api, params={"format": "html"}).text
    pdf = _pdf_text(ui.get(api, params={"format": "pdf"}).content)
    assert web.status_code == 200

    # The citations in the story's body, and the sources' numbers, in each form.
    cited = {
        "web": re.findall(r'href="#source-h\d+"[^>]*>(#\d+)</a>', web.text),
        "markdown": re.findall(r"\[(#\d+)\]\(#h\d+\)", markdown),
        "html": re.findall(r'<a href="#h\d+"[^>]*>(#\d+)</a>', html),
        "pdf": REF.findall(_before(pdf, "Kilder: hændelser i registret")),
    }
    listed = {
        "web": re.findall(r'<tr id="source-h\d+"[^>]*>\s*<th scope="row">(#\d+)</th>', web.text),
        "markdown": re.findall(r'\| <a id="h\d+"></a>(#\d+) \|', markdown),
        "html": re.findall(r'<tr id="h\d+"><th scope="row">(#\d+)</th>', html),
        "pdf": re.findall(r"(#\d+): ", _after(pdf, "Kilder: hændelser i registret")),
    }
    assert len(sources) == 5  # four milestones and a factor (linked as it was recorded)
    assert sorted(set(cited["web"])) == sorted(sources)
    for form in ("markdown", "html", "pdf"):
        assert set(cited[form]) == set(cited["web"]), form
        assert listed[form] == sources, form
    assert listed["web"] == sources

    # Milestones in date order, in every form (across the dimensions).
    timeline = {
        "web": _after(web.text, "Milepæle i datoorden</h2>"),
        "markdown": _after(markdown, "## Milepæle i datoorden"),
        "html": _after(html, 'id="timeline-title">Milepæle i datoorden'),
        "pdf": _after(pdf, "Milepæle i datoorden"),
    }
    for form, text in timeline.items():
        assert _order(text, IN_DATE_ORDER) == IN_DATE_ORDER, form

    # The Danish PDF: Danish event names, dd.mm.åååå dates, Danish time, no UTC.
    assert "UTC" not in pdf
    assert "MilestoneRecorded" not in pdf
    assert "FactorRecorded" not in pdf
    assert "milepæl registreret" in pdf
    assert "faktor registreret" in pdf
    assert "01.05.2021" in pdf
    assert not re.search(r"\d{4}-\d\d-\d\d", pdf)
    assert "(dansk tid)" in pdf
    for text in (markdown, html):
        assert "UTC" not in text
        assert "MilestoneRecorded" not in text
