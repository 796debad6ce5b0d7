"""The read-side views as CSV and XLSX files (docs/api.md, "Exports: CSV and spreadsheets").

A view endpoint answers with a file when asked with `format=csv` or `format=xlsx` (or,
without `format`, an `Accept` header naming `text/csv` or the XLSX media type); JSON stays
the default. The same query parameters and the same access rules apply: the handler
builds its JSON view as always and hands it to one small function here per view, which
names the view's tables (the main one first) and the file name.

- Each list of the view becomes a table: one sheet each in XLSX; in CSV the main table,
  or the one `table=` names.
- Headings are English, or Danish with `lang=da`; with `lang=da` enum values are their
  Danish labels (`label_da`, aggregates/taxonomy.py) and yes/no are "ja"/"nej".
- CSV: UTF-8 with a byte order mark and `;` between fields (what Excel in a Danish locale
  expects: `,` is its decimal separator); in English dates as `YYYY-MM-DD` and times in
  RFC 3339 (UTC); in Danish (`lang=da`) dates as dd.mm.åååå and times as dd.mm.åååå
  tt.mm.ss in Danish time (Europe/Copenhagen), the heading saying "(dansk tid)".
- XLSX: dates and times as real date cells (times in UTC in English, in Danish time in
  Danish, shown dd.mm.åååå), a bold, frozen header row and column widths fitted to the
  content.
- Text that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) is kept as
  text: a `'` in front in CSV, a string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum, IntEnum
from typing import Annotated, Any, NamedTuple, Protocol
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
)
from litestar.params import QueryParameter
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from aggregates.dates import danish_date, in_denmark
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import Rung

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60


class ExportFormat(str, Enum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Lang(str, Enum):
    EN = "en"
    DA = "da"


@dataclass(frozen=True)
class Export:
    """What the caller asked for: JSON (the default), or a file in a language."""

    format: ExportFormat = ExportFormat.JSON
    lang: Lang = Lang.EN
    table: str | None = None

    @property
    def wanted(self) -> bool:
        """Whether the answer is a file rather than the JSON view."""
        return self.format is not ExportFormat.JSON


def provide_export(
    request: Request[Any, Any, Any],
    format: Annotated[
        ExportFormat | None,
        QueryParameter(
            description="`csv` or `xlsx` for a file of the same data; `json` (the default) "
            "otherwise. Without it, an `Accept: text/csv` or XLSX header asks for a file."
        ),
    ] = None,
    lang: Annotated[
        Lang, QueryParameter(description="Language of a file's headings and labels.")
    ] = Lang.EN,
    table: Annotated[
        str | None,
        QueryParameter(
            max_length=50,
            description="One table of the view: the CSV's (default: the main table), or the "
            "only sheet of the XLSX (default: every table).",
        ),
    ] = None,
) -> Export:
    """The `export` dependency of the view endpoints."""
    if format is None:
        accept = request.headers.get("accept", "")
        format = (
            ExportFormat.XLSX
            if XLSX_TYPE in accept
            else ExportFormat.CSV
            if CSV_TYPE in accept
            else ExportFormat.JSON
        )
    return Export(format=format, lang=lang, table=table)


@dataclass
class ExportOperation(Operation):
    """An operation whose 200 answer may also be CSV or XLSX (`operation_class`).

    The handler's return type (`View | Response[bytes]`) gives Litestar a loose JSON
    schema: put the view's own back and add the two file types.
    """

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
        ok.content[CSV_TYPE] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
        ok.content[XLSX_TYPE] = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, content_media_type=XLSX_TYPE)
        )
        ok.description = (
            f"{ok.description or ''} (JSON; or a file with `format=csv|xlsx`, named in "
            "Content-Disposition)"
        ).strip()
        # `table=` takes the names of this view's tables only (tests/api/test_strictness.py).
        names = TABLES.get(self.operation_id or "")
        for parameter in self.parameters or ():
            if isinstance(parameter, Parameter) and parameter.name == "table" and names:
                parameter.schema = Schema(type=OpenAPIType.STRING, enum=list(names))


# -- headings -------------------------------------------------------------------------

HEADINGS: dict[str, tuple[str, str]] = {
    # field: (English, Danish)
    "activity_id": ("Activity ID", "Aktivitet-ID"),
    "actor": ("Actor", "Bruger"),
    "actor_name": ("Actor (name and role)", "Bruger (navn og rolle)"),
    "actor_name_en": ("Actor (in English)", "Bruger (på engelsk)"),
    "corrects": ("Corrects", "Retter"),
    "adjustments": ("Adjustments", "Justeringer"),
    "after": ("After", "Efter"),
    "aggregate_id": ("Record ID", "Post-ID"),
    "aggregate_type": ("Record type", "Posttype"),
    "agreement_id": ("Agreement ID", "Aftale-ID"),
    "anchored": ("Anchored", "Forankret"),
    "anchored_count": ("Anchored partnerships", "Forankrede partnerskaber"),
    "anchored_on": ("Anchored on", "Forankret den"),
    "anchored_share": ("Share of the anchored", "Andel af de forankrede"),
    "appointment_id": ("Appointment ID", "Udpegnings-ID"),
    "arena": ("Arena", "Arena"),
    "arenas": ("Arenas", "Arenaer"),
    "author": ("Author", "Forfatter"),
    "author_name": ("Author's name", "Forfatterens navn"),
    "before": ("Before", "Før"),
    "category": ("Category", "Kategori"),
    "category_label": ("Category (Danish)", "Kategori (dansk)"),
    "change": ("Change", "Ændring"),
    "cohort": ("Cohort", "Hold"),
    "comment": ("Comment", "Kommentar"),
    "corrected": ("Corrected", "Rettet"),
    "correlation_id": ("Correlation ID", "Korrelations-ID"),
    "count": ("Count", "Antal"),
    "days": ("Days", "Dage"),
    "days_left": ("Days left", "Dage tilbage"),
    "days_since_end": ("Days since end", "Dage siden slut"),
    "days_vacant": ("Days vacant", "Dage ubesat"),
    "description": ("Description", "Beskrivelse"),
    "dimension": ("Dimension", "Dimension"),
    "document_ref": ("Document", "Dokument"),
    "drafted_on": ("Drafted on", "Udarbejdet"),
    "due_on": ("Due on", "Forfalder"),
    "effect": ("Effect", "Virkning"),
    "effect_label": ("Effect (Danish)", "Virkning (dansk)"),
    "end": ("End", "Slut"),
    "evidence": ("Evidence", "Dokumentation"),
    "expired_on": ("Expired on", "Udløbet"),
    "factor_id": ("Factor ID", "Faktor-ID"),
    "factor_ids": ("Factor IDs", "Faktor-ID'er"),
    "flags": ("Flags", "Markeringer"),
    "follow_up_id": ("Follow-up ID", "Opfølgnings-ID"),
    "group": ("Group", "Gruppe"),
    "handovers": ("Handovers", "Overdragelser"),
    "highest_rung": ("Highest rung", "Højeste trin"),
    "highest_rung_label": ("Highest rung (Danish)", "Højeste trin (dansk)"),
    "holders": ("Holders", "Personer"),
    "id": ("ID", "ID"),
    "key": ("Key", "Nøgle"),
    "kind": ("Kind", "Type"),
    "kind_label": ("Kind (Danish)", "Type (dansk)"),
    "label": ("Label", "Betegnelse"),
    "latest_rating": ("Latest rating", "Seneste vurdering"),
    "launched_on": ("Launched on", "Igangsat"),
    "lead_in": ("Lead in", "Leder i"),
    "lead_organisation_id": ("Lead organisation ID", "Ledende organisation-ID"),
    "link": ("Link", "Link"),
    "links": ("Linked events", "Tilknyttede hændelser"),
    "median_days": ("Median days", "Median dage"),
    "milestone_id": ("Milestone ID", "Milepæl-ID"),
    "milestone_ids": ("Milestone IDs", "Milepæl-ID'er"),
    "milestone_title": ("Milestone", "Milepæl"),
    "milestones": ("Milestones", "Milepæle"),
    "mine": ("Mine", "Min"),
    "municipality": ("Municipality", "Kommune"),
    "name": ("Partner", "Partner"),
    "not_anchored_count": ("Partnerships not anchored", "Ikke forankrede partnerskaber"),
    "not_anchored_share": ("Share of those not anchored", "Andel af de ikke forankrede"),
    "operations_status": ("Operations status", "Driftsstatus"),
    "operations_status_label": ("Operations status (Danish)", "Driftsstatus (dansk)"),
    "organisation_id": ("Organisation ID", "Organisation-ID"),
    "organisation_name": ("Organisation", "Organisation"),
    "organisations": ("Organisations per partnership", "Organisationer pr. partnerskab"),
    "origin": ("Origin", "Oprindelse"),
    "origin_label": ("Origin (Danish)", "Oprindelse (dansk)"),
    "owner_ids": ("Owner IDs", "Ejer-ID'er"),
    "owner_names": ("Owners", "Ejere"),
    "parties": ("Parties", "Parter"),
    "partners": ("Partners", "Partnere"),
    "partnership_id": ("Partnership ID", "Partnerskab-ID"),
    "partnership_title": ("Partnership", "Partnerskab"),
    "partnerships": ("Partnerships", "Partnerskaber"),
    "payload": ("Data", "Data"),
    "period_end": ("Period end", "Periode slut"),
    "period_start": ("Period start", "Periode start"),
    "person_id": ("Person ID", "Person-ID"),
    "person_name": ("Person", "Person"),
    "position_id": ("Position ID", "Rolle-ID"),
    "positions": ("Positions", "Roller"),
    "previous_rating": ("Previous rating", "Forrige vurdering"),
    "published_at": ("Published", "Offentliggjort"),
    "rated_by": ("Rated by (person ID)", "Vurderet af (person-ID)"),
    "rated_by_name": ("Rated by", "Vurderet af"),
    "rating": ("Rating (1-7)", "Vurdering (1-7)"),
    "rating_id": ("Rating ID", "Vurdering-ID"),
    "ratings": ("Ratings", "Vurderinger"),
    "reason": ("Reason", "Begrundelse"),
    "recorded_at": ("Recorded", "Registreret"),
    "recorded_by": ("Recorded by", "Registreret af"),
    "renewals": ("Renewals", "Fornyelser"),
    "revised_at": ("Revised", "Revideret"),
    "role": ("Role", "Rolle"),
    "role_label": ("Role (Danish)", "Rolle (dansk)"),
    "rung": ("Rung", "Trin"),
    "seat": ("Seat", "Post"),
    "section": ("Section", "Afsnit"),
    "sector": ("Sector", "Sektor"),
    "sectors": ("Sectors", "Sektorer"),
    "signed_on": ("Signed on", "Underskrevet"),
    "since": ("Since", "Siden"),
    "source_version": ("Version", "Version"),
    "start": ("Start", "Start"),
    "status": ("Status", "Status"),
    "status_label": ("Status (Danish)", "Status (dansk)"),
    "status_since": ("Status since", "Status siden"),
    "summary": ("Summary", "Resumé"),
    "summary_en": ("Summary (English)", "Resumé (engelsk)"),
    "tags": ("Tags", "Tags"),
    "target_group": ("Target group", "Målgruppe"),
    "target_groups": ("Target groups", "Målgrupper"),
    "terminated_on": ("Terminated on", "Opsagt"),
    "termination_reason": ("Termination reason", "Opsigelsesgrund"),
    "text": ("Text", "Tekst"),
    "title": ("Title", "Titel"),
    "total_count": ("Partnerships in all", "Partnerskaber i alt"),
    "vacancies": ("Vacancies", "Vakancer"),
    "vacant_days": ("Vacant days", "Dage ubesat"),
    "vacant_since": ("Vacant since", "Ubesat siden"),
    "valid_from": ("Valid from", "Gyldig fra"),
    "valid_on": ("Valid from", "Gyldig fra"),
    "valid_to": ("Valid to", "Gyldig til"),
    "version": ("Version", "Version"),
}

SHEET_NAMES: dict[str, str] = {
    # table: Danish sheet name (the English one is the table's own name)
    "partners": "partnere",
    "distribution": "fordeling",
    "steps": "trin",
    "steering_group": "styregruppe",
    "roles": "roller",
    "vacancies": "vakancer",
    "turnover": "udskiftning",
    "dimensions": "dimensioner",
    "milestones": "milepæle",
    "factors": "faktorer",
    "entries": "historik",
    "changes": "ændringer",
    "hits": "partnerskaber",
    "offers": "tilbud",
    "expiring_agreements": "udløbende aftaler",
    "follow_ups_due": "opfølgninger",
    "vacant_roles": "ubesatte roller",
    "stalled_projects": "ikke forankret",
    "partnerships": "partnerskaber",
    "municipal": "forvaltninger",
    "external": "eksterne partnere",
    "rungs": "trin",
    "factor_kinds": "faktortyper",
    "activities": "aktiviteter",
    "agreements": "aftaler",
    "ratings": "vurderinger",
    "flags": "markeringer",
}


def heading(field: str, lang: Lang) -> str:
    english, danish = HEADINGS.get(field, (field.replace("_", " ").capitalize(), ""))
    return danish if lang is Lang.DA and danish else english


# -- tables and cells -----------------------------------------------------------------


class Table(NamedTuple):
    name: str
    kind: type[msgspec.Struct]
    rows: Sequence[msgspec.Struct]


class RungCount(msgspec.Struct, kw_only=True):
    """One row of the ladder's distribution: how many partners stand on a rung."""

    rung: Rung
    count: int


def tables_of(view: msgspec.Struct, *names: str) -> list[Table]:
    """The view's lists of structs named `names`, as tables (in that order)."""
    fields = {f.name: f.type for f in msgspec.inspect.type_info(type(view)).fields}  # type: ignore[attr-defined]
    found = []
    for name in names:
        kind = fields[name]
        assert isinstance(kind, msgspec.inspect.ListType)
        assert isinstance(kind.item_type, msgspec.inspect.StructType)
        found.append(Table(name, kind.item_type.cls, getattr(view, name)))
    return found


def _label(value: Enum, lang: Lang) -> Any:
    if lang is Lang.DA:
        label = getattr(value, "label_da", "")
        if label:
            return label
    return value.value


def _text(value: Any, lang: Lang) -> str:
    """A value inside a cell that holds a list."""
    if isinstance(value, msgspec.Struct):
        parts = (
            _text(v, lang)
            for k, v in msgspec.structs.asdict(value).items()
            if v is not None and not k.endswith("_id")
        )
        return " ".join(parts)
    cell = _cell(value, lang)
    return _csv_text(cell, lang) if isinstance(cell, date) else str(cell)


def _cell(value: Any, lang: Lang) -> Any:
    """A field's value as a cell: None, bool, number, str, date or naive datetime (UTC in
    English, Danish time in Danish)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("ja" if value else "nej") if lang is Lang.DA else value
    if isinstance(value, Enum):
        label = _label(value, lang)
        return int(label) if isinstance(value, IntEnum) and label == value.value else label
    if isinstance(value, datetime):
        if lang is Lang.DA:
            return in_denmark(value).replace(tzinfo=None)
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (date, int, float, str)):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v, lang) for v in value)
    return msgspec.json.encode(value).decode()


def _is_moment(kind: Any) -> bool:
    """Whether a field holds a time (datetime, optional or not)."""
    return kind is datetime or datetime in getattr(kind, "__args__", ())


def _rows(table: Table, lang: Lang) -> tuple[list[str], list[list[Any]]]:
    fields = msgspec.structs.fields(table.kind)
    headings = [
        heading(f.name, lang) + (" (dansk tid)" if lang is Lang.DA and _is_moment(f.type) else "")
        for f in fields
    ]
    rows = [[_cell(getattr(row, f.name), lang) for f in fields] for row in table.rows]
    return headings, rows


def _csv_text(value: Any, lang: Lang = Lang.EN) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # naive: UTC in English, Danish time in Danish
        if lang is Lang.DA:
            return value.strftime("%d.%m.%Y %H.%M.%S")
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return danish_date(value) if lang is Lang.DA else value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def write_csv(table: Table, lang: Lang) -> bytes:
    headings, rows = _rows(table, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows([_csv_text(v, lang) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8", "replace")


def _xlsx_value(value: Any) -> Any:
    """A cell's value without what a worksheet cannot hold (control characters)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode())
    return value


def write_xlsx(tables: Iterable[Table], lang: Lang) -> bytes:
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables:
        title = SHEET_NAMES.get(table.name, table.name) if lang is Lang.DA else table.name
        sheet = book.create_sheet(title=title[:31])
        headings, rows = _rows(table, lang)
        sheet.append(headings)
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
        widths = [len(h) for h in headings]
        for row_cells in sheet.iter_rows():
            for index, cell in enumerate(row_cells):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                if isinstance(cell.value, datetime):
                    cell.number_format = (
                        "dd.mm.yyyy hh:mm:ss" if lang is Lang.DA else "yyyy-mm-dd hh:mm:ss"
                    )
                    width = 19
                elif isinstance(cell.value, date):
                    cell.number_format = "dd.mm.yyyy" if lang is Lang.DA else "yyyy-mm-dd"
                    width = 10
                else:
                    width = len(str(cell.value or ""))
                widths[index] = max(widths[index], width)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _MAX_WIDTH)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_stem(*parts: str) -> str:
    """A file name's stem from its parts (a title, a date), joined by "-": no path
    separators, control or quoting characters, at most 120 characters."""
    text = "-".join(" ".join(p.split()) for p in parts if p and p.strip())
    text = re.sub(r'[\x00-\x1f\x7f"\\/:*?<>|;]+', "_", text).strip(" .")
    return text[:120].rstrip(" .") or "tvaers"


def _ascii(name: str) -> str:
    folded = name.translate(_FOLD)
    plain = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._ -]+", "_", plain)
    return re.sub(r"_+", "_", plain).strip(" _") or "tvaers"


_FOLD = str.maketrans(
    {"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "\u2013": "-", "\u2014": "-"}
)


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """A Content-Disposition header naming the file (RFC 6266): an ASCII `filename` for
    old clients (æ → ae, ø → oe, å → aa) and the real name as UTF-8 in `filename*`."""
    stem, dot, extension = name.rpartition(".")
    plain = f"{_ascii(stem)}.{extension}" if dot else _ascii(name)
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def respond(export: Export, stem: str, tables: Sequence[Table]) -> Response[bytes]:
    """The file: the main table (or `table`) as CSV, or every table (or `table`) as XLSX."""
    names = [t.name for t in tables]
    if export.table is not None and export.table not in names:
        raise ValidationException(
            f"No table {export.table!r} here; choose one of: {', '.join(names)}.",
            extra=[{"key": "table", "message": "unknown table", "source": "query"}],
        )
    chosen = [t for t in tables if t.name == export.table] if export.table else list(tables)
    if export.table:
        stem = f"{stem}-{export.table.replace('_', '-')}"
    if export.format is ExportFormat.CSV:
        content, media_type, extension = write_csv(chosen[0], export.lang), CSV_TYPE, "csv"
    else:
        content, media_type, extension = write_xlsx(chosen, export.lang), XLSX_TYPE, "xlsx"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{extension}"'},
    )


# -- one function per view ------------------------------------------------------------


class _Dated(Protocol):
    @property
    def as_of(self) -> date: ...


class _Ladder(_Dated, Protocol):
    @property
    def distribution(self) -> dict[int, int]: ...


def _day(day: date | None = None) -> str:
    return (day or today_in_denmark()).isoformat()


def ladder(export: Export, view: _Ladder, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    counts = [RungCount(rung=Rung(r), count=n) for r, n in sorted(view.distribution.items())]
    tables = [*tables_of(view, "partners"), Table("distribution", RungCount, counts)]
    return respond(export, f"ladder-{partnership_id}-{_day(view.as_of)}", tables)


def ladder_history(export: Export, view: msgspec.Struct, partnership_id: UUID) -> Response[bytes]:
    return respond(export, f"ladder-history-{partnership_id}-{_day()}", tables_of(view, "steps"))


def roles(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    tables = tables_of(view, "roles", "steering_group", "vacancies", "turnover")
    return respond(export, f"roles-{partnership_id}-{_day(view.as_of)}", tables)


def anchoring(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    tables = tables_of(view, "dimensions", "milestones", "factors")
    return respond(export, f"anchoring-{partnership_id}-{_day(view.as_of)}", tables)


def audit(export: Export, view: msgspec.Struct, partnership_id: UUID) -> Response[bytes]:
    return respond(export, f"audit-{partnership_id}-{_day()}", tables_of(view, "entries"))


def diff(
    export: Export, view: msgspec.Struct, partnership_id: UUID, first: date, second: date
) -> Response[bytes]:
    stem = f"diff-{partnership_id}-{first.isoformat()}-{second.isoformat()}"
    return respond(export, stem, tables_of(view, "changes"))


def registry_search(export: Export, view: _Dated) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    return respond(export, f"partnerships-{_day(view.as_of)}", tables_of(view, "hits"))


def offers(export: Export, view: _Dated) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    return respond(export, f"offers-{_day(view.as_of)}", tables_of(view, "offers"))


class _Today(Protocol):
    @property
    def today(self) -> date: ...


def agenda(export: Export, view: _Today) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    names = ("expiring_agreements", "follow_ups_due", "vacant_roles", "stalled_projects")
    return respond(export, f"agenda-{_day(view.today)}", tables_of(view, *names))


def crosscase(export: Export, view: _Dated) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    names = (
        "partnerships",
        "municipal",
        "external",
        "rungs",
        "dimensions",
        "factor_kinds",
        "factors",
    )
    return respond(export, f"crosscase-{_day(view.as_of)}", tables_of(view, *names))


def activities(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    stem = f"activities-{partnership_id}-{_day(view.as_of)}"
    return respond(export, stem, tables_of(view, "activities"))


def agreements(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    stem = f"agreements-{partnership_id}-{_day(view.as_of)}"
    return respond(export, stem, tables_of(view, "agreements"))


def ratings(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    stem = f"ratings-{partnership_id}-{_day(view.as_of)}"
    return respond(export, stem, tables_of(view, "ratings", "flags"))


def evaluator_notes(export: Export, view: msgspec.Struct, partnership_id: UUID) -> Response[bytes]:
    return respond(export, f"annotations-{partnership_id}", tables_of(view, "annotations"))


EXPORTERS: dict[str, Callable[..., Response[bytes]]] = {
    "getLadder": ladder,
    "getLadderHistory": ladder_history,
    "getRoles": roles,
    "getAnchoring": anchoring,
    "getPartnershipAudit": audit,
    "getPartnershipDiff": diff,
    "searchPartnerships": registry_search,
    "listOffers": offers,
    "getAgenda": agenda,
    "getCrossCase": crosscase,
    "getActivities": activities,
    "getAgreements": agreements,
    "getRatings": ratings,
    "getAnnotations": evaluator_notes,
}
"""Every view that exports, by operation id (for the docs and the tests)."""


TABLES: dict[str, tuple[str, ...]] = {
    "getLadder": ("partners", "distribution"),
    "getLadderHistory": ("steps",),
    "getRoles": ("roles", "steering_group", "vacancies", "turnover"),
    "getAnchoring": ("dimensions", "milestones", "factors"),
    "getPartnershipAudit": ("entries",),
    "getPartnershipDiff": ("changes",),
    "searchPartnerships": ("hits",),
    "listOffers": ("offers",),
    "getAgenda": ("expiring_agreements", "follow_ups_due", "vacant_roles", "stalled_projects"),
    "getCrossCase": (
        "partnerships",
        "municipal",
        "external",
        "rungs",
        "dimensions",
        "factor_kinds",
        "factors",
    ),
    "getActivities": ("activities",),
    "getAgreements": ("agreements",),
    "getRatings": ("ratings", "flags"),
    "getAnnotations": ("annotations",),
}
"""The `table=` values of each exporting view, by operation id (stated in the document)."""


EXPORT = Provide(provide_export, sync_to_thread=False)
"""The `export` dependency, for the controllers of the view endpoints."""
