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

Made for analysis (issue 16, ADR 0022): the columns are told by `columns()`, one per
fact (an `x_label` or `x_en` twin is read in its language under `x`; a rung is its
number), with a column of names beside each id the row does not name (looked up in
projections/export_facts.py for the ids the view holds); a list of structs inside a row
is a table of its own (`children()`). Decimals have a comma in Danish CSV and are number
cells in XLSX. Every XLSX ends with a codebook sheet (`table=codebook` gives it as CSV):
each column's heading, field, meaning, type and source. The same query gives the same
bytes (`fixed_xlsx`: no time of writing in the file).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from types import MappingProxyType
from typing import Annotated, Any, NamedTuple, Protocol
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
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
from openpyxl.writer.excel import ExcelWriter

from aggregates.dates import danish_date, in_denmark
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import Dimension, PartnershipType, Rung, Sector
from api.readside import ReadSide
from projections import export_facts
from projections.crosscase import CrossCase
from projections.search import SearchPage
from projections.store import ReadStore

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
    store: ReadStore | None = None  # where the names beside the ids are looked up

    @property
    def wanted(self) -> bool:
        """Whether the answer is a file rather than the JSON view."""
        return self.format is not ExportFormat.JSON


async def provide_export(
    request: Request[Any, Any, Any],
    read_side: NamedDependency[ReadSide],
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
    return Export(format=format, lang=lang, table=table, store=read_side.store)


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
                parameter.schema = Schema(type=OpenAPIType.STRING, enum=[*names, "codebook"])


# -- headings -------------------------------------------------------------------------

HEADINGS: dict[str, tuple[str, str]] = {
    # field: (English, Danish)
    "activity_id": ("Activity ID", "Aktivitet-ID"),
    "activity_title": ("Activity", "Aktivitet"),
    "agreement_title": ("Agreement", "Aftale"),
    "aspect": ("Aspect", "Del"),
    "event_kind": ("Event kind (code)", "Hændelsestype (kode)"),
    "event_no": ("Event no.", "Hændelse nr."),
    "fields": ("Fields (JSON)", "Felter (JSON)"),
    "kind_words": ("Kind of change", "Slags ændring"),
    "lead_in_titles": ("Lead in (titles)", "Leder i (titler)"),
    "lead_organisation_name": ("Lead organisation", "Ledende organisation"),
    "partnership_titles": ("Partnerships (titles)", "Partnerskaber (titler)"),
    "purpose": ("Purpose", "Formål"),
    "record": ("Record", "Post"),
    "record_id": ("Record ID", "Post-ID"),
    "staff_hours_per_year": ("Staff hours per year", "Personaletimer pr. år"),
    "yearly_budget_dkk": ("Yearly budget (DKK)", "Årligt budget (kr.)"),
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
    "lead": ("Lead of this sector", "Leder fra denne sektor"),
    "lead_organisation_id": ("Lead organisation ID", "Ledende organisation-ID"),
    "link": ("Link", "Link"),
    "links": ("Linked events", "Tilknyttede hændelser"),
    "median_days": ("Median days", "Median dage"),
    "milestone_id": ("Milestone ID", "Milepæl-ID"),
    "milestone_ids": ("Milestone IDs", "Milepæl-ID'er"),
    "event_versions": ("Linked events (history numbers)", "Knyttede hændelser (nr. i historikken)"),
    "linked_kinds": ("Linked to events of kind", "Knyttet til hændelser af typen"),
    "linked_to": ("Linked to (Danish)", "Knyttet til (dansk)"),
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
    "tags": ("Tags", "Emneord"),
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
    "factor_sources": "faktorkilder",
    "activities": "aktiviteter",
    "agreements": "aftaler",
    "ratings": "vurderinger",
    "flags": "markeringer",
    "dimension_days": "dage til forankring",
    "municipal_per_partnership": "forvaltninger pr. partnerskab",
    "external_per_partnership": "eksterne pr. partnerskab",
    "adjustments": "justeringer",
    "parties": "parter",
    "links": "koblinger",
    "annotations": "notater",
    "events": "hændelser",
    "codebook": "kodebog",
}


def heading(field: str, lang: Lang) -> str:
    english, danish = HEADINGS.get(field, (field.replace("_", " ").capitalize(), ""))
    return danish if lang is Lang.DA and danish else english


# -- tables, columns and cells --------------------------------------------------------


class Table(NamedTuple):
    name: str
    kind: type[msgspec.Struct]
    rows: Sequence[Any]
    # a child table (one row per item of a list in its parent's rows; each row a pair
    # (the parent's first field, the item)): that field's name and type
    parent: tuple[str, Any] | None = None


class RungCount(msgspec.Struct, kw_only=True):
    """One row of the ladder's distribution: how many partners stand on a rung."""

    rung: Rung
    count: int


@dataclass(frozen=True)
class Column:
    """One column of a file: its heading's key (HEADINGS, CODEBOOK), how to read it from
    a row, and its type in the codebook."""

    key: str
    get: Callable[[Any], Any]
    type: str


Names = Mapping[UUID, str]
_NO_NAMES: Names = MappingProxyType({})

# An id field and the column of names put beside it (unless the row has one already).
NAMED: dict[str, str] = {
    "partnership_id": "partnership_title",
    "lead_organisation_id": "lead_organisation_name",
    "organisation_id": "organisation_name",
    "agreement_id": "agreement_title",
    "activity_id": "activity_title",
    "partnerships": "partnership_titles",
    "lead_in": "lead_in_titles",
}
# What else in a row already names the id (then no column is added).
_SIBLINGS: dict[str, tuple[str, ...]] = {
    "organisation_id": ("name",),
    "agreement_id": ("title",),
    "activity_id": ("title",),
}
# Where each kind of id is looked up (projections/export_facts.names).
_KIND_OF: dict[str, str] = {
    "partnership_id": "partnerships",
    "partnerships": "partnerships",
    "lead_in": "partnerships",
    "lead_organisation_id": "organisations",
    "organisation_id": "organisations",
    "agreement_id": "agreements",
    "activity_id": "activities",
}
# A column of codes and the same codes in Danish words: one column, words in Danish files.
_IN_WORDS = {"linked_kinds": "linked_to", "section": "section_label"}  # section: the diff's
_DUPLICATES = ("_label", "_en")  # `x_label` beside `x`, `x_en` beside `x`: one column


def _bare(kind: Any) -> Any:
    info = msgspec.inspect.type_info(kind)
    if isinstance(info, msgspec.inspect.UnionType):
        kept = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        return kept[0] if len(kept) == 1 else info
    return info


def _type_name(kind: Any) -> str:
    """A field's type in the codebook's words (English keys of TYPES)."""
    info = _bare(kind)
    if isinstance(info, msgspec.inspect.UUIDType):
        return "id"
    if isinstance(info, msgspec.inspect.BoolType):
        return "yes/no"
    if isinstance(info, msgspec.inspect.IntType):
        return "integer"
    if isinstance(info, msgspec.inspect.FloatType | msgspec.inspect.DecimalType):
        return "decimal"
    if isinstance(info, msgspec.inspect.DateTimeType):
        return "time"
    if isinstance(info, msgspec.inspect.DateType):
        return "date"
    if isinstance(info, msgspec.inspect.EnumType):
        return "integer" if issubclass(info.cls, IntEnum) else "code"
    if isinstance(info, msgspec.inspect.ListType):
        return "list"
    if isinstance(info, msgspec.inspect.StrType | msgspec.inspect.LiteralType):
        return "text"
    return "json"


def _child_kind(kind: Any) -> type[msgspec.Struct] | None:
    info = _bare(kind)
    if isinstance(info, msgspec.inspect.ListType) and isinstance(
        info.item_type, msgspec.inspect.StructType
    ):
        return info.item_type.cls
    return None


def columns(table: Table, lang: Lang, names: Names) -> list[Column]:
    """The table's columns: one per fact (no `x_label` beside `x`; `x_en` read in English
    under `x`), a column of names beside each id the row does not name, lists of structs
    left to their own table (children)."""
    fields = {f.name: f for f in msgspec.structs.fields(table.kind)}
    found: list[Column] = []
    if table.parent is not None:
        key, kind = table.parent
        found.append(Column(key, lambda r: r[0], _type_name(kind)))
        if key in NAMED:
            found.append(_name_column(NAMED[key], key, lambda r: r[0], names))
    for name, f in fields.items():
        if any(name.endswith(d) and name[: -len(d)] in fields for d in _DUPLICATES):
            continue
        if name == "label" and any(
            hasattr(_bare(g.type), "cls") and hasattr(_bare(g.type).cls, "label_da")
            for g in fields.values()
        ):
            continue  # the Danish label of the row's enum (sector, rung, dimension)
        if _child_kind(f.type) is not None:
            continue
        if name in _IN_WORDS.values():
            continue  # read under its code's column in Danish (one column per fact)
        source = f"{name}_en" if lang is Lang.EN and f"{name}_en" in fields else name
        if lang is Lang.DA and _IN_WORDS.get(name) in fields:
            source = _IN_WORDS[name]
        read = _reader(source, child=table.parent is not None)
        found.append(Column(name, read, _type_name(f.type)))
        named = NAMED.get(name)
        if (
            named
            and named not in fields
            and not any(s in fields for s in _SIBLINGS.get(name, ()))
            and not (name == "partnership_id" and table.kind.__name__ == "EventRow")
        ):
            found.append(_name_column(named, name, read, names))
    return found


def _reader(field: str, *, child: bool) -> Callable[[Any], Any]:
    if child:
        return lambda row: getattr(row[1], field)
    return lambda row: getattr(row, field)


def _name_column(named: str, field: str, read: Callable[[Any], Any], names: Names) -> Column:
    def get(row: Any) -> Any:
        value = read(row)
        if isinstance(value, list):
            return [names.get(v, "") for v in value]
        return None if value is None else names.get(value)

    return Column(named, get, "list" if field in ("partnerships", "lead_in") else "text")


def children(tables: Sequence[Table]) -> list[Table]:
    """The tables, each followed by a table per list of structs in its rows (one row per
    item, led by the parent row's first field: whose item it is)."""
    found: list[Table] = []
    for table in tables:
        found.append(table)
        if table.parent is not None:
            continue
        parent_fields = msgspec.structs.fields(table.kind)
        for f in parent_fields:
            kind = _child_kind(f.type)
            if kind is None:
                continue
            name = CHILD_TABLES[(table.name, f.name)]
            key = parent_fields[0]
            rows = [
                (getattr(row, key.name), item)
                for row in table.rows
                for item in getattr(row, f.name)
            ]
            found.append(Table(name, kind, rows, parent=(key.name, key.type)))
    return found


CHILD_TABLES: dict[tuple[str, str], str] = {
    # (table, its field holding a list of structs): the child table's name
    ("dimensions", "days"): "dimension_days",
    ("activities", "adjustments"): "adjustments",
    ("agreements", "parties"): "parties",
    ("annotations", "links"): "links",
}


def _label(value: Enum, lang: Lang) -> Any:
    if lang is Lang.DA:
        label = getattr(value, "label_da", "")
        if label:
            return label
    return value.value


def _text(value: Any, lang: Lang) -> str:
    """A value inside a cell that holds a list."""
    if isinstance(value, msgspec.Struct):
        return msgspec.json.encode(value).decode()
    cell = _cell(value, lang)
    return _csv_text(cell, lang) if isinstance(cell, date | float | Decimal) else str(cell)


def _cell(value: Any, lang: Lang) -> Any:
    """A field's value as a cell: None, bool, number, str, date or naive datetime (UTC in
    English, Danish time in Danish). A rung (an IntEnum) stays its number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("ja" if value else "nej") if lang is Lang.DA else value
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, Enum):
        return _label(value, lang)
    if isinstance(value, datetime):
        if isinstance(value, _DanishMoment):
            return value  # already Danish time
        if lang is Lang.DA:
            return in_denmark(value).replace(tzinfo=None)  # a naive value is UTC
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date | int | float | str | Decimal):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return "; ".join(_text(v, lang) for v in value)
    return msgspec.json.encode(value).decode()


DANISH_TIME_TABLES = frozenset({"events"})
"""Tables whose times are Danish time in English files too (as the audit export's)."""


def _moment_heading(column: Column, lang: Lang, table: str = "") -> str:
    text = heading(column.key, lang)
    if column.type != "time":
        return text
    if lang is Lang.DA:
        return text + " (dansk tid)"
    return text + (" (Danish time)" if table in DANISH_TIME_TABLES else "")


class _DanishMoment(datetime):
    """A time in Danish time (naive), written without the "Z" of UTC."""


def _local(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    moment = in_denmark(value)
    return _DanishMoment(*moment.timetuple()[:6], moment.microsecond)


def _rows(
    table: Table, lang: Lang, names: Names = _NO_NAMES
) -> tuple[list[str], list[list[Any]], list[Column]]:
    cols = columns(table, lang, names)
    headings = [_moment_heading(c, lang, table.name) for c in cols]
    local = table.name in DANISH_TIME_TABLES
    rows = [
        [_cell(_local(c.get(row)) if local else c.get(row), lang) for c in cols]
        for row in table.rows
    ]
    return headings, rows, cols


def _number(value: float | Decimal, lang: Lang) -> str:
    """A decimal number as text: a decimal comma in Danish (what Danish Excel reads)."""
    text = format(value, "f") if isinstance(value, Decimal) else repr(value)
    if isinstance(value, Decimal) and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang is Lang.DA else text


def _csv_text(value: Any, lang: Lang = Lang.EN) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal):
        return _number(value, lang)
    if isinstance(value, datetime):  # naive: UTC in English, Danish time in Danish
        if lang is Lang.DA:
            return value.strftime("%d.%m.%Y %H.%M.%S")
        if isinstance(value, _DanishMoment):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return danish_date(value) if lang is Lang.DA else value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def _write_csv(headings: Sequence[str], rows: Iterable[Sequence[Any]], lang: Lang) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows([_csv_text(v, lang) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8", "replace")


def write_csv(table: Table, lang: Lang, names: Names = _NO_NAMES) -> bytes:
    headings, rows, _ = _rows(table, lang, names)
    return _write_csv(headings, rows, lang)


def _xlsx_value(value: Any) -> Any:
    """A cell's value without what a worksheet cannot hold (control characters)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode())
    if isinstance(value, Decimal):
        return float(value)  # a number cell (a spreadsheet holds doubles)
    return value


def _sheet(
    book: Workbook, title: str, headings: list[str], rows: list[list[Any]], lang: Lang
) -> None:
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
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
            elif isinstance(cell.value, float):
                cell.number_format = "0.00##"
                width = 10
            else:
                width = len(str(cell.value or ""))
            widths[index] = max(widths[index], width)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _MAX_WIDTH)


def sheet_name(table: str, lang: Lang) -> str:
    return SHEET_NAMES.get(table, table) if lang is Lang.DA else table


def write_xlsx(
    tables: Iterable[Table], lang: Lang, names: Names = _NO_NAMES, *, only_codebook: bool = False
) -> bytes:
    """One sheet per table, then the codebook: every column's meaning, type and source
    (`only_codebook`: that sheet alone)."""
    book = Workbook()
    book.remove(book.active)
    book_rows: list[list[Any]] = []
    for table in tables:
        if not only_codebook:
            headings, rows, _ = _rows(table, lang, names)
            _sheet(book, sheet_name(table.name, lang), headings, rows, lang)
        book_rows += codebook_of(table, lang)
    _sheet(book, sheet_name("codebook", lang), codebook_headings(lang), book_rows, lang)
    return fixed_xlsx(book)


def codebook_of(table: Table, lang: Lang) -> list[list[Any]]:
    """The codebook's rows for a table's columns (the columns need no data to be told)."""
    cols = columns(table, lang, _NO_NAMES)
    headings = [_moment_heading(c, lang, table.name) for c in cols]
    return codebook_rows(table, cols, headings, lang)


# -- the same inputs, the same bytes ---------------------------------------------------

_FIXED = datetime(2000, 1, 1)  # the XLSX's "created" and "modified": not the time of writing
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def fixed_xlsx(book: Workbook) -> bytes:
    """The workbook's bytes with nothing of the time of writing in them: fixed document
    properties and fixed times on the zip archive's members (openpyxl stamps both)."""
    book.properties.created = book.properties.modified = _FIXED
    book.properties.creator = "Tværs"
    written = io.BytesIO()
    # ExcelWriter, not Workbook.save: that stamps "modified" with the time of writing
    ExcelWriter(book, zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED)).save()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(written.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = member.external_attr
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


# -- the codebook ----------------------------------------------------------------------


def codebook_headings(lang: Lang) -> list[str]:
    if lang is Lang.DA:
        return ["Ark", "Kolonne", "Feltnavn", "Betydning", "Type", "Kilde"]
    return ["Sheet", "Column", "Field", "Meaning", "Type", "Source"]


def codebook_rows(
    table: Table, cols: Sequence[Column], headings: Sequence[str], lang: Lang
) -> list[list[Any]]:
    english = lang is Lang.EN
    found = []
    for column, title in zip(cols, headings, strict=True):
        meaning_en, meaning_da = _TABLE_MEANINGS.get((table.name, column.key)) or meaning(
            column.key
        )
        type_en, type_da = TYPES[column.type]
        found.append(
            [
                sheet_name(table.name, lang),
                title,
                column.key,
                meaning_en if english else meaning_da,
                type_en if english else type_da,
                source(table.name, column.key, lang),
            ]
        )
    return found


def meaning(key: str) -> tuple[str, str]:
    """What a column means (English, Danish): its own entry in MEANINGS, else said from
    its heading for an id or the names beside one."""
    if key in MEANINGS:
        return MEANINGS[key]
    english, danish = HEADINGS[key]
    if key.endswith("_id") or key == "id":
        return (
            f"{english}: the record's identifier (UUID), stable across exports.",
            f"{danish}: postens identifikator (UUID), den samme i alle udtræk.",
        )
    if key in NAMED.values():
        return (
            f"{english}: the name or title of the id beside it, as registered now.",
            f"{danish}: navn eller titel på ID'et ved siden af, som det er registreret nu.",
        )
    return (f"{english}.", f"{danish}.")


def source(table: str, key: str, lang: Lang) -> str:
    english, danish = SOURCES.get((table, key)) or SOURCES.get(("", key)) or SOURCES[(table, "")]
    return english if lang is Lang.EN else danish


TYPES: dict[str, tuple[str, str]] = {
    "id": ("identifier (UUID, text)", "identifikator (UUID, tekst)"),
    "yes/no": ("yes/no", "ja/nej"),
    "integer": ("whole number", "heltal"),
    "decimal": ("decimal number", "decimaltal"),
    "date": ("date", "dato"),
    "time": (
        "date and time (UTC in English files, unless the heading says Danish time)",
        "dato og klokkeslæt (dansk tid)",
    ),
    "code": (
        "code (English files: the API's value; Danish files: its Danish label)",
        "kode (danske filer: den danske betegnelse; engelske: API'ets værdi)",
    ),
    "list": ("list, items separated by '; '", "liste, punkter adskilt af '; '"),
    "text": ("text", "tekst"),
    "json": ("JSON text", "JSON-tekst"),
}

MEANINGS: dict[str, tuple[str, str]] = {
    # column: (English, Danish): where the heading alone does not say it
    "title": ("Title as registered.", "Titel som registreret."),
    "municipality": ("The partnership's municipality.", "Partnerskabets kommune."),
    "kind": ("Kind (a code of the taxonomy).", "Type (en kode i taksonomien)."),
    "period_start": ("First day of the partnership's period.", "Periodens første dag."),
    "period_end": ("Last day of the partnership's period.", "Periodens sidste dag."),
    "purpose": ("The partnership's purpose, as registered now.", "Formålet, som registreret nu."),
    "yearly_budget_dkk": (
        "Yearly budget in Danish kroner, as registered now (empty: not registered).",
        "Årligt budget i kroner, som registreret nu (tom: ikke registreret).",
    ),
    "staff_hours_per_year": (
        "Staff hours per year, as registered now (empty: not registered).",
        "Personaletimer pr. år, som registreret nu (tom: ikke registreret).",
    ),
    "tags": ("Free keywords of the registry.", "Registrets frie emneord."),
    "sectors": (
        "Sectors of the partners on the date, the lead organisation included.",
        "Partnernes sektorer på datoen, den ledende organisation medregnet.",
    ),
    "highest_rung": (
        "Highest rung (1-6) a partner stands on (on the date; in cross-case tables: ever, up "
        "to the date). 1 knowing each other, 2 dialogue, 3 mutual referral, 4 informal "
        "cooperation, 5 cooperation agreement, 6 partnership agreement.",
        "Højeste trin (1-6) en partner står på (på datoen; i tværgående tabeller: nogensinde "
        "frem til datoen). 1 kendskab, 2 dialog, 3 gensidig henvisning, 4 uformelt "
        "samarbejde, 5 samarbejdsaftale, 6 partnerskabsaftale.",
    ),
    "rung": (
        "Rung on the partnership ladder, 1-6 (see Highest rung).",
        "Trin på partnerskabstrappen, 1-6 (se Højeste trin).",
    ),
    "anchored": (
        "Dimensions with an 'anchored' milestone by the date.",
        "Dimensioner med en milepæl 'forankret' senest på datoen.",
    ),
    "start": (
        "The partnership's start: its period start, else the registration's valid date.",
        "Partnerskabets start: periodens start, ellers registreringens gyldighedsdato.",
    ),
    "count": ("How many partnerships the row counts.", "Antal partnerskaber rækken tæller."),
    "median_days": (
        "Median days from the start to the first 'anchored' milestone.",
        "Median af dage fra start til den første milepæl 'forankret'.",
    ),
    "days": (
        "Days from the partnership's start to the date beside it (negative: before it started).",
        "Dage fra partnerskabets start til datoen ved siden af (negativ: før starten).",
    ),
    "anchored_share": (
        "Share (0-1) of the anchored partnerships that recorded the factor.",
        "Andel (0-1) af de forankrede partnerskaber, der registrerede faktoren.",
    ),
    "not_anchored_share": (
        "Share (0-1) of the partnerships not anchored that recorded the factor.",
        "Andel (0-1) af de ikke forankrede partnerskaber, der registrerede faktoren.",
    ),
    "organisations": (
        "Organisations of the sector taking part, the lead included (in a sector row: one "
        "number per partnership, in the order of the partnerships sheet; the sheet per "
        "partnership has one row each).",
        "Organisationer af sektoren, der deltager, den ledende medregnet (i en sektorrække: "
        "ét tal pr. partnerskab i partnerskabsarkets rækkefølge; arket pr. partnerskab har "
        "én række hver).",
    ),
    "lead": (
        "Whether the partnership's lead organisation is of this sector.",
        "Om partnerskabets ledende organisation er af denne sektor.",
    ),
    "event_no": (
        "The event's number in its record's own history (1, 2, ...).",
        "Hændelsens nummer i postens egen historik (1, 2, ...).",
    ),
    "record": ("The record the event belongs to.", "Posten hændelsen hører til."),
    "event_kind": (
        "The event's kind as the event log names it (a code).",
        "Hændelsens type, som hændelsesloggen navngiver den (en kode).",
    ),
    "kind_words": ("The kind of change in words.", "Slags ændring i ord."),
    "summary": (
        "What happened, with names and old → new values.",
        "Hvad der skete, med navne og gammel → ny værdi.",
    ),
    "valid_on": ("The date the fact holds from.", "Datoen faktum gælder fra."),
    "recorded_at": (
        "When the registry recorded it (English files UTC, Danish files Danish time).",
        "Hvornår registret registrerede det (dansk tid i danske filer, UTC i engelske).",
    ),
    "actor_name": (
        "Who recorded it (name and role).",
        "Hvem der registrerede det (navn og rolle).",
    ),
    "reason": ("The reason given.", "Den angivne begrundelse."),
    "fields": (
        "The event's own fields as JSON (as the event log holds them).",
        "Hændelsens egne felter som JSON (som hændelsesloggen har dem).",
    ),
}

_TABLE_MEANINGS: dict[tuple[str, str], tuple[str, str]] = {
    ("events", "recorded_at"): (
        "When the registry recorded the event, in Danish time (Europe/Copenhagen).",
        "Hvornår registret registrerede hændelsen, i dansk tid.",
    ),
}

SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    # (table, column) or ("", column) or (table, ""): where the value comes from
    ("", "partnership_title"): (
        "Registry: PartnershipRegistered / RegistryUpdated (title)",
        "Registret: PartnershipRegistered / RegistryUpdated (titel)",
    ),
    ("", "partnership_titles"): (
        "Registry: PartnershipRegistered / RegistryUpdated (title)",
        "Registret: PartnershipRegistered / RegistryUpdated (titel)",
    ),
    ("", "lead_in_titles"): (
        "Registry: PartnershipRegistered / RegistryUpdated (title)",
        "Registret: PartnershipRegistered / RegistryUpdated (titel)",
    ),
    ("", "lead_organisation_name"): (
        "Directory: OrganisationRegistered / Renamed (name)",
        "Kartoteket: OrganisationRegistered / Renamed (navn)",
    ),
    ("", "organisation_name"): (
        "Directory: OrganisationRegistered / Renamed (name)",
        "Kartoteket: OrganisationRegistered / Renamed (navn)",
    ),
    ("", "agreement_title"): ("Agreement: Drafted (title)", "Aftale: Drafted (titel)"),
    ("", "activity_title"): (
        "Partnership: ActivityPlanned / ActivityChanged (title)",
        "Partnerskab: ActivityPlanned / ActivityChanged (titel)",
    ),
    ("", "yearly_budget_dkk"): (
        "Registry: PartnershipRegistered / RegistryUpdated (yearly_budget_dkk)",
        "Registret: PartnershipRegistered / RegistryUpdated (yearly_budget_dkk)",
    ),
    ("", "staff_hours_per_year"): (
        "Registry: PartnershipRegistered / RegistryUpdated (staff_hours_per_year)",
        "Registret: PartnershipRegistered / RegistryUpdated (staff_hours_per_year)",
    ),
    ("", "purpose"): (
        "Registry: PartnershipRegistered / RegistryUpdated (purpose)",
        "Registret: PartnershipRegistered / RegistryUpdated (purpose)",
    ),
    ("hits", ""): (
        "Registry (PartnershipRegistered, RegistryUpdated), partners (PartnerJoined, "
        "LadderMoved) and milestones (MilestoneRecorded) as of the date",
        "Registret (PartnershipRegistered, RegistryUpdated), partnere (PartnerJoined, "
        "LadderMoved) og milepæle (MilestoneRecorded) pr. datoen",
    ),
    ("partnerships", ""): (
        "Registry, ladder (PartnerJoined, LadderMoved) and milestones as of the date",
        "Registret, trappen (PartnerJoined, LadderMoved) og milepæle pr. datoen",
    ),
    ("municipal", ""): ("Partners (PartnerJoined) and their sectors", "Partnere og deres sektor"),
    ("external", ""): ("Partners (PartnerJoined) and their sectors", "Partnere og deres sektor"),
    ("municipal_per_partnership", ""): (
        "Partners (PartnerJoined) and the registry's lead organisation, with their sectors",
        "Partnere (PartnerJoined) og registrets ledende organisation, med deres sektor",
    ),
    ("external_per_partnership", ""): (
        "Partners (PartnerJoined) and the registry's lead organisation, with their sectors",
        "Partnere (PartnerJoined) og registrets ledende organisation, med deres sektor",
    ),
    ("rungs", ""): ("Ladder (PartnerJoined, LadderMoved)", "Trappen (PartnerJoined, LadderMoved)"),
    ("dimensions", ""): (
        "Milestones (MilestoneRecorded, MilestoneCorrected)",
        "Milepæle (MilestoneRecorded, MilestoneCorrected)",
    ),
    ("dimension_days", ""): (
        "Milestones (MilestoneRecorded, MilestoneCorrected) and the registry's period",
        "Milepæle (MilestoneRecorded, MilestoneCorrected) og registrets periode",
    ),
    ("factor_kinds", ""): ("Factors (FactorRecorded)", "Faktorer (FactorRecorded)"),
    ("factors", ""): ("Factors (FactorRecorded, FactorLinked)", "Faktorer (FactorRecorded)"),
    ("factor_sources", ""): (
        "Factors linked to events (FactorRecorded, FactorEventLinked)",
        "Faktorer knyttet til hændelser (FactorRecorded, FactorEventLinked)",
    ),
    ("partners", ""): (
        "Ladder (PartnerJoined, LadderMoved)",
        "Trappen (PartnerJoined, LadderMoved)",
    ),
    ("distribution", ""): ("Ladder (PartnerJoined, LadderMoved)", "Trappen"),
    ("steps", ""): (
        "Ladder (PartnerJoined, LadderMoved, RungCorrected)",
        "Trappen (PartnerJoined, LadderMoved, RungCorrected)",
    ),
    ("roles", ""): ("Roles (RoleAssigned, RoleVacated)", "Roller (RoleAssigned, RoleVacated)"),
    ("steering_group", ""): ("Steering group (SteeringMemberAppointed)", "Styregruppen"),
    ("vacancies", ""): ("Roles (RoleVacated, RoleAssigned)", "Roller (RoleVacated, RoleAssigned)"),
    ("turnover", ""): ("Roles (RoleAssigned, RoleVacated)", "Roller (RoleAssigned, RoleVacated)"),
    ("milestones", ""): ("Milestones (MilestoneRecorded, MilestoneCorrected)", "Milepæle"),
    ("entries", ""): ("The event log (every event of the partnership)", "Hændelsesloggen"),
    ("changes", ""): ("The event log: the partnership on two dates", "Hændelsesloggen: to datoer"),
    ("offers", ""): ("Activities (ActivityPlanned, ActivityChanged)", "Aktiviteter"),
    ("activities", ""): ("Activities (ActivityPlanned, ActivityChanged)", "Aktiviteter"),
    ("adjustments", ""): ("Activities (ActivityAdjusted)", "Aktiviteter (ActivityAdjusted)"),
    ("expiring_agreements", ""): ("Agreements (Drafted, Signed, Renewed)", "Aftaler"),
    ("follow_ups_due", ""): ("Follow-ups (FollowUpScheduled)", "Opfølgninger"),
    ("vacant_roles", ""): ("Roles (RoleVacated)", "Roller (RoleVacated)"),
    ("stalled_projects", ""): ("Registry period and milestones", "Registrets periode og milepæle"),
    ("agreements", ""): ("Agreements (Drafted, Signed, Renewed, Terminated)", "Aftaler"),
    ("parties", ""): ("Agreements (Drafted, Signed)", "Aftaler (Drafted, Signed)"),
    ("ratings", ""): ("Ratings (DimensionRated, RatingCorrected)", "Vurderinger"),
    ("flags", ""): ("Ratings and milestones compared", "Vurderinger og milepæle sammenholdt"),
    ("annotations", ""): ("Evaluator notes (Annotation events)", "Evaluatornotater"),
    ("links", ""): ("Evaluator notes (Annotation events)", "Evaluatornotater"),
    ("events", ""): (
        "The event log: every event of the partnership and its agreements",
        "Hændelsesloggen: alle partnerskabets og dets aftalers hændelser",
    ),
}


def wanted_names(tables: Sequence[Table]) -> dict[str, set[UUID]]:
    """The ids the tables' name columns need, by kind (projections/export_facts.names)."""
    found: dict[str, set[UUID]] = {}
    for table in tables:
        if table.parent is not None and table.parent[0] in _KIND_OF:
            parent_kind = _KIND_OF[table.parent[0]]
            found.setdefault(parent_kind, set()).update(
                r[0] for r in table.rows if r[0] is not None
            )
        for name, f in ((f.name, f) for f in msgspec.structs.fields(table.kind)):
            kind = _KIND_OF.get(name)
            if kind is None:
                continue
            for row in table.rows:
                value = getattr(row[1] if table.parent is not None else row, f.name)
                values = value if isinstance(value, list) else [value]
                found.setdefault(kind, set()).update(v for v in values if isinstance(v, UUID))
    return found


async def look_up_names(store: ReadStore, tables: Sequence[Table]) -> dict[UUID, str]:
    return await export_facts.names(store, **wanted_names(tables))


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


async def respond(export: Export, stem: str, tables: Sequence[Table]) -> Response[bytes]:
    """The file: the main table (or `table`) as CSV, or every table (or `table`) as XLSX,
    with a codebook sheet (as CSV: `table=codebook`), named in Content-Disposition."""
    tables = children(tables)
    names = [t.name for t in tables]
    if export.table is not None and export.table not in [*names, "codebook"]:
        raise ValidationException(
            f"No table {export.table!r} here; choose one of: {', '.join([*names, 'codebook'])}.",
            extra=[{"key": "table", "message": "unknown table", "source": "query"}],
        )
    chosen = [t for t in tables if t.name == export.table] if export.table else list(tables)
    if export.table == "codebook":
        chosen = list(tables)
    lookup: Names = _NO_NAMES
    if export.store is not None and export.table != "codebook":
        lookup = await look_up_names(export.store, chosen)
    if export.table:
        stem = f"{stem}-{export.table.replace('_', '-')}"
    codebook = export.table == "codebook"
    if codebook and export.format is ExportFormat.CSV:
        rows = [row for table in chosen for row in codebook_of(table, export.lang)]
        content = _write_csv(codebook_headings(export.lang), rows, export.lang)
        media_type, extension = CSV_TYPE, "csv"
    elif export.format is ExportFormat.CSV:
        content, media_type = write_csv(chosen[0], export.lang, lookup), CSV_TYPE
        extension = "csv"
    else:
        content = write_xlsx(chosen, export.lang, lookup, only_codebook=codebook)
        media_type, extension = XLSX_TYPE, "xlsx"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(f"{stem}.{extension}")},
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


async def ladder(export: Export, view: _Ladder, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    counts = [RungCount(rung=Rung(r), count=n) for r, n in sorted(view.distribution.items())]
    tables = [*tables_of(view, "partners"), Table("distribution", RungCount, counts)]
    return await respond(export, f"ladder-{partnership_id}-{_day(view.as_of)}", tables)


async def ladder_history(
    export: Export, view: msgspec.Struct, partnership_id: UUID
) -> Response[bytes]:
    stem = f"ladder-history-{partnership_id}-{_day()}"
    return await respond(export, stem, tables_of(view, "steps"))


async def roles(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    tables = tables_of(view, "roles", "steering_group", "vacancies", "turnover")
    return await respond(export, f"roles-{partnership_id}-{_day(view.as_of)}", tables)


async def anchoring(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    tables = tables_of(view, "dimensions", "milestones", "factors")
    return await respond(export, f"anchoring-{partnership_id}-{_day(view.as_of)}", tables)


async def audit(export: Export, view: msgspec.Struct, partnership_id: UUID) -> Response[bytes]:
    return await respond(export, f"audit-{partnership_id}-{_day()}", tables_of(view, "entries"))


async def diff(
    export: Export, view: msgspec.Struct, partnership_id: UUID, first: date, second: date
) -> Response[bytes]:
    stem = f"diff-{partnership_id}-{first.isoformat()}-{second.isoformat()}"
    return await respond(export, stem, tables_of(view, "changes"))


class PartnershipRow(msgspec.Struct, kw_only=True):
    """A registry hit with the registry's facts no list holds: purpose, budget, hours."""

    id: UUID
    title: str
    municipality: str
    kind: PartnershipType
    period_start: date | None
    period_end: date | None
    lead_organisation_id: UUID
    purpose: str
    yearly_budget_dkk: Decimal | None
    staff_hours_per_year: Decimal | None
    tags: list[str]
    target_groups: list[str]
    arenas: list[str]
    sectors: list[Sector]
    highest_rung: Rung | None
    anchored: list[Dimension]


class CaseRow(msgspec.Struct, kw_only=True):
    """A partnership of the cross-case tables, with its lead, budget and hours."""

    id: UUID
    title: str
    municipality: str
    lead_organisation_id: UUID | None
    start: date
    yearly_budget_dkk: Decimal | None
    staff_hours_per_year: Decimal | None
    highest_rung: Rung | None
    anchored: list[Dimension]


async def _facts(export: Export, ids: Iterable[UUID]) -> dict[UUID, export_facts.RegistryFacts]:
    if export.store is None:
        return {}
    return await export_facts.registry_facts(export.store, ids)


async def registry_search(export: Export, view: SearchPage) -> Response[bytes]:
    hits = view.hits
    facts = await _facts(export, [h.id for h in hits])
    rows = []
    for hit in hits:
        fact = facts.get(hit.id)
        rows.append(
            PartnershipRow(
                **{f: getattr(hit, f) for f in _HIT_FIELDS},
                purpose=fact.purpose if fact else "",
                yearly_budget_dkk=fact.yearly_budget_dkk if fact else None,
                staff_hours_per_year=fact.staff_hours_per_year if fact else None,
            )
        )
    stem = f"partnerships-{_day(view.as_of)}"
    return await respond(export, stem, [Table("hits", PartnershipRow, rows)])


_HIT_FIELDS = tuple(
    f.name
    for f in msgspec.structs.fields(PartnershipRow)
    if f.name not in ("purpose", "yearly_budget_dkk", "staff_hours_per_year")
)


async def offers(export: Export, view: _Dated) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    return await respond(export, f"offers-{_day(view.as_of)}", tables_of(view, "offers"))


class _Today(Protocol):
    @property
    def today(self) -> date: ...


async def agenda(export: Export, view: _Today) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    names = ("expiring_agreements", "follow_ups_due", "vacant_roles", "stalled_projects")
    return await respond(export, f"agenda-{_day(view.today)}", tables_of(view, *names))


async def crosscase(export: Export, view: CrossCase) -> Response[bytes]:
    columns_ = view.partnerships
    facts = await _facts(export, [c.id for c in columns_])
    cases = []
    for c in columns_:
        fact = facts.get(c.id)
        cases.append(
            CaseRow(
                id=c.id,
                title=c.title,
                municipality=c.municipality,
                lead_organisation_id=fact.lead_organisation_id if fact else None,
                start=c.start,
                yearly_budget_dkk=fact.yearly_budget_dkk if fact else None,
                staff_hours_per_year=fact.staff_hours_per_year if fact else None,
                highest_rung=c.highest_rung,
                anchored=c.anchored,
            )
        )
    tables = [
        Table("partnerships", CaseRow, cases),
        *tables_of(view, "municipal"),
        Table("municipal_per_partnership", SectorCount, _per_partnership(view, view.municipal)),
        *tables_of(view, "external"),
        Table("external_per_partnership", SectorCount, _per_partnership(view, view.external)),
        *tables_of(view, "rungs", "dimensions", "factor_kinds", "factors", "factor_sources"),
    ]
    return await respond(export, f"crosscase-{_day(view.as_of)}", tables)


class SectorCount(msgspec.Struct, kw_only=True):
    """A sector in one partnership: how many of its organisations take part (long format
    of a sector row's `organisations`, one number per partnership in one cell)."""

    sector: Sector
    partnership_id: UUID
    organisations: int
    lead: bool


def _per_partnership(view: CrossCase, rows: Sequence[Any]) -> list[SectorCount]:
    order = [c.id for c in view.partnerships]
    return [
        SectorCount(sector=row.sector, partnership_id=pid, organisations=n, lead=pid in row.lead_in)
        for row in rows
        for pid, n in zip(order, row.organisations, strict=False)
        if n or pid in row.lead_in
    ]


async def activities(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    stem = f"activities-{partnership_id}-{_day(view.as_of)}"
    return await respond(export, stem, tables_of(view, "activities"))


async def agreements(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    stem = f"agreements-{partnership_id}-{_day(view.as_of)}"
    return await respond(export, stem, tables_of(view, "agreements"))


async def ratings(export: Export, view: _Dated, partnership_id: UUID) -> Response[bytes]:
    assert isinstance(view, msgspec.Struct)
    stem = f"ratings-{partnership_id}-{_day(view.as_of)}"
    return await respond(export, stem, tables_of(view, "ratings", "flags"))


async def evaluator_notes(
    export: Export, view: msgspec.Struct, partnership_id: UUID
) -> Response[bytes]:
    return await respond(export, f"annotations-{partnership_id}", tables_of(view, "annotations"))


async def event_log(export: Export, view: export_facts.EventLog) -> Response[bytes]:
    stem = f"events-{_day(view.as_of)}"
    if view.known_at is not None:
        stem += "-known-" + view.known_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return await respond(export, stem, [Table("events", export_facts.EventRow, view.events)])


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


EXPORTERS: dict[str, Callable[..., Awaitable[Response[bytes]]]] = {
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
    "exportEvents": event_log,
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
        "municipal_per_partnership",
        "external",
        "external_per_partnership",
        "rungs",
        "dimensions",
        "dimension_days",
        "factor_kinds",
        "factors",
        "factor_sources",
    ),
    "getActivities": ("activities", "adjustments"),
    "getAgreements": ("agreements", "parties"),
    "getRatings": ("ratings", "flags"),
    "getAnnotations": ("annotations", "links"),
    "exportEvents": ("events",),
}
"""The `table=` values of each exporting view, by operation id (stated in the document;
`codebook` besides: the codebook of the view's columns)."""


EXPORT = Provide(provide_export)
"""The `export` dependency, for the controllers of the view endpoints."""
