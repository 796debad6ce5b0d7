"""The audit export: a partnership's history for a date range as a CSV or XLSX file.

One row per entry of the history, oldest first, with what the history page shows: what
happened (the sentence with names and old → new values), the group, who (display name
and role, a system actor in words), the reason, the valid date and the recorded time in
Danish time (Europe/Copenhagen, said so in the heading). Danish headings and dd.mm.åååå
dates in the Danish file (`lang=da`, the default); English headings and ISO dates in the
English one. What a caller may see is what the history shows them (access
`partnership:audit`); the payloads, ids of persons and correlation ids are left out.

Same inputs, same bytes: the CSV is plain text; the XLSX's document properties and the
times inside its zip archive are fixed (a spreadsheet library stamps the time of writing
otherwise), so a file exported twice compares equal (tests/api/test_history_export.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from aggregates.dates import danish_date, in_denmark
from api.exports import CSV_TYPE, XLSX_TYPE, Lang, fixed_xlsx
from projections.audit import AuditEntry
from projections.history import Group

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 80


class FileFormat(str, Enum):
    CSV = "csv"
    XLSX = "xlsx"


HEADINGS: dict[str, tuple[str, str]] = {
    # column: (Danish, English)
    "recorded": ("Registreret (dansk tid)", "Recorded (Danish time, Europe/Copenhagen)"),
    "valid_on": ("Gælder fra", "Valid from"),
    "what": ("Hvad", "What"),
    "group": ("Slags ændring", "Kind of change"),
    "who": ("Hvem", "Who"),
    "reason": ("Begrundelse", "Reason"),
    "record": ("Post", "Record"),
    "version": ("Version", "Version"),
}
_RECORDS = {"partnership": ("partnerskab", "partnership"), "agreement": ("aftale", "agreement")}


@dataclass(frozen=True)
class Row:
    recorded: datetime  # Danish time, naive (a spreadsheet cell has no zone)
    valid_on: date
    what: str
    group: str
    who: str
    reason: str
    record: str
    version: int


def rows(entries: Sequence[AuditEntry], lang: Lang) -> list[Row]:
    english = lang is Lang.EN
    found = []
    for e in entries:
        group = Group(e.group).label("en" if english else "da") if e.group in _GROUPS else e.group
        record = _RECORDS.get(e.aggregate_type, (e.aggregate_type, e.aggregate_type))
        found.append(
            Row(
                recorded=in_denmark(e.recorded_at).replace(tzinfo=None),
                valid_on=e.valid_on,
                what=e.summary_en if english else e.summary,
                group=group,
                who=(e.actor_name_en if english else e.actor_name) or e.actor,
                reason=e.reason or "",
                record=record[1] if english else record[0],
                version=e.version,
            )
        )
    return found


_GROUPS = frozenset(g.value for g in Group)


def headings(lang: Lang) -> list[str]:
    return [english if lang is Lang.EN else danish for danish, english in HEADINGS.values()]


def _cells(row: Row) -> list[Any]:
    return [
        row.recorded,
        row.valid_on,
        row.what,
        row.group,
        row.who,
        row.reason,
        row.record,
        row.version,
    ]


def _text(value: Any, lang: Lang) -> str:
    if isinstance(value, datetime):
        if lang is Lang.EN:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.strftime("%d.%m.%Y %H.%M.%S")
    if isinstance(value, date):
        return value.isoformat() if lang is Lang.EN else danish_date(value)
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def write_csv(entries: Sequence[AuditEntry], lang: Lang) -> bytes:
    """UTF-8 with a byte order mark, `;` between fields (what Excel in Danish expects)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings(lang))
    writer.writerows([_text(v, lang) for v in _cells(row)] for row in rows(entries, lang))
    return ("\ufeff" + out.getvalue()).encode("utf-8", "replace")


def write_xlsx(entries: Sequence[AuditEntry], lang: Lang) -> bytes:
    """One sheet, a bold frozen heading row, real date cells shown the locale's way."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "history" if lang is Lang.EN else "historik"
    titles = headings(lang)
    sheet.append(titles)
    day_format, moment_format = (
        ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss")
        if lang is Lang.EN
        else ("dd.mm.yyyy", "dd.mm.yyyy hh:mm:ss")
    )
    widths = [len(t) for t in titles]
    for row in rows(entries, lang):
        values = [
            ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in _cells(row)
        ]
        sheet.append(values)
        for index, value in enumerate(values):
            width = (
                19
                if isinstance(value, datetime)
                else 10
                if isinstance(value, date)
                else len(str(value))
            )
            widths[index] = max(widths[index], width)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
            elif isinstance(cell.value, datetime):
                cell.number_format = moment_format
            elif isinstance(cell.value, date):
                cell.number_format = day_format
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _MAX_WIDTH)
    return fixed_xlsx(book)  # no time of writing in the bytes (api/exports.py)


def file_name(
    partnership_id: Any, first: date | None, last: date | None, lang: Lang, fmt: FileFormat
) -> str:
    stem = "history" if lang is Lang.EN else "historik"
    span = "-".join(d.isoformat() for d in (first, last) if d is not None)
    return f"{stem}-{partnership_id}{'-' + span if span else ''}.{fmt.value}"


def content(entries: Sequence[AuditEntry], lang: Lang, fmt: FileFormat) -> tuple[bytes, str]:
    """The file's bytes and media type."""
    if fmt is FileFormat.CSV:
        return write_csv(entries, lang), CSV_TYPE
    return write_xlsx(entries, lang), XLSX_TYPE


@dataclass
class FileOperation(Operation):
    """The export's 200 answer is a CSV or an XLSX file, never JSON (`operation_class`)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if not isinstance(ok, OpenAPIResponse):
            return
        ok.content = {
            CSV_TYPE: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
            XLSX_TYPE: OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, content_media_type=XLSX_TYPE)
            ),
        }
        ok.description = "The history as a file (`format=csv|xlsx`), named in Content-Disposition"
