"""HTTP: the anchoring story in its four forms, the factor tables and the heat maps.

The demo data is loaded through the service the app runs on (tests/integration/
test_demo_evaluation.py checks the content by hand; here: the formats, the parameters,
the media types and the refusals).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import quote

from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from services.demo import load_demo
from tests.api.conftest import add_user, as_user, assert_problem, tvaers

AS_OF = "2026-06-30"


def _demo(client: TestClient[Litestar]) -> dict[str, Any]:
    """Load the demo; the partnerships' ids by municipality, and `after` for the views."""
    service = tvaers(client)
    load_demo(service)
    after = service.max_notification_id()
    response = client.get("/registry/partnerships", params={"after": after, "limit": 50})
    assert response.status_code == 200, response.text
    return {
        "after": after,
        **{hit["municipality"]: hit["id"] for hit in response.json()["hits"]},
    }


def test_the_story_as_json_markdown_html_and_pdf(client: TestClient[Litestar]) -> None:
    demo = _demo(client)
    path = f"/partnerships/{demo['København']}/story"

    body = client.get(path, params={"as_of": AS_OF}).json()
    assert body["anchored"] == ["operations", "method"]
    told = {d["dimension"]: [e["title"] for e in d["entries"]] for d in body["dimensions"]}
    assert told["operations"] == ["To sundhedskonsulenter fastansat"]
    entry = body["dimensions"][2]["entries"][0]
    assert entry["events"][0]["kind"] == "MilestoneRecorded"
    assert isinstance(entry["events"][0]["notification_id"], int)
    assert entry["snapshot"]["partners"][0]["name"] == "Jobcenter København"

    markdown = client.get(path, params={"format": "md", "as_of": AS_OF})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    name = f"Sundhed i beskæftigelsesindsatsen - København-{AS_OF}"  # the title, the date
    assert markdown.headers["content-disposition"] == (
        f'attachment; filename="Sundhed i beskaeftigelsesindsatsen - Koebenhavn-{AS_OF}.md"; '
        f"filename*=UTF-8''{quote(name)}.md"
    )
    english_markdown = client.get(path, params={"format": "md", "lang": "en", "as_of": AS_OF})
    assert english_markdown.headers["content-disposition"].endswith(f"{quote(name)}-en.md")
    assert markdown.text.startswith("# Forankringshistorie: Sundhed i beskæftigelsesindsatsen")
    assert "To sundhedskonsulenter fastansat" in markdown.text

    html = client.get(path, params={"format": "html", "as_of": AS_OF})
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].startswith("inline;")
    assert '<html lang="da">' in html.text
    assert "Den 01.11.2021 gik dimensionen drift fra ingen til forankret" in html.text
    english = client.get(path, params={"format": "html", "lang": "en", "as_of": AS_OF})
    assert '<html lang="en">' in english.text
    assert "On 1 November 2021 the operations dimension went from none to anchored" in (
        english.text
    )

    pdf = client.get(path, params={"format": "pdf", "as_of": AS_OF})
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="Sundhed i beskaeftigelsesindsatsen - Koebenhavn-{AS_OF}.pdf"; '
        f"filename*=UTF-8''{quote(name)}.pdf"
    )

    # As the registry knew it before the demo was loaded: no milestones at all.
    before = client.get(path, params={"known_at": "2000-01-01T00:00:00Z"}).json()
    assert [d["entries"] for d in before["dimensions"]] == [[]] * 7
    assert before["sources"] == []


def test_the_story_refuses_unknown_partnerships_formats_and_readers_without_a_grant(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/story"
    after = {"after": tvaers(client).max_notification_id()}
    empty = client.get(path, params=after).json()  # no milestones yet: a story all the same
    assert empty["text_da"].startswith("Bevæg dig for livet (Svendborg) var pr. ")
    assert empty["text_da"].endswith("ikke forankret på nogen af de 7 dimensioner.")
    assert client.get(path, params={"format": "pdf"}).content.startswith(b"%PDF-")

    unknown = client.get("/partnerships/00000000-0000-4000-8000-000000000000/story")
    assert_problem(unknown, 404, "not-found")
    assert_problem(client.get(path, params={"format": "docx"}), 400, "invalid-request")
    add_user(client, "udenfor@svendborg.dk")
    refused = client.get(
        path, params={"format": "pdf"}, headers=as_user(client, "udenfor@svendborg.dk")
    )
    assert_problem(refused, 403, "forbidden")
    assert "content-disposition" not in refused.headers


def test_the_factor_tables_their_exports_and_the_heatmaps(client: TestClient[Litestar]) -> None:
    demo = _demo(client)

    tables = client.get("/crosscase", params={"as_of": AS_OF}).json()
    assert tables["anchored_on"] == "operations"
    assert len(tables["anchored_group"]) == 3
    assert [k["total_count"] for k in tables["factor_kinds"]] == [6, 9, 0, 7]
    assert tables["factors"][0]["description"] == "Rygeloven"
    anywhere = client.get("/crosscase", params={"as_of": AS_OF, "anchored_on": "any"}).json()
    assert len(anywhere["anchored_group"]) == 5
    assert_problem(client.get("/crosscase", params={"anchored_on": "drift"}), 400)

    factors = client.get(
        "/crosscase", params={"as_of": AS_OF, "format": "csv", "table": "factors", "lang": "da"}
    )
    rows = list(csv.DictReader(io.StringIO(factors.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["Beskrivelse"] == "Rygeloven"
    # A decimal comma in the Danish CSV (issue 16): Danish Excel reads 1,0 as a number.
    assert (rows[0]["Forankrede partnerskaber"], rows[0]["Andel af de forankrede"]) == ("3", "1,0")
    book = client.get("/crosscase", params={"as_of": AS_OF, "format": "xlsx", "lang": "da"})
    sheets = load_workbook(io.BytesIO(book.content)).sheetnames
    assert {"faktortyper", "faktorer"} <= set(sheets)
    assert sheets[-1] == "kodebog"
    one = client.get("/crosscase", params={"partnership_id": demo["Odense"], "as_of": AS_OF})
    assert one.json()["anchored_group"] == [demo["Odense"]]

    # The heat maps: SVG images of the same tables.
    departments = client.get("/crosscase/heatmap", params={"as_of": AS_OF})
    assert departments.status_code == 200, departments.text
    assert departments.headers["content-type"].startswith("image/svg+xml")
    svg = departments.text
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img" lang="da"')
    assert '<title id="heatmap-title">Kommunale forvaltninger' in svg
    assert "København: Sundhed i beskæftigelsesindsatsen" in svg  # a column's tooltip
    assert ">beskæftigelse (jobcenter)</text>" in svg

    kinds = client.get(
        "/crosscase/heatmap", params={"table": "partner_kinds", "lang": "en", "as_of": AS_OF}
    )
    assert ">sports club</text>" in kinds.text
    top = client.get("/crosscase/heatmap", params={"table": "factors", "top": 3, "as_of": AS_OF})
    assert len(re.findall(r'<text x="12"[^>]*>fremmende, ekstern: ', top.text)) == 3
    assert "Forankret (drift) (n=3)" in top.text
    chosen = client.get(
        "/crosscase/heatmap", params={"partnership_id": demo["Ishøj"], "as_of": AS_OF}
    )
    assert "Ishøj: " in chosen.text
    assert "Odense: " not in chosen.text
    assert_problem(client.get("/crosscase/heatmap", params={"table": "rungs"}), 400)
    assert_problem(client.get("/crosscase/heatmap", params={"top": 0}), 400)
