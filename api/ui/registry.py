"""The registry pages of the web UI: search, the map of offers (tilbudskort) and the
cross-case tables.

They call the same views as GET /registry/partnerships, /registry/offers and /crosscase
and show only the partnerships the user's grants cover (`Principal.visibility`); naming a
partnership the user may not read gives the 403 page, as the API refuses it. The filter
forms are plain GET forms; with htmx they replace only the result list (`#results`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get
from litestar.datastructures import MultiDict
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.response import Template

from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import Dimension, Rung, Sector, SectorGroup
from api.controllers.registry import MAX_IDS, refuse_hidden
from api.exports import Lang
from api.heatmap import HeatmapTable, crosscase_svg
from api.readside import ReadSide
from api.ui.core import PREFIX, locale_of, render, user_of
from api.ui.i18n import english, labeller, translator
from projections import crosscase as crosscase_view
from projections import offers as offer_views
from projections import search
from projections.core import InvalidQuery
from projections.directory import names
from projections.history import event_name

PAGE_SIZE = 25
OFFERS_SHOWN = 100
EXPORT_ROWS = 200  # one page of the JSON API's search is its file
MAX_WORD = 200
RESULTS = "results"  # the id of the result region htmx replaces
NOTHING = "\N{EN DASH}"  # an empty cell
VARY = {"Vary": "HX-Request, HX-Target"}

# The ladder's rungs in English (the Danish labels are `Rung.label_da`).
RUNGS_EN = {
    Rung.KNOW_EACH_OTHER: "knowing each other",
    Rung.DIALOGUE: "dialogue and exchange of experience",
    Rung.MUTUAL_REFERRAL: "referring citizens to each other",
    Rung.INFORMAL_COOPERATION: "informal cooperation",
    Rung.COOPERATION_AGREEMENT: "cooperation agreement",
    Rung.PARTNERSHIP_AGREEMENT: "partnership agreement",
}


# -- the filters of a GET form ------------------------------------------------------------


@dataclass
class Filters:
    """The search filters as the user typed them (`raw`), parsed, and what is wrong."""

    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    municipality: str | None = None
    tag: str | None = None
    target_group: str | None = None
    arena: str | None = None
    sector: Sector | None = None
    min_rung: int | None = None
    dimension: Dimension | None = None
    as_of: date | None = None

    def value(self, name: str) -> str:
        return self.raw.get(name, "")

    def search_args(self) -> dict[str, Any]:
        """Keyword arguments of `search.search` (the JSON API's query parameters)."""
        return {
            "text": self.text,
            "municipality": self.municipality,
            "tag": self.tag,
            "target_group": self.target_group,
            "sector": self.sector,
            "min_rung": self.min_rung,
            "dimension": self.dimension,
            "as_of": self.as_of,
        }

    def params(self, *skip: str) -> dict[str, str]:
        """The filters given, for a link that repeats them."""
        return {k: v for k, v in self.raw.items() if v and k not in skip and k not in self.errors}

    @property
    def narrows(self) -> bool:
        """Whether a filter narrows the partnerships (a date and the factor groups do not)."""
        return bool(self.params("as_of", "anchored_on"))


TEXT_FILTERS = ("text", "municipality", "tag", "target_group", "arena")


def read_filters(query: MultiDict[str], wanted: Sequence[str], locale: str) -> Filters:
    """The filters `wanted` from the query string; a value that is not valid is an error
    next to its field (the page shows no results until it is corrected)."""
    _ = translator(locale)
    found = Filters()
    for name in wanted:
        raw = (query.get(name) or "").strip()
        found.raw[name] = raw
        if not raw:
            continue
        if len(raw) > MAX_WORD:
            found.errors[name] = _("Teksten er for lang (højst {n} tegn).", n=MAX_WORD)
        elif name in TEXT_FILTERS:
            setattr(found, name, raw)
        elif name == "sector":
            try:
                found.sector = Sector(raw)
            except ValueError:
                found.errors[name] = _("Vælg en af mulighederne.")
        elif name == "dimension":
            try:
                found.dimension = Dimension(raw)
            except ValueError:
                found.errors[name] = _("Vælg en af mulighederne.")
        elif name == "min_rung":
            if raw.isdigit() and 1 <= int(raw) <= len(Rung):
                found.min_rung = int(raw)
            else:
                found.errors[name] = _("Vælg en af mulighederne.")
        elif name == "as_of":
            try:
                found.as_of = date.fromisoformat(raw)
            except ValueError:
                found.errors[name] = _("Skriv en dato som åååå-mm-dd.")
            else:
                if not 1900 <= found.as_of.year <= 2200:
                    found.as_of = None
                    found.errors[name] = _("Skriv en dato mellem år 1900 og 2200.")
    return found


def link(path: str, params: Mapping[str, Any]) -> str:
    """`path?a=1&b=2` of the values that are set (lists repeat their key)."""
    kept = {k: v for k, v in params.items() if v is not None and v not in ("", [])}
    return path + ("?" + urlencode(kept, doseq=True) if kept else "")


def wants_results(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx asked for the result list alone (not a page restored from history)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-target") == RESULTS
        and headers.get("hx-history-restore-request") != "true"
    )


def _lang(locale: str) -> Lang:
    """The language of the JSON API's files and heat maps: the page's."""
    return Lang.DA if locale == "da" else Lang.EN


def file_lang(request: Request[Any, Any, Any]) -> str:
    return _lang(locale_of(request)).value


def helpers(locale: str) -> dict[str, Any]:
    """Template helpers that depend on the language."""

    def rung_name(rung: int | None) -> str:
        if rung is None:
            return ""
        member = Rung(rung)
        return RUNGS_EN[member] if locale == "en" else member.label_da

    def number(value: float | None) -> str:
        if value is None:
            return NOTHING
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
        return text.replace(".", ",") if locale == "da" else text

    def percent(share: float | None) -> str:
        if share is None:
            return NOTHING
        return f"{round(share * 100)} %" if locale == "da" else f"{round(share * 100)}%"

    _ = translator(locale)
    label = labeller(locale)

    def event_names(kinds: list[str]) -> str:  # the kinds of event a factor is linked to
        return ", ".join(event_name(kind, locale) for kind in kinds)

    return {
        "rung_name": rung_name,
        "number": number,
        "percent": percent,
        "event_names": event_names,
        "sector_options": [
            ("", _("Kommunale forvaltninger"), [(s.value, label(s)) for s in MUNICIPAL]),
            ("", _("Eksterne partnere"), [(s.value, label(s)) for s in EXTERNAL]),
        ],
        "rung_options": [
            (str(r.value), _("Trin {n}: {label}", n=r.value, label=rung_name(r))) for r in Rung
        ],
        "dimension_options": [(d.value, label(d)) for d in Dimension],
        "dimensions": list(Dimension),
    }


MUNICIPAL = [s for s in Sector if s.group is SectorGroup.MUNICIPAL]
EXTERNAL = [s for s in Sector if s.group is SectorGroup.EXTERNAL]


# -- the pages -----------------------------------------------------------------------------

SEARCH_FILTERS = (
    "text", "municipality", "tag", "target_group", "sector", "min_rung", "dimension", "as_of",
)  # fmt: skip
OFFER_FILTERS = ("text", "target_group", "arena", "municipality", "as_of")


class RegistryPages(Controller):
    path = PREFIX
    include_in_schema = False

    @get("/registry", opt={"access": "authenticated"}, name="ui-registry")
    async def registry(
        self, request: Request[Any, Any, Any], read_side: NamedDependency[ReadSide]
    ) -> Template:
        """Search the partnerships the user's grants cover."""
        return await registry_page(request, read_side)

    @get("/offers", opt={"access": "authenticated"}, name="ui-offers")
    async def offers(
        self, request: Request[Any, Any, Any], read_side: NamedDependency[ReadSide]
    ) -> Template:
        """The map of offers (tilbudskort): offers planned or running, for front-line staff."""
        return await offers_page(request, read_side)

    @get("/crosscase", opt={"access": "authenticated"}, name="ui-crosscase")
    async def crosscase(
        self, request: Request[Any, Any, Any], read_side: NamedDependency[ReadSide]
    ) -> Template:
        """The cross-case tables over a chosen set of partnerships, on a date."""
        return await crosscase_page(request, read_side)


def _page(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    """The whole page, or only its result list when htmx asks for that."""
    folder, _, name = template.rpartition("/")
    chosen = f"{folder}/_{name}" if wants_results(request) else template
    return render(request, chosen, headers=VARY, **context, **helpers(locale_of(request)))


async def registry_page(request: Request[Any, Any, Any], read_side: ReadSide) -> Template:
    _ = translator(locale_of(request))
    filters = read_filters(request.query_params, SEARCH_FILTERS, locale_of(request))
    cursor = (request.query_params.get("cursor") or "").strip() or None
    hits: list[search.SearchHit] = []
    next_cursor: str | None = None
    message = None
    if not filters.errors:
        try:
            page = await search.search(
                read_side.store,
                visible=user_of(request).visibility,
                limit=PAGE_SIZE,
                cursor=cursor,
                **filters.search_args(),
            )
        except InvalidQuery:  # a cursor mangled by hand, or from another version
            message = _("Siden kunne ikke findes. Start søgningen forfra.")
        else:
            hits, next_cursor = page.hits, page.next_cursor
    leads = await names(read_side.store, [h.lead_organisation_id for h in hits])
    export = {**filters.params(), "limit": EXPORT_ROWS, "lang": file_lang(request)}
    return _page(
        request,
        "registry/search.html",
        filters=filters,
        hits=hits,
        leads=leads,
        next_page=link(f"{PREFIX}/registry", {**filters.params(), "cursor": next_cursor})
        if next_cursor
        else None,
        first_page=link(f"{PREFIX}/registry", filters.params()) if cursor else None,
        message=message,
        export_rows=EXPORT_ROWS,
        csv=link("/registry/partnerships", {**export, "format": "csv"}),
        xlsx=link("/registry/partnerships", {**export, "format": "xlsx"}),
    )


async def offers_page(request: Request[Any, Any, Any], read_side: ReadSide) -> Template:
    principal = user_of(request)
    filters = read_filters(request.query_params, OFFER_FILTERS, locale_of(request))
    found: list[offer_views.Offer] = []
    day = filters.as_of or today_in_denmark()
    if not filters.errors:
        found = await offer_views.offers(
            read_side.store,
            visible=principal.visibility,
            municipality=filters.municipality,
            target_group=filters.target_group,
            arena=filters.arena,
            text=filters.text,
            as_of=day,
            limit=OFFERS_SHOWN,
        )
    readable = {
        o.partnership_id
        for o in found
        if principal.may("read", o.partnership_id, o.municipality.strip().casefold())
    }
    export = {**filters.params(), "limit": OFFERS_SHOWN, "lang": file_lang(request)}
    return _page(
        request,
        "registry/offers.html",
        filters=filters,
        offers=found,
        day=day,
        readable=readable,
        more=len(found) == OFFERS_SHOWN,
        csv=link("/registry/offers", {**export, "format": "csv"}),
        xlsx=link("/registry/offers", {**export, "format": "xlsx"}),
    )


# -- cross-case ----------------------------------------------------------------------------

CROSSCASE_FILTERS = (*SEARCH_FILTERS, "anchored_on")
ANCHORED_ON_PARAM = "anchored_on"


@dataclass
class Selection:
    """Which partnerships the tables cover: those the user ticked, or the filter's."""

    ids: list[UUID] | None  # None: every partnership the user may see
    by_ticks: bool
    choices: list[search.SearchHit]  # the filter's partnerships, to tick
    capped: bool  # the filter found more than the list shows


TOO_MANY = f"Vælg højst {MAX_IDS} partnerskaber."
NOT_AN_ID = "Et partnerskab i adressen findes ikke."


def _ticked(request: Request[Any, Any, Any]) -> list[UUID]:
    """The partnerships ticked (the error page translates the messages)."""
    values = request.query_params.getall("partnership_id", [])
    if len(values) > MAX_IDS:
        # Not ValidationException: the app answers that one with JSON, not the error page.
        raise ClientException(TOO_MANY)
    try:
        return list(dict.fromkeys(UUID(v) for v in values))
    except ValueError:
        raise ClientException(NOT_AN_ID) from None


async def _selection(
    request: Request[Any, Any, Any], read_side: ReadSide, filters: Filters
) -> Selection:
    visible = user_of(request).visibility
    how = request.query_params.get("select")
    by_ticks = how == "ticked" or (
        how != "filter" and bool(request.query_params.getall("partnership_id", []))
    )
    ticked: list[UUID] = []
    if by_ticks:
        ticked = _ticked(request)
        await refuse_hidden(read_side, visible, ticked)
        await read_side.ready(None, *ticked)
    choices: list[search.SearchHit] = []
    capped = False
    if not filters.errors:
        found = await search.search(
            read_side.store, visible=visible, limit=MAX_IDS, **filters.search_args()
        )
        choices, capped = found.hits, found.next_cursor is not None
    if by_ticks:
        return Selection(ticked, True, choices, capped)
    if filters.errors:
        return Selection([], False, choices, capped)
    # No filter: every partnership the user may see, unless they are too many for a page.
    ids = [h.id for h in choices] if filters.narrows or capped else None
    return Selection(ids, False, choices, capped)


def _anchored_on(raw: str) -> crosscase_view.AnchoredOn | None:
    try:
        return crosscase_view.AnchoredOn(raw or crosscase_view.AnchoredOn.OPERATIONS.value)
    except ValueError:
        return None


def _sector_cells(
    rows: Sequence[crosscase_view.SectorRow], order: Sequence[UUID]
) -> list[tuple[crosscase_view.SectorRow, list[tuple[bool, int, bool]]]]:
    """Each sector row with its cells in column order: (takes part, organisations, lead)."""
    result = []
    for row in rows:
        having, leads = set(row.partnerships), set(row.lead_in)
        cells = [
            (pid in having, orgs, pid in leads)
            for pid, orgs in zip(order, row.organisations, strict=True)
        ]
        result.append((row, cells))
    return result


CSV_TABLES = (
    ("partnerships", "partnerskaber"),
    ("municipal", "forvaltninger"),
    ("external", "eksterne partnere"),
    ("rungs", "trin"),
    ("dimensions", "forankring"),
    ("factor_kinds", "faktortyper"),
    ("factors", "faktorer"),
)


def _downloads(
    tables: crosscase_view.CrossCase, selection: Selection, locale: str
) -> dict[str, Any] | None:
    """Links to the JSON API's files of the same tables (the same selection and date)."""
    if not tables.partnerships:
        return None
    params: dict[str, Any] = {
        "partnership_id": [str(c.id) for c in tables.partnerships]
        if selection.ids is not None
        else [],
        "as_of": tables.as_of.isoformat(),
        ANCHORED_ON_PARAM: tables.anchored_on.value,
        "lang": _lang(locale).value,
    }
    return {
        "xlsx": link("/crosscase", {**params, "format": "xlsx"}),
        "csv": [
            (label, link("/crosscase", {**params, "format": "csv", "table": name}))
            for name, label in CSV_TABLES
        ],
        "svg": [
            (label, link("/crosscase/heatmap", {**params, "table": table.value}))
            for table, label in HEATMAP_LABELS
        ],
    }


HEATMAP_LABELS = (
    (HeatmapTable.DEPARTMENTS, "forvaltninger"),
    (HeatmapTable.PARTNER_KINDS, "eksterne partnere"),
    (HeatmapTable.FACTORS, "faktorer"),
)
_HEATMAP_IDS = re.compile(r'(id="|aria-labelledby="|\s)heatmap-(title|desc)\b')


def _heatmaps(tables: crosscase_view.CrossCase, locale: str) -> dict[str, str]:
    """The heat maps of GET /crosscase/heatmap, inline. Each SVG names its title and
    description by id; with three on a page the ids are made unique."""
    if not tables.partnerships:
        return {}
    return {
        table.value: _HEATMAP_IDS.sub(
            rf"\1heatmap-{table.value}-\2", crosscase_svg(tables, table, _lang(locale))
        )
        for table in HeatmapTable
    }


async def crosscase_page(request: Request[Any, Any, Any], read_side: ReadSide) -> Template:
    locale = locale_of(request)
    _ = translator(locale)
    label = labeller(locale)
    filters = read_filters(request.query_params, CROSSCASE_FILTERS, locale)
    anchored_on = _anchored_on(filters.value(ANCHORED_ON_PARAM))
    if anchored_on is None:
        filters.errors[ANCHORED_ON_PARAM] = _("Vælg en af mulighederne.")
        anchored_on = crosscase_view.AnchoredOn.OPERATIONS
    chosen = await _selection(request, read_side, filters)
    tables = await crosscase_view.crosscase(
        read_side.store,
        visible=user_of(request).visibility,
        partnership_ids=chosen.ids,
        as_of=filters.as_of,
        anchored_on=anchored_on,
    )
    order = [c.id for c in tables.partnerships]
    # Ticked partnerships outside the filter stay in the list, so they can be unticked.
    listed = {h.id for h in chosen.choices}
    anchored_options = [
        (crosscase_view.AnchoredOn.ANY.value, _("forankret på mindst én dimension"))
    ]
    anchored_options += [
        (d.value, _("forankret på dimensionen {dimension}", dimension=label(d))) for d in Dimension
    ]
    return render(
        request,
        "registry/crosscase.html",
        filters=filters,
        selection=chosen,
        extra=[c for c in tables.partnerships if c.id not in listed],
        selected=set(order),
        titles={c.id: c.title for c in tables.partnerships},
        tables=tables,
        municipal=_sector_cells(tables.municipal, order),
        external=_sector_cells(tables.external, order),
        anchored_dates={
            (x.partnership_id, row.dimension): x.anchored_on
            for row in tables.dimensions
            for x in row.days
        },
        anchored_options=anchored_options,
        anchored_rule=dict(anchored_options)[anchored_on.value],
        downloads=_downloads(tables, chosen, locale),
        heatmaps=_heatmaps(tables, locale),
        **helpers(locale),
    )


english(
    {
        # registry search
        "Søg i registret": "Search the registry",
        "Find partnerskaber efter kommune, emne, målgruppe, partnere, trin på "
        "partnerskabstrappen og forankring. Du ser de partnerskaber, dine tildelinger "
        "giver adgang til.": (
            "Find partnerships by municipality, topic, target group, partners, rung on the "
            "partnership ladder and anchoring. You see the partnerships your grants give "
            "access to."
        ),
        "Filtre": "Filters",
        "Fritekst": "Free text",
        "Ord i titel, formål, emneord, målgruppe eller arena.": (
            "Words in the title, purpose, tags, target group or arena."
        ),
        "Emneord": "Tags",
        "Målgruppe": "Target group",
        "Partnersektor": "Partner sector",
        "Alle sektorer": "All sectors",
        "Kommunale forvaltninger": "Municipal departments",
        "Eksterne partnere": "External partners",
        "Mindst trin": "At least rung",
        "Alle trin": "Any rung",
        "Trin {n}: {label}": "Rung {n}: {label}",
        "Mindst én partner står på dette trin eller højere.": (
            "At least one partner stands on this rung or higher."
        ),
        "Forankret på dimension": "Anchored on dimension",
        "Alle dimensioner": "Any dimension",
        "Dato": "Date",
        "Som registret så ud på denne dato (tom: i dag).": (
            "As the registry stood on this date (empty: today)."
        ),
        "Søg": "Search",
        "Nulstil": "Clear",
        "Resultater": "Results",
        "Ingen partnerskaber matcher søgningen.": "No partnerships match the search.",
        "{n} partnerskaber på denne side.": "{n} partnerships on this page.",
        "1 partnerskab på denne side.": "1 partnership on this page.",
        "Der er flere på næste side.": "There are more on the next page.",
        "Partnerskaber, der matcher søgningen": "Partnerships that match the search",
        "Ledende organisation": "Lead organisation",
        "Højeste trin": "Highest rung",
        "Forankret": "Anchored",
        "Næste side": "Next page",
        "Første side": "First page",
        "Sideskift": "Pages",
        "Hent resultatet": "Download the result",
        "som CSV": "as CSV",
        "som regneark (XLSX)": "as a spreadsheet (XLSX)",
        "Filen har højst {n} rækker.": "The file has at most {n} rows.",
        "Siden kunne ikke findes. Start søgningen forfra.": (
            "The page could not be found. Start the search again."
        ),
        "Ret filteret for at se resultater.": "Correct the filter to see results.",
        "ingen": "none",
        "nu": "now",
        # offers
        "Find tilbud til borgere: aktiviteter i kategorien tilbud, der er planlagt eller i "
        "gang. Søg efter målgruppe, arena og kommune.": (
            "Find offers for citizens: activities of the category offer that are planned or "
            "running. Search by target group, arena and municipality."
        ),
        "Søg i tilbud": "Search the offers",
        "Hvor (arena)": "Where (arena)",
        "F.eks. jobcenter, idrætsforening, museum.": (
            "For example job centre, sports club, museum."
        ),
        "Ord i tilbuddets titel, beskrivelse, målgruppe, arena eller partnerskab.": (
            "Words in the offer's title, description, target group, arena or partnership."
        ),
        "Tilbud": "Offers",
        "Ingen tilbud matcher søgningen.": "No offers match the search.",
        "{n} tilbud den {date}.": "{n} offers on {date}.",
        "1 tilbud den {date}.": "1 offer on {date}.",
        "Der vises højst {n} tilbud. Gør søgningen mere præcis for at se resten.": (
            "At most {n} offers are shown. Narrow the search to see the rest."
        ),
        "For hvem": "For whom",
        "Hvor": "Where",
        "Kontakt og ansvarlige partnere": "Contact and owner partners",
        "Tilbuddets status": "Status of the offer",
        "siden {date}": "since {date}",
        "Partnerskab": "Partnership",
        "Kommune": "Municipality",
        # cross-case
        "Krydscase: partnerskaber sammenlignet": "Cross-case: partnerships compared",
        "Sammenlign en række partnerskaber: hvilke forvaltninger og eksterne partnere der "
        "deltager, hvor højt de er nået på partnerskabstrappen, og hvornår de blev forankret.": (
            "Compare a set of partnerships: which departments and external partners take "
            "part, how high they got on the partnership ladder, and when they were anchored."
        ),
        "Udvælg partnerskaber": "Choose partnerships",
        "Udvælg med filteret, eller sæt flueben ved de partnerskaber, der skal med.": (
            "Choose with the filter, or tick the partnerships to include."
        ),
        "Forankret betyder": "Anchored means",
        "forankret på mindst én dimension": "anchored on at least one dimension",
        "forankret på dimensionen {dimension}": "anchored on the dimension {dimension}",
        "Bruges til at dele partnerskaberne i to grupper i faktortabellerne.": (
            "Used to divide the partnerships into two groups in the factor tables."
        ),
        "Partnerskaber at vælge mellem ({n})": "Partnerships to choose from ({n})",
        "Listen viser de første {n}. Gør filteret mere præcist for at se resten.": (
            "The list shows the first {n}. Narrow the filter to see the rest."
        ),
        "Ingen partnerskaber matcher filteret.": "No partnerships match the filter.",
        "Vis tabeller for filteret": "Show tables for the filter",
        "Vis tabeller for de afkrydsede": "Show tables for the ticked ones",
        "Tabellerne viser de partnerskaber, du har sat flueben ved.": (
            "The tables show the partnerships you ticked."
        ),
        "Tabellerne viser de partnerskaber, filteret finder.": (
            "The tables show the partnerships the filter finds."
        ),
        "Tabellerne viser alle de partnerskaber, du har adgang til.": (
            "The tables show every partnership you have access to."
        ),
        "Filteret fandt mere end {n} partnerskaber; tabellerne viser de første {n}.": (
            "The filter found more than {n} partnerships; the tables show the first {n}."
        ),
        "Vælg mindst ét partnerskab.": "Choose at least one partnership.",
        TOO_MANY: f"Choose at most {MAX_IDS} partnerships.",
        NOT_AN_ID: "A partnership in the address does not exist.",
        "{n} partnerskaber den {date}.": "{n} partnerships on {date}.",
        "1 partnerskab den {date}.": "1 partnership on {date}.",
        "Hent tabellerne": "Download the tables",
        "Alle tabeller som regneark (XLSX)": "All tables as a spreadsheet (XLSX)",
        "Én tabel som CSV:": "One table as CSV:",
        "Varmekort som SVG:": "Heat maps as SVG:",
        "partnerskaber": "partnerships",
        "forvaltninger": "departments",
        "eksterne partnere": "external partners",
        "trin": "rungs",
        "forankring": "anchoring",
        "faktortyper": "factor kinds",
        "faktorer": "factors",
        "Forvaltninger i partnerskaberne": "Municipal departments in the partnerships",
        "Hvilke forvaltninger der deltager i hvert partnerskab: ✓ deltager (antal "
        "organisationer), L er den ledende organisation.": (
            "Which departments take part in each partnership: ✓ takes part (number of "
            "organisations), L is the lead organisation."
        ),
        "Eksterne partnere i partnerskaberne": "External partners in the partnerships",
        "Hvilke slags eksterne partnere der deltager i hvert partnerskab: ✓ deltager "
        "(antal organisationer).": (
            "Which kinds of external partner take part in each partnership: ✓ takes part "
            "(number of organisations)."
        ),
        "Forvaltning": "Department",
        "Partnertype": "Kind of partner",
        "I alt": "Total",
        "deltager": "takes part",
        "deltager ikke": "does not take part",
        "ledende organisation": "lead organisation",
        "{n} organisationer": "{n} organisations",
        "Partnerskaberne: trin og forankring": "The partnerships: rungs and anchoring",
        "Højeste trin nået og datoen for første forankring på hver dimension.": (
            "Highest rung reached and the date of the first anchoring on each dimension."
        ),
        "Startdato": "Start date",
        "ikke forankret": "not anchored",
        "Højeste trin nået": "Highest rung reached",
        "Antal partnerskaber efter det højeste trin, en partner har nået.": (
            "Number of partnerships by the highest rung a partner has reached."
        ),
        "Trin": "Rung",
        "Antal": "Number",
        "Partnerskaber": "Partnerships",
        "Forankring og tid til forankring": "Anchoring and time to anchoring",
        "Pr. dimension: hvor mange partnerskaber nåede forankret, og mediantiden i dage "
        "fra start til første forankring.": (
            "Per dimension: how many partnerships reached anchored, and the median time in "
            "days from the start to the first anchoring."
        ),
        "Forankringsdimension": "Anchoring dimension",
        "Forankrede partnerskaber": "Anchored partnerships",
        "Mediantid fra start (dage)": "Median time from start (days)",
        "Dage pr. partnerskab": "Days per partnership",
        "{days} dage": "{days} days",
        "Fremmende faktorer og barrierer": "Promoting factors and barriers",
        "Faktortyper blandt forankrede og ikke forankrede partnerskaber": (
            "Kinds of factor among anchored and not anchored partnerships"
        ),
        "Faktorer blandt forankrede og ikke forankrede partnerskaber": (
            "Factors among anchored and not anchored partnerships"
        ),
        "Forankret: {n} partnerskaber ({rule}). Ikke forankret: {m}.": (
            "Anchored: {n} partnerships ({rule}). Not anchored: {m}."
        ),
        "Virkning": "Effect",
        "Oprindelse": "Origin",
        "Faktor": "Factor",
        "Forankrede": "Anchored",
        "Ikke forankrede": "Not anchored",
        "Ingen faktorer registreret.": "No factors recorded.",
        "Knyttet til": "Linked to",
        "ingen hændelse": "no event",
        "Hændelse": "Event",
        "Hvor faktorerne kom fra: de hændelser, faktorerne er knyttet til": (
            "Where the factors came from: the events they are linked to"
        ),
    }
)
