# ruff: noqa: E501 - data tables: one fact per line reads better than wrapped strings
"""The demo dataset as data tables: organisations, persons and one `Case` per partnership.

Every fact about a municipality comes from the Danish source documents in
/work/shared/seeds/ (see its README); the comment above each table says where. The
persons are fictional (no names from the documents), and the dates are set in 2019-2026
(the evaluation itself dates from 2010, the Ishøj strategy from 2016): the order and the
spacing of events follow the sources, the calendar does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from aggregates.taxonomy import (
    ActivityStatus,
    AgreementKind,
    AnchoringStatus,
    AnnotationKind,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    EvaluationMethod,
    FactorEffect,
    FactorOrigin,
    ImplementationPhase,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)

D = date
LIGHED = "seeds/001_42c2fcd7d6db240c.txt (COWI, Lighed i sundhed)"
ISHOJ = "seeds/004_694796a7b4dd28d4.txt (Ishøj, sundhedsudviklingsstrategi)"
BRO = "seeds/003_59ebd687b503999b.txt (Brobygning, mastercase)"
MASTER = "seeds/000_15ba42443ece86c3.txt (Sundhed på tværs, mastercase)"

DEMO_PASSWORD = "Tvaers-demo-2026!"  # noqa: S105 - documented demo password (docs/user-guide.md)
ADMIN = "demo-admin"  # created last: its presence marks a completed demo load


# -- table types --------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    name: str
    sector: Sector
    municipality: str | None


@dataclass(frozen=True)
class Staff:
    name: str  # fictional
    title: str
    org: str  # key into ORGANISATIONS


@dataclass(frozen=True)
class Move:
    rung: Rung
    on: date
    evidence: str
    ref: str = ""  # a name for a later correction


@dataclass(frozen=True)
class PartnerSpec:
    org: str
    joined: date
    rung: Rung
    evidence: str
    moves: tuple[Move, ...] = ()
    ref: str = ""


@dataclass(frozen=True)
class Seat:
    person: str
    seat: SeatRole
    on: date
    until: date | None = None


@dataclass(frozen=True)
class ActivitySpec:
    key: str
    title: str
    category: PreventionCategory
    owners: tuple[str, ...]
    on: date
    description: str = ""
    target_group: str = ""
    arena: str = ""
    running: bool = True
    later: tuple[tuple[ActivityStatus, date], ...] = ()


@dataclass(frozen=True)
class RoleSpec:
    role: RoleKind
    person: str
    on: date
    activity: str | None = None
    ref: str = ""
    handed_to: tuple[str, date] | None = None


@dataclass(frozen=True)
class MilestoneSpec:
    key: str
    dimension: Dimension
    status: AnchoringStatus
    title: str
    evidence: str
    on: date
    document_ref: str = ""
    link: str = ""


@dataclass(frozen=True)
class FactorSpec:
    origin: FactorOrigin
    effect: FactorEffect
    description: str
    on: date
    milestones: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgreementSpec:
    kind: AgreementKind
    title: str
    purpose: str
    obligations: tuple[tuple[str, str], ...]  # (org key, who does what); the lead first
    signers: tuple[tuple[str, str], ...]  # (org key, person key)
    valid_from: date
    valid_to: date
    drafted: date
    signed: date


@dataclass(frozen=True)
class FollowUpSpec:
    label: str
    due_on: date
    cohort: int
    reached: int
    retained: int
    recorded: date
    activity: str | None = None


@dataclass(frozen=True)
class EvaluationSpec:
    kind: EvaluationKind
    evaluator: str
    method: EvaluationMethod
    findings: str
    on: date
    assessments: tuple[tuple[AssessmentQuestion, AssessmentAnswer], ...] = ()
    # WHO-5 before/after: (respondents, mean score 0-100) per side; illustrative counts
    who5: tuple[tuple[int, float], tuple[int, float]] | None = None


@dataclass(frozen=True)
class Correction:
    """A correction of an earlier fact, named by its `ref` (a ladder move, role or milestone)."""

    ref: str
    on: date  # when the mistake was noticed
    reason: str
    valid_on: date | None = None  # correct_date
    rung: Rung | None = None  # correct_rung
    status: AnchoringStatus | None = None  # correct_milestone
    title: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class TermsSpec:
    on: date
    purpose: str
    composition: str
    task: str
    time_plan: str
    focus_areas: tuple[str, ...]
    decision: str = ""  # the decision that approved it
    approved: tuple[str, ...] = ()


@dataclass(frozen=True)
class RatingSpec:
    """The steering group's self-assessment (selvevaluering) of a dimension, 1-7."""

    dimension: Dimension
    rating: int
    on: date
    comment: str
    by: str = ""  # person key of who gave it (the chair, say)


@dataclass(frozen=True)
class AnnotationSpec:
    """An evaluator's note (evaluatornotat), linked to events named by their `ref`."""

    kind: AnnotationKind
    dimension: Dimension | None
    text: str
    on: date
    links: tuple[str, ...] = ()  # refs of milestones, ladder moves, roles, …
    published: bool = False


@dataclass(frozen=True)
class Case:
    key: str
    source: str
    municipality: str
    title: str
    purpose: str
    target_groups: tuple[str, ...]
    arenas: tuple[str, ...]
    lead: str
    registered: date
    period: tuple[date, date | None]
    leader: str  # username of the project leader (the actor of the case's events)
    kind: PartnershipType = PartnershipType.PROJECT
    categories: tuple[PreventionCategory, ...] = ()
    bearings: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    budget: Decimal | None = None
    hours: Decimal | None = None
    recruitment: tuple[str, ...] = ()
    promoting: str = ""
    barriers: str = ""
    attention: str = ""
    partners: tuple[PartnerSpec, ...] = ()
    steering: tuple[Seat, ...] = ()
    secretariat: tuple[str, tuple[str, ...], date] | None = None  # org, staff, from
    terms: tuple[TermsSpec, ...] = ()
    activities: tuple[ActivitySpec, ...] = ()
    roles: tuple[RoleSpec, ...] = ()
    milestones: tuple[MilestoneSpec, ...] = ()
    factors: tuple[FactorSpec, ...] = ()
    agreements: tuple[AgreementSpec, ...] = ()
    follow_ups: tuple[FollowUpSpec, ...] = ()
    evaluations: tuple[EvaluationSpec, ...] = ()
    phases: tuple[tuple[ImplementationPhase, date, str], ...] = ()
    corrections: tuple[Correction, ...] = ()
    ratings: tuple[RatingSpec, ...] = ()
    annotations: tuple[AnnotationSpec, ...] = ()  # written by the demo evaluator
    evaluation_status: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# -- organisations ------------------------------------------------------------------------

_LIGHED_TOWNS = {
    "kbh": "København",
    "greve": "Greve",
    "jammerbugt": "Jammerbugt",
    "odense": "Odense",
    "vordingborg": "Vordingborg",
    "gladsaxe": "Gladsaxe",
}

ORGANISATIONS: dict[str, Org] = {
    # Each Lighed i sundhed municipality: its health and its employment department
    # (001: "Karakteristik af sundheds- og beskæftigelsesområdet", "Jobcenter").
    **{
        f"{key}-health": Org(f"Sundhed og Forebyggelse, {town} Kommune", Sector.HEALTH, town)
        for key, town in _LIGHED_TOWNS.items()
    },
    **{
        f"{key}-job": Org(f"Jobcenter {town}", Sector.EMPLOYMENT, town)
        for key, town in _LIGHED_TOWNS.items()
    },
    # 001 "Findes der metoder/redskaber?": Sundhedsstyrelsen published material, with Gladsaxe
    # too. (The starting taxonomy has no state-agency sector; interest organisation is nearest.)
    "sst": Org("Sundhedsstyrelsen", Sector.INTEREST_ORGANISATION, None),
    # 001 "Hvad er lykkes?": Gladsaxe's bo- og aktivitetstilbud (target group førtidspensionister).
    "gladsaxe-social": Org("Bo- og aktivitetstilbud, Gladsaxe Kommune", Sector.SOCIAL, "Gladsaxe"),
    # 004 "Tværgående sundhedsforum": the member units, chaired by Sundhedsudvikling.
    "ishoj-health": Org("Stabsenhed for Sundhedsudvikling, Ishøj Kommune", Sector.HEALTH, "Ishøj"),
    "ishoj-elderly": Org("Ældre og Rehabilitering, Ishøj Kommune", Sector.ELDERLY, "Ishøj"),
    "ishoj-schools": Org("Dagtilbud og Skoler, Ishøj Kommune", Sector.CHILDREN_YOUTH, "Ishøj"),
    "ishoj-children": Org("Børn og Forebyggelse, Ishøj Kommune", Sector.CHILDREN_YOUTH, "Ishøj"),
    "ishoj-social": Org("Socialservice, Ishøj Kommune", Sector.SOCIAL, "Ishøj"),
    "ishoj-culture": Org("Kultur og Fritid, Ishøj Kommune", Sector.CULTURE_LEISURE, "Ishøj"),
    "ishoj-park": Org("Park, Vej og Miljø, Ishøj Kommune", Sector.TECHNICAL_ENVIRONMENT, "Ishøj"),
    # 004 "Sund By Netværket": the national network of municipalities Ishøj joins.
    "sbn": Org("Sund By Netværket", Sector.INTEREST_ORGANISATION, None),
    # 003 "Brobyggere": three departments, Frivilligcenter Silkeborg, DGI Midtjylland, 3F, FOA.
    "silk-job": Org("Beskæftigelse, Silkeborg Kommune", Sector.EMPLOYMENT, "Silkeborg"),
    "silk-culture": Org("Kultur og Fritid, Silkeborg Kommune", Sector.CULTURE_LEISURE, "Silkeborg"),
    "silk-health": Org("Sundhed og Omsorg, Silkeborg Kommune", Sector.HEALTH, "Silkeborg"),
    "silk-volunteer": Org("Frivilligcenter Silkeborg", Sector.VOLUNTARY, "Silkeborg"),
    "dgi-mj": Org("DGI Midtjylland", Sector.SPORTS_ORGANISATION, None),
    "3f": Org("3F Silkeborg", Sector.TRADE_UNION, "Silkeborg"),
    "foa": Org("FOA Silkeborg", Sector.TRADE_UNION, "Silkeborg"),
    # Fictional clubs: 003 names no club, only "samarbejdsaftaler" with clubs.
    "club-walk": Org("Motionsfællesskabet Søstien (fiktiv)", Sector.SPORTS_CLUB, "Silkeborg"),
    "club-gym": Org("Idrætsforeningen Bølgen (fiktiv)", Sector.SPORTS_CLUB, "Silkeborg"),
    # 000 "Forankring på tværs af forvaltninger": Frederiksberg's mental-health and culture
    # effort with the local museums and Angst- og Depressionsforeningen.
    "frb-health": Org(
        "Sundhed og Forebyggelse, Frederiksberg Kommune", Sector.HEALTH, "Frederiksberg"
    ),
    "frb-culture": Org(
        "Kultur og Fritid, Frederiksberg Kommune", Sector.CULTURE_LEISURE, "Frederiksberg"
    ),
    "frb-museums": Org("Frederiksbergs lokale museer", Sector.CULTURE_LEISURE, "Frederiksberg"),
    "angst-dep": Org("Angst- og Depressionsforeningen", Sector.PATIENT_ASSOCIATION, None),
}

# -- persons (all fictional) ----------------------------------------------------------------

_FIRST = (
    "Anne", "Rasmus", "Sofie", "Mikkel", "Line", "Jonas", "Camilla", "Thomas", "Maja",
    "Henrik", "Ida", "Søren", "Louise", "Kasper", "Nanna", "Jakob", "Helle", "Martin",
)  # fmt: skip
_LAST = (
    "Kjærgaard", "Holt", "Bach", "Dahl", "Vestergaard", "Krogh", "Lund", "Friis",
    "Brandt", "Skov", "Winther", "Eskildsen", "Thygesen", "Bonde", "Lykke", "Aagaard",
)  # fmt: skip


def _name(n: int) -> str:
    return f"{_FIRST[n % len(_FIRST)]} {_LAST[(n * 7 + n // len(_FIRST)) % len(_LAST)]}"


def _staff() -> dict[str, Staff]:
    roles = (
        ("lead", "centerchef", "health"),
        ("pl", "projektleder", "health"),
        ("hk", "sundhedskonsulent", "health"),
        ("jobchef", "jobcenterchef", "job"),
        ("udv", "udviklingskonsulent", "job"),
    )
    people: dict[str, Staff] = {}
    n = 0
    for key in _LIGHED_TOWNS:
        for suffix, title, org in roles:
            people[f"{key}-{suffix}"] = Staff(_name(n), title, f"{key}-{org}")
            n += 1
    for key, title, org in (
        ("kbh-hk2", "sundhedskonsulent", "kbh-health"),
        ("gladsaxe-leder", "leder af bo- og aktivitetstilbud", "gladsaxe-social"),
        ("sst-fk", "fuldmægtig", "sst"),
        ("ishoj-chef", "chef for Sundhedsudvikling", "ishoj-health"),
        ("ishoj-sek", "sundhedskonsulent", "ishoj-health"),
        ("ishoj-eld", "koordinator", "ishoj-elderly"),
        ("ishoj-sch", "pædagogisk konsulent", "ishoj-schools"),
        ("ishoj-chi", "sundhedsplejerske", "ishoj-children"),
        ("ishoj-soc", "koordinator", "ishoj-social"),
        ("ishoj-cul", "fritidskonsulent", "ishoj-culture"),
        ("ishoj-park", "planlægger", "ishoj-park"),
        ("silk-chef", "sundhedschef", "silk-health"),
        ("silk-pl", "projektleder", "silk-health"),
        ("silk-bro", "brobygger", "silk-health"),
        ("silk-bro2", "brobygger", "silk-health"),
        ("silk-job", "afdelingsleder", "silk-job"),
        ("silk-fk", "foreningskonsulent", "silk-culture"),
        ("silk-frivillig", "leder", "silk-volunteer"),
        ("dgi", "konsulent", "dgi-mj"),
        ("club-walk", "formand", "club-walk"),
        ("club-gym", "formand", "club-gym"),
        ("frb-pl", "projektleder", "frb-health"),
        ("frb-cul", "kulturkonsulent", "frb-culture"),
        ("frb-mus", "formidlingsleder", "frb-museums"),
        ("frb-ad", "frivillig koordinator", "angst-dep"),
    ):
        people[key] = Staff(_name(n), title, org)
        n += 1
    return people


PERSONS: dict[str, Staff] = _staff()

# -- users ---------------------------------------------------------------------------------

LEADERS: dict[str, str] = {town: f"demo-{key}" for key, town in _LIGHED_TOWNS.items()} | {
    "Ishøj": "demo-ishoj",
    "Silkeborg": "demo-silkeborg",
    "Frederiksberg": "demo-frederiksberg",
}
EVALUATOR = "demo-evaluator"
STEERING = "demo-styregruppe"
STEERING_CASE = "kbh"  # the steering-group member's partnership (seat: kbh-jobchef)


# -- 1. Lighed i sundhed: six municipalities (seeds/001) ------------------------------------
# Shared to all six. 001 "Hvad betød noget for forankringen?" lists external and internal
# factors for the evaluation as a whole, not per municipality, so each case records them.
# 001 "Metodeudvikling - hvad kan vi lære?" and "Karakteristik af sundheds- og
# beskæftigelsesområdet" give the barriers met across the projects.
_SHARED_FACTORS: tuple[tuple[FactorOrigin, FactorEffect, str], ...] = (
    (FactorOrigin.EXTERNAL, FactorEffect.PROMOTING, "Stigende fokus på sundhed i det omgivende samfund"),
    (FactorOrigin.EXTERNAL, FactorEffect.PROMOTING, "Rygeloven"),
    (FactorOrigin.EXTERNAL, FactorEffect.PROMOTING, "Sygedagpengereform"),
    (FactorOrigin.INTERNAL, FactorEffect.PROMOTING, "Højt prioriteret indsats - nationalt og i kommunen"),
    (FactorOrigin.INTERNAL, FactorEffect.PROMOTING, "Vedvarende inddragelse af lederniveauet i kommunen"),
    (FactorOrigin.INTERNAL, FactorEffect.PROMOTING, "Metodeudviklingen var motor for udviklingen af medarbejdere og projekt"),
    (FactorOrigin.INTERNAL, FactorEffect.PROMOTING, "Engagerede og kompetente projektmedarbejdere"),
    (FactorOrigin.INTERNAL, FactorEffect.BARRIER, "Svært at arbejde med rygning og alkohol i KRAM-indsatsen"),
    (FactorOrigin.INTERNAL, FactorEffect.BARRIER, "Modstand hos medarbejderne snarere end hos borgerne"),
    (FactorOrigin.INTERNAL, FactorEffect.BARRIER, "Forskellig lovgivning og kultur: drifts- og regelorientering i beskæftigelse, projektorientering i sundhed"),
)  # fmt: skip

_LIGHED_PROMOTING = (
    "Høj prioritet nationalt og i kommunen; vedvarende inddragelse af lederniveauet; "
    "metodeudvikling som motor; engagerede projektmedarbejdere; stigende samfundsfokus på "
    "sundhed, rygeloven og sygedagpengereformen."
)
_LIGHED_BARRIERS = (
    "Forskellig lovgivning og kultur i sundhed og beskæftigelse; svært at arbejde med rygning "
    "og alkohol; modstanden lå hos medarbejderne snarere end hos borgerne."
)
# 001 "Hvordan overvindes forskellene ...": resources, staff values, leadership, development.
_LIGHED_ATTENTION = (
    "Afsæt tid til at tale sammen på tværs; arbejd med værdier og kultur hos medarbejderne; "
    "sikr ledelsesmæssig forankring; italesæt sundhed som et nyt udviklingsområde."
)
_COWI = "COWI (tværgående evaluering af Lighed i sundhed)"


def _lighed(
    key: str,
    *,
    target: str,
    title: str,
    purpose: str,
    activities: tuple[ActivitySpec, ...],
    milestones: tuple[MilestoneSpec, ...],
    findings: str,
    purpose_met: AssessmentAnswer,
    extra_partners: tuple[PartnerSpec, ...] = (),
    extra_roles: tuple[RoleSpec, ...] = (),
    extra_factors: tuple[FactorSpec, ...] = (),
    agreement: bool = False,
    corrections: tuple[Correction, ...] = (),
    job_moves: tuple[Move, ...] = (),
    ratings: tuple[RatingSpec, ...] = (),
    annotations: tuple[AnnotationSpec, ...] = (),
) -> Case:
    town = _LIGHED_TOWNS[key]
    health, job = f"{key}-health", f"{key}-job"
    factor_on = D(2022, 3, 15)  # the cross-cutting evaluation's date in the demo calendar
    anchored = tuple(m.key for m in milestones)
    agreements: tuple[AgreementSpec, ...] = ()
    moves = job_moves or (
        Move(Rung.MUTUAL_REFERRAL, D(2019, 9, 1), "Fælles visitationsmøder om målgruppen", ref=f"{key}-ref"),
        Move(Rung.INFORMAL_COOPERATION, D(2020, 2, 1), "Sundhedstilbud skrevet ind i aktiveringsforløb"),
    )  # fmt: skip
    if agreement:
        agreements = (
            AgreementSpec(
                kind=AgreementKind.COOPERATION,
                title=f"Samarbejdsaftale om sundhed i beskæftigelsesindsatsen, {town}",
                purpose="Sundhed som integreret del af beskæftigelsesindsatsen efter projektperioden",
                obligations=(
                    (health, "Stiller sundhedskonsulenter og sundhedstilbud til rådighed"),
                    (job, "Visiterer målgruppen og indarbejder sundhed i aktiveringen"),
                ),
                signers=((health, f"{key}-lead"), (job, f"{key}-jobchef")),
                valid_from=D(2022, 1, 1),
                valid_to=D(2025, 12, 31),
                drafted=D(2021, 10, 1),
                signed=D(2021, 12, 10),
            ),
        )
    return Case(
        key=key,
        source=LIGHED,
        municipality=town,
        title=title,
        purpose=purpose,
        target_groups=(target,),
        arenas=("jobcenter",) if key != "gladsaxe" else ("bo- og aktivitetstilbud",),
        lead=health,
        registered=D(2019, 3, 1),
        period=(D(2019, 3, 1), D(2021, 12, 31)),
        leader=LEADERS[town],
        categories=tuple(dict.fromkeys(a.category for a in activities)),
        bearings=(2, 5),
        tags=("Lighed i sundhed", "KRAM", "sundhed og beskæftigelse"),
        recruitment=("sagsbehandler i jobcentret",),
        promoting=_LIGHED_PROMOTING,
        barriers=_LIGHED_BARRIERS,
        attention=_LIGHED_ATTENTION,
        evaluation_status="evalueret eksternt (COWI)",
        partners=(PartnerSpec(job, D(2019, 3, 1), Rung.DIALOGUE, "Opstartsmøde mellem sundhed og jobcenter", moves, ref=f"{key}-join"), *extra_partners),
        steering=(
            Seat(f"{key}-lead", SeatRole.CHAIR, D(2019, 4, 1)),
            Seat(f"{key}-jobchef", SeatRole.VICE_CHAIR, D(2019, 4, 1)),
            Seat(f"{key}-udv", SeatRole.MEMBER, D(2019, 4, 1)),
        ),
        secretariat=(health, (f"{key}-pl",), D(2019, 4, 1)),
        terms=(
            TermsSpec(
                on=D(2019, 4, 1),
                purpose=purpose,
                composition="Centerchef for sundhed (formand), jobcenterchef (næstformand), udviklingskonsulent fra jobcentret",
                task="Følge projektet, sikre ledelsesmæssig forankring og beslutte om videreførelse i drift",
                time_plan="Projektperiode 2019-2021; beslutning om drift i 2. halvår 2021",
                focus_areas=("KRAM", "sundhed i aktiveringen"),
                decision="Kommissorium for styregruppen godkendt",
                approved=("kommissorium", "projektplan"),
            ),
        ),
        activities=activities,
        roles=(RoleSpec(RoleKind.PROJECT_LEADER, f"{key}-pl", D(2019, 3, 1)), RoleSpec(RoleKind.COORDINATOR, f"{key}-hk", D(2019, 4, 1), ref=f"{key}-coord"), RoleSpec(RoleKind.KEY_PERSON, f"{key}-udv", D(2019, 4, 1)), *extra_roles),
        milestones=milestones,
        factors=tuple(FactorSpec(o, e, text, factor_on, anchored) for o, e, text in _SHARED_FACTORS)
        + extra_factors,
        agreements=agreements,
        evaluations=(
            EvaluationSpec(
                EvaluationKind.EXTERNAL,
                _COWI,
                EvaluationMethod.INTERVIEW,
                findings,
                factor_on,
                ((AssessmentQuestion.PURPOSE_MET, purpose_met),),
            ),
        ),
        phases=(
            (ImplementationPhase.PLAN, D(2019, 3, 1), "Projektplan og kommissorium"),
            (ImplementationPhase.START, D(2019, 8, 1), "Første hold i gang"),
            (ImplementationPhase.FOLLOW_UP, D(2020, 9, 1), "Midtvejsopfølgning med COWI"),
            (ImplementationPhase.ADJUST, D(2021, 1, 15), "Tilbuddene gjort obligatoriske med frit valg af aktivitet"),
        ),
        corrections=corrections,
        ratings=ratings,
        annotations=annotations,
    )  # fmt: skip


def _m(
    key: str, dim: Dimension, status: AnchoringStatus, title: str, evidence: str, on: date
) -> MilestoneSpec:
    return MilestoneSpec(key, dim, status, title, evidence, on, document_ref=LIGHED)


_KBH = _lighed(
    # 001 "Målgruppen": kontanthjælpsmodtagere (København). "Hvad er lykkes?": two health
    # consultants employed permanently; 'Skånsom aktivering' used in tender material.
    # "Findes der metoder/redskaber?": a toolkit of five methods and a case description.
    # "Metodeudvikling": a front-line worker in København on mandatory offers with free choice.
    "kbh",
    target="kontanthjælpsmodtagere",
    title="Sundhed i beskæftigelsesindsatsen - København",
    purpose="Bedre sundhed og kortere vej til beskæftigelse for kontanthjælpsmodtagere",
    activities=(
        ActivitySpec("skaansom", "Skånsom aktivering", PreventionCategory.OFFER, ("kbh-job", "kbh-health"), D(2019, 8, 1),
                     "Aktiveringsforløb med motion, kost og sundhedssamtaler", "kontanthjælpsmodtagere", "jobcenter"),
        ActivitySpec("samtaler", "Sundhedssamtaler i jobcentret", PreventionCategory.EARLY_DETECTION, ("kbh-health",), D(2019, 9, 1),
                     "Sundhedskonsulenter holder samtaler om KRAM", "kontanthjælpsmodtagere", "jobcenter"),
    ),
    milestones=(
        _m("kbh-fastansat", Dimension.OPERATIONS, AnchoringStatus.ANCHORED, "To sundhedskonsulenter fastansat",
           "To sundhedskonsulenter er blevet fastansat i driften", D(2021, 11, 1)),
        _m("kbh-udbud", Dimension.METHOD, AnchoringStatus.ANCHORED, "Konceptet 'Skånsom aktivering' anvendt i udbudsmateriale",
           "Konceptet 'Skånsom aktivering' er skrevet ind i udbudsmaterialet", D(2021, 9, 1)),
        _m("kbh-vaerktoej", Dimension.METHOD, AnchoringStatus.ANCHORED, "Værktøjssamling med fem metoder udgivet",
           "Værktøjssamling med fem konkrete metoder til sundhedsfremme i beskæftigelsesindsatsen samt en casebeskrivelse",
           D(2021, 12, 1)),
        _m("kbh-ledelse", Dimension.MANAGEMENT, AnchoringStatus.PARTIAL, "Ledelsen bag videreførelse",
           "Styregruppen besluttede videreførelse i drift", D(2021, 6, 1)),
    ),
    findings="To sundhedskonsulenter fastansat; 'Skånsom aktivering' anvendt i udbudsmateriale; værktøjssamling og casebeskrivelse udgivet.",
    purpose_met=AssessmentAnswer.HIGH_EXTENT,
    extra_roles=(RoleSpec(RoleKind.HEALTH_COORDINATOR, "kbh-hk2", D(2019, 9, 1), activity="samtaler"),),
    extra_factors=(
        FactorSpec(FactorOrigin.INTERNAL, FactorEffect.PROMOTING,
                   "Obligatoriske tilbud, hvor deltagerne selv vælger aktiviteter (frontmedarbejder)", D(2021, 1, 15), ("kbh-fastansat",)),
    ),
    agreement=True,
    corrections=(
        Correction("kbh-ref", D(2024, 5, 2), "Datoen rettet efter mødereferat", valid_on=D(2019, 8, 20)),
        Correction("kbh-vaerktoej", D(2024, 5, 2), "Titlen præciseret efter udgivelsen",
                   status=AnchoringStatus.ANCHORED, title="Værktøjssamling (fem metoder) og casebeskrivelse udgivet",
                   evidence="Værktøjssamling med fem konkrete metoder til sundhedsfremme i beskæftigelsesindsatsen samt en casebeskrivelse"),
    ),
    # Self-assessment: the steering group rated its own anchoring at its autumn meetings
    # (the demo's own addition; the ratings are not in the sources). The 2020 rise in
    # operations came before any evidence: the evaluator's note points at it.
    ratings=(
        RatingSpec(Dimension.OPERATIONS, 2, D(2019, 10, 1), "Konsulenterne er projektansatte; ingen driftsfinansiering", "kbh-lead"),
        RatingSpec(Dimension.MANAGEMENT, 4, D(2019, 10, 1), "Centerchefer i styregruppen fra start", "kbh-lead"),
        RatingSpec(Dimension.OPERATIONS, 3, D(2020, 10, 1), "Drøftelser om videreførelse er i gang", "kbh-lead"),
        RatingSpec(Dimension.METHOD, 3, D(2020, 10, 1), "Skånsom aktivering afprøvet på to hold", "kbh-lead"),
        RatingSpec(Dimension.OPERATIONS, 6, D(2021, 12, 15), "To sundhedskonsulenter fastansat i driften", "kbh-lead"),
        RatingSpec(Dimension.METHOD, 6, D(2021, 12, 15), "Konceptet i udbudsmaterialet; værktøjssamling udgivet", "kbh-lead"),
        RatingSpec(Dimension.MANAGEMENT, 5, D(2021, 12, 15), "Styregruppen besluttede videreførelse", "kbh-lead"),
    ),
    annotations=(
        AnnotationSpec(AnnotationKind.FACTOR, Dimension.OPERATIONS,
                       "Fastansættelsen af de to sundhedskonsulenter bar driftsforankringen. Styregruppen vurderede dog "
                       "driften højere allerede i oktober 2020, før der var en beslutning at pege på.",
                       D(2022, 3, 20), links=("kbh-fastansat",), published=True),
    ),
)  # fmt: skip

_GREVE = _lighed(
    # 001 "Målgruppen": kontanthjælpsmodtagere (Greve). "Hvad er lykkes?": Greve works on an
    # initiative like Vordingborg's 'Sundhed i aktiveringen'.
    "greve",
    target="kontanthjælpsmodtagere",
    title="Sundhed i aktiveringen - Greve",
    purpose="Sundhed som del af aktiveringen for kontanthjælpsmodtagere",
    activities=(
        ActivitySpec("aktivering", "Sundhed i aktiveringen (forberedelse)", PreventionCategory.OFFER, ("greve-job",), D(2022, 2, 1),
                     "Tiltag svarende til Vordingborgs pilotprojekt", "kontanthjælpsmodtagere", "jobcenter", running=False),
        ActivitySpec("kram", "KRAM-forløb for kontanthjælpsmodtagere", PreventionCategory.OFFER, ("greve-health",), D(2019, 8, 1),
                     "", "kontanthjælpsmodtagere", "jobcenter", later=((ActivityStatus.ENDED, D(2021, 12, 31)),)),
    ),
    milestones=(
        _m("greve-tiltag", Dimension.OPERATIONS, AnchoringStatus.STARTED, "Arbejder på tiltag som 'Sundhed i aktiveringen'",
           "Greve arbejder på et tiltag svarende til Vordingborgs 'Sundhed i aktiveringen'", D(2022, 2, 1)),
    ),
    findings="Sundhed er på vej til at blive forankret; Greve arbejder på et tiltag svarende til Vordingborgs.",
    purpose_met=AssessmentAnswer.SOME_EXTENT,
    ratings=(
        RatingSpec(Dimension.OPERATIONS, 2, D(2020, 10, 1), "KRAM-forløb kører som projekt", "greve-lead"),
        RatingSpec(Dimension.OPERATIONS, 2, D(2021, 10, 1), "Projektperioden slutter uden driftsbeslutning", "greve-lead"),
        RatingSpec(Dimension.OPERATIONS, 3, D(2022, 3, 1), "Arbejder på et tiltag som Vordingborgs", "greve-lead"),
    ),
)  # fmt: skip

_JAMMERBUGT = _lighed(
    # 001 "Målgruppen": kontanthjælpsmodtagere (Jammerbugt). "Hvad er lykkes?": staff have a
    # common language across health and employment.
    "jammerbugt",
    target="kontanthjælpsmodtagere",
    title="Fælles sprog om sundhed og beskæftigelse - Jammerbugt",
    purpose="Et fælles sprog og fælles praksis på tværs af sundheds- og beskæftigelsesområdet",
    activities=(
        ActivitySpec("kompetence", "Fælles kompetenceudvikling for sundheds- og jobcentermedarbejdere", PreventionCategory.INFORMATION,
                     ("jammerbugt-health", "jammerbugt-job"), D(2019, 10, 1), "Temadage og fælles sagsdrøftelser", "medarbejdere", "jobcenter"),
        ActivitySpec("kram", "KRAM-forløb for kontanthjælpsmodtagere", PreventionCategory.OFFER, ("jammerbugt-health",), D(2019, 8, 1),
                     "", "kontanthjælpsmodtagere", "jobcenter"),
    ),
    milestones=(
        _m("jammerbugt-sprog", Dimension.CULTURE, AnchoringStatus.ANCHORED, "Fælles sprog på tværs af sundhed og beskæftigelse",
           "Medarbejderne har fået et fælles sprog, der går på tværs af sundheds- og beskæftigelsesområdet", D(2021, 10, 1)),
    ),
    findings="Medarbejderne har fået et fælles sprog på tværs af sundheds- og beskæftigelsesområdet.",
    purpose_met=AssessmentAnswer.HIGH_EXTENT,
    corrections=(
        Correction("jammerbugt-join", D(2024, 6, 10), "Trinnet var for højt ved opstart",
                   rung=Rung.KNOW_EACH_OTHER, evidence="Opstartsmødet var første kontakt: kendskab til hinanden"),
    ),
    ratings=(
        RatingSpec(Dimension.CULTURE, 3, D(2020, 10, 1), "Temadage har skabt kendskab på tværs", "jammerbugt-lead"),
        RatingSpec(Dimension.RELATIONS, 3, D(2020, 10, 1), "Fælles sagsdrøftelser en gang om måneden", "jammerbugt-lead"),
        RatingSpec(Dimension.CULTURE, 6, D(2021, 10, 15), "Fælles sprog om sundhed og beskæftigelse", "jammerbugt-lead"),
        RatingSpec(Dimension.RELATIONS, 4, D(2021, 10, 15), "Sagsdrøftelserne fortsætter efter projektet", "jammerbugt-lead"),
    ),
)  # fmt: skip

_ODENSE = _lighed(
    # 001 "Målgruppen": kontanthjælpsmodtagere (Odense). "Hvad er lykkes?": the project
    # continues in the job centre's operations with health offers. "Findes der
    # metoder/redskaber?": Sundhedsprofil Light, described in a manual with a question frame.
    "odense",
    target="kontanthjælpsmodtagere",
    title="Sundhedsprofil Light i jobcentret - Odense",
    purpose="Sundhedstilbud til kontanthjælpsmodtagere som del af jobcenterdriften",
    activities=(
        ActivitySpec("profil", "Sundhedsprofil Light", PreventionCategory.EARLY_DETECTION, ("odense-job", "odense-health"), D(2019, 9, 1),
                     "Kort sundhedsprofil med tilhørende spørgeramme", "kontanthjælpsmodtagere", "jobcenter"),
        ActivitySpec("tilbud", "Sundhedstilbud i jobcentret", PreventionCategory.OFFER, ("odense-job",), D(2020, 1, 15),
                     "", "kontanthjælpsmodtagere", "jobcenter"),
    ),
    milestones=(
        _m("odense-drift", Dimension.OPERATIONS, AnchoringStatus.ANCHORED, "Projektet videreført i jobcenterdriften",
           "Projektet videreføres i jobcenterdriften med sundhedstilbud til målgruppen", D(2022, 1, 1)),
        _m("odense-manual", Dimension.METHOD, AnchoringStatus.ANCHORED, "Manual til Sundhedsprofil Light",
           "Konceptet Sundhedsprofil Light er beskrevet i en manual med tilhørende spørgeramme", D(2021, 10, 15)),
    ),
    findings="Projektet videreføres i jobcenterdriften med sundhedstilbud til målgruppen; Sundhedsprofil Light beskrevet i manual.",
    purpose_met=AssessmentAnswer.HIGH_EXTENT,
    agreement=True,
    ratings=(
        RatingSpec(Dimension.OPERATIONS, 3, D(2020, 10, 1), "Sundhedstilbud i jobcentret som projekt", "odense-lead"),
        RatingSpec(Dimension.OPERATIONS, 4, D(2021, 10, 1), "Forventer videreførelse i jobcenterdriften", "odense-lead"),
        RatingSpec(Dimension.METHOD, 4, D(2021, 10, 1), "Sundhedsprofil Light i brug", "odense-lead"),
        RatingSpec(Dimension.METHOD, 6, D(2022, 3, 1), "Manual og spørgeramme udgivet", "odense-lead"),
    ),
    annotations=(
        AnnotationSpec(AnnotationKind.JUDGEMENT, Dimension.OPERATIONS,
                       "Vurderingen i oktober 2021 ligger før beslutningen om drift i januar 2022, og driften er ikke "
                       "vurderet siden. Spørg styregruppen, hvad de vidste i oktober.",
                       D(2022, 3, 25), links=("odense-drift",)),
    ),
)  # fmt: skip

_VORDINGBORG = _lighed(
    # 001 "Målgruppen": arbejdsløse med børn (Vordingborg). "Hvad er lykkes?": pilot
    # 'Sundhed i aktiveringen'. "Findes der metoder/redskaber?": conversation cards "Den
    # løsningsfokuserede sundhedssamtale" to be published soon.
    "vordingborg",
    target="arbejdsløse med børn",
    title="Sundhed i aktiveringen - Vordingborg",
    purpose="Sundhed for ledige forældre som del af aktiveringen",
    activities=(
        ActivitySpec("pilot", "Pilotprojekt: Sundhed i aktiveringen", PreventionCategory.OFFER, ("vordingborg-job", "vordingborg-health"),
                     D(2021, 9, 1), "", "arbejdsløse med børn", "jobcenter"),
        ActivitySpec("samtale", "Den løsningsfokuserede sundhedssamtale", PreventionCategory.INFORMATION, ("vordingborg-health",),
                     D(2020, 3, 1), "Samtaler med ledige forældre", "arbejdsløse med børn", "jobcenter"),
    ),
    milestones=(
        _m("vordingborg-pilot", Dimension.OPERATIONS, AnchoringStatus.STARTED, "Pilotprojekt 'Sundhed i aktiveringen' igangsat",
           "Vordingborg har igangsat et pilotprojekt med 'Sundhed i aktiveringen'", D(2021, 9, 1)),
        _m("vordingborg-kort", Dimension.METHOD, AnchoringStatus.PARTIAL, "Samtalekort om den løsningsfokuserede sundhedssamtale",
           "Samtalekort om 'Den løsningsfokuserede sundhedssamtale' udgives snart", D(2022, 2, 1)),
    ),
    findings="Pilotprojekt 'Sundhed i aktiveringen' igangsat; samtalekort på vej.",
    purpose_met=AssessmentAnswer.SOME_EXTENT,
    ratings=(
        RatingSpec(Dimension.OPERATIONS, 2, D(2021, 6, 1), "Aktiveringen uden sundhed", "vordingborg-lead"),
        RatingSpec(Dimension.OPERATIONS, 3, D(2021, 10, 1), "Pilotprojektet er i gang", "vordingborg-lead"),
        RatingSpec(Dimension.METHOD, 4, D(2022, 3, 1), "Samtalekortene er på vej", "vordingborg-lead"),
    ),
)  # fmt: skip

_GLADSAXE = _lighed(
    # 001 "Målgruppen": førtidspensionister (Gladsaxe). "Hvad er lykkes?": diet and activity
    # policies in each facility. "Findes der metoder/redskaber?": an inspiration catalogue on
    # organising health activities in bo- og aktivitetstilbud, with Sundhedsstyrelsen.
    # Gladsaxe is not among the five where health got anchored in employment ("Forankring").
    "gladsaxe",
    target="førtidspensionister",
    title="Sundhed i bo- og aktivitetstilbud - Gladsaxe",
    purpose="Bedre sundhed for førtidspensionister i kommunens bo- og aktivitetstilbud",
    activities=(
        ActivitySpec("politik", "Kost- og aktivitetspolitik i hvert tilbud", PreventionCategory.FRAMEWORK,
                     ("gladsaxe-social", "gladsaxe-health"), D(2020, 2, 1), "", "førtidspensionister", "bo- og aktivitetstilbud"),
        ActivitySpec("aktiviteter", "Sundhedsaktiviteter i bo- og aktivitetstilbud", PreventionCategory.OFFER, ("gladsaxe-social",),
                     D(2019, 9, 1), "", "førtidspensionister", "bo- og aktivitetstilbud"),
    ),
    milestones=(
        _m("gladsaxe-politik", Dimension.OPERATIONS, AnchoringStatus.ANCHORED, "Kost- og aktivitetspolitikker i de enkelte tilbud",
           "Der er udarbejdet kost- og aktivitetspolitikker i de enkelte tilbud", D(2021, 6, 1)),
        _m("gladsaxe-katalog", Dimension.METHOD, AnchoringStatus.ANCHORED, "Inspirationskatalog udgivet med Sundhedsstyrelsen",
           "Inspirationskatalog om organiseringen af sundhedsaktiviteter i bo- og aktivitetstilbud, udgivet sammen med Sundhedsstyrelsen",
           D(2022, 1, 20)),
    ),
    findings="Kost- og aktivitetspolitikker i de enkelte tilbud; inspirationskatalog udgivet med Sundhedsstyrelsen.",
    purpose_met=AssessmentAnswer.SOME_EXTENT,
    extra_partners=(
        PartnerSpec("gladsaxe-social", D(2019, 3, 1), Rung.INFORMAL_COOPERATION, "Tilbuddene er arena for indsatsen"),
        PartnerSpec("sst", D(2020, 6, 1), Rung.DIALOGUE, "Dialog om inspirationskatalog",
                    (Move(Rung.INFORMAL_COOPERATION, D(2021, 3, 1), "Fælles redaktion af inspirationskatalog"),)),
    ),
    extra_roles=(RoleSpec(RoleKind.LOCAL_COORDINATOR, "gladsaxe-leder", D(2019, 9, 1), activity="aktiviteter"),),
    job_moves=(Move(Rung.MUTUAL_REFERRAL, D(2019, 10, 1), "Henvisning af førtidspensionister til tilbuddene"),),
    ratings=(
        RatingSpec(Dimension.OPERATIONS, 3, D(2020, 6, 1), "Sundhedsaktiviteter i de fleste tilbud", "gladsaxe-lead"),
        RatingSpec(Dimension.OPERATIONS, 5, D(2021, 9, 1), "Kost- og aktivitetspolitik i hvert tilbud", "gladsaxe-lead"),
    ),
)  # fmt: skip

LIGHED_CASES: tuple[Case, ...] = (_KBH, _GREVE, _JAMMERBUGT, _ODENSE, _VORDINGBORG, _GLADSAXE)


# -- 2. Ishøj: the cross-cutting health forum and a specialist network (seeds/004) ---------
# 004 "Tværgående sundhedsforum": re-established with members from seven units, chaired by
# Sundhedsudvikling, which also holds the secretariat; tasks (definition of health, revision
# of the health policy, strategic focus areas). "Specialistnetværk og nøglepersoner":
# quarterly meetings, Sundhedsudvikling chairs. "Sund By Netværket": membership, 30.000 kr.
# a year. "Tema C" (children with overweight): a specialist network of key persons.
# "Økonomi": about 3 staff hours a month per member.
_ISHOJ_MEMBERS = (
    ("ishoj-elderly", "ishoj-eld"),
    ("ishoj-schools", "ishoj-sch"),
    ("ishoj-children", "ishoj-chi"),
    ("ishoj-social", "ishoj-soc"),
    ("ishoj-culture", "ishoj-cul"),
    ("ishoj-park", "ishoj-park"),
)
_ISHOJ = Case(
    key="ishoj",
    source=ISHOJ,
    municipality="Ishøj",
    title="Tværgående sundhedsforum og specialistnetværk - Ishøj",
    purpose=(
        "Videndeling på tværs af enheder og indsatsområder, og et videncenter i administrationen "
        "der giver koncernledelse og byråd fagligt velfunderede input på sundhedsområdet"
    ),
    target_groups=("borgere bredt", "børn med overvægts-, kost- eller motionsudfordringer"),
    arenas=("kommunal administration",),
    lead="ishoj-health",
    registered=D(2019, 10, 1),
    period=(D(2019, 10, 1), None),
    leader=LEADERS["Ishøj"],
    kind=PartnershipType.OPERATIONS,
    categories=(PreventionCategory.FRAMEWORK,),
    bearings=(1, 2),
    tags=("sundhedsforum", "specialistnetværk", "Sund By Netværket"),
    budget=Decimal("30000"),
    hours=Decimal("252"),  # 7 members x 3 hours a month
    attention="Konstruktionen med Sundhedsudvikling som formand for alle netværk evalueres løbende.",
    partners=(
        *tuple(
            PartnerSpec(
                org, D(2019, 10, 1), Rung.DIALOGUE, "Medlem af det tværgående sundhedsforum"
            )
            for org, _ in _ISHOJ_MEMBERS
        ),
        PartnerSpec(
            "sbn", D(2020, 1, 15), Rung.DIALOGUE, "Ishøj Kommune melder sig ind i Sund By Netværket"
        ),
    ),
    steering=(
        Seat("ishoj-chef", SeatRole.CHAIR, D(2019, 10, 1)),
        *tuple(Seat(person, SeatRole.MEMBER, D(2019, 10, 1)) for _, person in _ISHOJ_MEMBERS),
    ),
    secretariat=("ishoj-health", ("ishoj-sek",), D(2019, 10, 1)),
    terms=(
        TermsSpec(
            on=D(2019, 10, 1),
            purpose="Deling af viden på tværs og faglige input til koncernledelse og byråd",
            composition="Sundhedsudvikling (formandskab og sekretariat), Ældre og Rehabilitering, Dagtilbud og Skoler, "
            "Børn og Forebyggelse, Socialservice, Kultur og Fritid, Park, Vej og Miljø",
            task="Afklaring af sundhedsbegrebet; fagligt udgangspunkt for revision af sundhedspolitikken; "
            "drøftelse af strategiske indsatsområder",
            time_plan="Etablering 4. kvartal; Sund By Netværket og specialistnetværk 1. kvartal året efter",
            focus_areas=("sundhedsbegrebet", "sundhedspolitik", "børn med overvægt"),
            decision="Social- og Sundhedsudvalget godkender organiseringen af sundhedsopgaven",
            approved=(
                "kommissorium for det tværgående sundhedsforum",
                "medlemskab af Sund By Netværket",
            ),
        ),
    ),
    activities=(
        ActivitySpec(
            "overvaegt",
            "Specialistnetværk: børn med overvægts-, kost- eller motionsudfordringer",
            PreventionCategory.FRAMEWORK,
            ("ishoj-health", "ishoj-children", "ishoj-schools"),
            D(2019, 9, 1),
            "Kvartalsvise møder for nøglepersoner fra alle tilbud til målgruppen",
            "børn med overvægt",
            "kommunal administration",
        ),
        ActivitySpec(
            "landkort",
            "Landkort over sundhedstilbud",
            PreventionCategory.INFORMATION,
            ("ishoj-health",),
            D(2019, 11, 1),
            "Tematisk overblik over tilbud og indsatser for frontmedarbejdere",
            "frontmedarbejdere",
            "kommunal administration",
        ),
        ActivitySpec(
            "sbn",
            "Deltagelse i Sund By Netværkets temagrupper",
            PreventionCategory.INFORMATION,
            ("ishoj-park", "sbn"),
            D(2020, 2, 1),
            "F.eks. Teknik og Miljø i temagruppen om natur og udeliv",
            "medarbejdere",
            "kommunal administration",
        ),
    ),
    roles=(
        RoleSpec(RoleKind.COORDINATOR, "ishoj-sek", D(2019, 10, 1), ref="ishoj-coord"),
        RoleSpec(RoleKind.FACILITATOR, "ishoj-chef", D(2019, 9, 1), activity="overvaegt"),
        RoleSpec(RoleKind.KEY_PERSON, "ishoj-chi", D(2019, 9, 1), activity="overvaegt"),
        RoleSpec(RoleKind.KEY_PERSON, "ishoj-sch", D(2019, 9, 1), activity="overvaegt"),
    ),
    milestones=(
        MilestoneSpec(
            "ishoj-forum",
            Dimension.MANAGEMENT,
            AnchoringStatus.ANCHORED,
            "Tværgående sundhedsforum re-etableret",
            "Forum med klart mandat og medlemmer fra syv enheder",
            D(2019, 12, 1),
            ISHOJ,
        ),
        MilestoneSpec(
            "ishoj-sbn",
            Dimension.RELATIONS,
            AnchoringStatus.PARTIAL,
            "Medlem af Sund By Netværket",
            "Medlemskab 30.000 kr. årligt, finansieret af Sundhedsudviklings driftsbudget",
            D(2020, 1, 15),
            ISHOJ,
        ),
        MilestoneSpec(
            "ishoj-katalog",
            Dimension.POLITICAL,
            AnchoringStatus.STARTED,
            "Handlingskatalog for børn med overvægt",
            "Handlingskatalog med effektmål til godkendelse i Social- og Sundhedsudvalget",
            D(2020, 3, 1),
            ISHOJ,
        ),
    ),
    factors=(
        FactorSpec(
            FactorOrigin.INTERNAL,
            FactorEffect.PROMOTING,
            "Meget eksisterende viden om målgruppen i organisationen",
            D(2019, 9, 1),
            ("ishoj-katalog",),
        ),
        FactorSpec(
            FactorOrigin.INTERNAL,
            FactorEffect.BARRIER,
            "Kortlægningen af sundhedstilbud var ikke gennemført",
            D(2019, 10, 1),
            ("ishoj-forum",),
        ),
    ),
    corrections=(
        Correction(
            "ishoj-katalog",
            D(2024, 9, 3),
            "Datoen rettet til udvalgsmødet",
            valid_on=D(2020, 3, 10),
        ),
    ),
)


# -- 3. Brobygning: bridging to clubs in Silkeborg (seeds/003) -------------------------------
# 003 "Brobyggere": three departments, Frivilligcenter Silkeborg, DGI Midtjylland, 3F and
# FOA, with an employed bridge-builder. "Indsatsernes indhold": follow-up after 3 weeks,
# 3 months and 6 months. "Arenaer": cooperation agreements with clubs. "Evaluering": WHO-5.
# "Opmærksomhedspunkter": roles and responsibilities settled from the start.
_SILKEBORG = Case(
    key="silkeborg",
    source=BRO,
    municipality="Silkeborg",
    title="Bevægelsesbrobygning til foreningslivet - Silkeborg",
    purpose="Borgere fortsætter i en aktiv hverdag i foreninger efter endt kommunalt forløb",
    target_groups=("borgere efter kommunale trænings- og forebyggelsesforløb", "ledige i ressourceforløb"),
    arenas=("idrætsforening", "jobcenter", "sundhedscenter"),
    lead="silk-health",
    registered=D(2022, 1, 10),
    period=(D(2022, 1, 10), D(2025, 12, 31)),
    leader=LEADERS["Silkeborg"],
    categories=(PreventionCategory.OFFER,),
    bearings=(3, 4),
    tags=("brobygning", "bevægelse", "foreningsliv"),
    recruitment=("medarbejdere i sundheds- og ældreafdelingen", "jobcenter"),
    promoting="Rolle- og ansvarsfordeling på plads fra starten; samarbejde mellem kommune og foreninger.",
    barriers="Mange stopper med at være aktive efter indsatsens afslutning.",
    evaluation_status="evalueret internt (WHO-5, spørgeskema)",
    partners=(
        PartnerSpec("silk-job", D(2022, 1, 10), Rung.INFORMAL_COOPERATION, "Samarbejdsprojekt mellem tre afdelinger"),
        PartnerSpec("silk-culture", D(2022, 1, 10), Rung.INFORMAL_COOPERATION, "Foreningskonsulent med i projektgruppen"),
        PartnerSpec("silk-volunteer", D(2022, 2, 1), Rung.DIALOGUE, "Dialogmøde", (Move(Rung.INFORMAL_COOPERATION, D(2022, 5, 1), "Fælles workshops"),)),
        PartnerSpec("dgi-mj", D(2022, 2, 1), Rung.DIALOGUE, "Dialogmøde"),
        PartnerSpec("3f", D(2022, 3, 1), Rung.KNOW_EACH_OTHER, "Informationsmøde"),
        PartnerSpec("foa", D(2022, 3, 1), Rung.KNOW_EACH_OTHER, "Informationsmøde"),
        PartnerSpec("club-walk", D(2022, 3, 15), Rung.MUTUAL_REFERRAL, "Modtager borgere fra brobyggeren", ref="silk-walk"),
        PartnerSpec("club-gym", D(2022, 3, 15), Rung.MUTUAL_REFERRAL, "Modtager borgere fra brobyggeren"),
    ),
    steering=(
        Seat("silk-chef", SeatRole.CHAIR, D(2022, 2, 1)),
        Seat("silk-job", SeatRole.VICE_CHAIR, D(2022, 2, 1)),
        Seat("silk-fk", SeatRole.MEMBER, D(2022, 2, 1)),
        Seat("silk-frivillig", SeatRole.MEMBER, D(2022, 2, 1)),
    ),
    secretariat=("silk-health", ("silk-pl",), D(2022, 2, 1)),
    activities=(
        ActivitySpec("brobygning", "Bevægelsesbrobygning", PreventionCategory.OFFER, ("silk-health", "club-walk", "club-gym"),
                     D(2022, 4, 1), "Telefonsamtaler om motivation og bevægelsesønsker; følgeskab for sårbare unge",
                     "borgere efter endt forløb", "idrætsforening"),
        ActivitySpec("workshops", "Samskabelsesworkshops", PreventionCategory.FRAMEWORK, ("silk-health", "silk-volunteer", "dgi-mj"),
                     D(2022, 2, 15), "Tre workshops over fire måneder med borgere, frivillige og medarbejdere", "", "",
                     later=((ActivityStatus.ENDED, D(2022, 6, 15)),)),
    ),
    roles=(
        RoleSpec(RoleKind.PROJECT_LEADER, "silk-pl", D(2022, 1, 10)),
        RoleSpec(RoleKind.BRIDGE_BUILDER, "silk-bro", D(2022, 4, 1), activity="brobygning", ref="silk-bro",
                 handed_to=("silk-bro2", D(2024, 2, 1))),
        RoleSpec(RoleKind.RECRUITER, "silk-job", D(2022, 4, 1), activity="brobygning"),
    ),
    agreements=(
        AgreementSpec(
            kind=AgreementKind.COOPERATION,
            title="Samarbejdsaftale om modtagelse af borgere fra brobygningen",
            purpose="Borgere fra kommunale forløb tilbydes et hold i foreningen og fastholdes",
            obligations=(
                ("silk-health", "Brobyggeren henviser og følger op efter 3 uger, 3 og 6 måneder"),
                ("club-walk", "Tilbyder gåhold og en fast kontaktperson"),
                ("club-gym", "Tilbyder introhold og en fast kontaktperson"),
            ),
            signers=(("silk-health", "silk-chef"), ("club-walk", "club-walk"), ("club-gym", "club-gym")),
            valid_from=D(2022, 6, 1),
            valid_to=D(2025, 5, 31),
            drafted=D(2022, 4, 20),
            signed=D(2022, 5, 20),
        ),
    ),
    follow_ups=(
        FollowUpSpec("3 uger", D(2022, 9, 22), 40, 37, 33, D(2022, 9, 26), "brobygning"),
        FollowUpSpec("3 måneder", D(2022, 12, 1), 40, 35, 27, D(2022, 12, 5), "brobygning"),
        FollowUpSpec("6 måneder", D(2023, 3, 1), 40, 32, 22, D(2023, 3, 6), "brobygning"),
    ),
    evaluations=(
        EvaluationSpec(EvaluationKind.INTERNAL, "Sundhed og Omsorg, Silkeborg Kommune", EvaluationMethod.WHO5,
                       "Færre deltagere i risiko for depression eller stress efter forløbet; over halvdelen fastholdt.",
                       D(2023, 4, 1),
                       ((AssessmentQuestion.PURPOSE_MET, AssessmentAnswer.SOME_EXTENT),
                        (AssessmentQuestion.IMPLEMENTED_AS_PLANNED, AssessmentAnswer.HIGH_EXTENT)),
                       # 003 reports a rise in WHO-5 without figures: these are illustrative
                       who5=((38, 46.0), (31, 58.5))),
    ),
    milestones=(
        MilestoneSpec("silk-aftaler", Dimension.RELATIONS, AnchoringStatus.PARTIAL, "Samarbejdsaftaler med foreninger",
                      "Samarbejdsaftale underskrevet med to foreninger", D(2022, 5, 20), BRO),
    ),
    factors=(
        FactorSpec(FactorOrigin.INTERNAL, FactorEffect.PROMOTING, "Rolle- og ansvarsfordeling på plads fra starten",
                   D(2022, 5, 20), ("silk-aftaler",)),
    ),
    corrections=(
        Correction("silk-walk", D(2024, 1, 8), "Tilslutningen var tidligere: første henvisning blev registreret for sent",
                   valid_on=D(2022, 3, 8)),
    ),
)  # fmt: skip


# -- 4. Mental health and culture in Frederiksberg (seeds/000) ------------------------------
# 000 "Forankring på tværs af forvaltninger": the effort is developed with the local museums
# and Angst- og Depressionsforeningen (experts on culture and on the target group); target
# group "voksne i socialt eller psykisk udsatte situationer"; "et fælles tredje" such as
# cultural experiences.
_FREDERIKSBERG = Case(
    key="frederiksberg",
    source=MASTER,
    municipality="Frederiksberg",
    title="Kultur på recept - mental sundhed på Frederiksberg",
    purpose="Fremme mental sundhed gennem fælles kulturoplevelser",
    target_groups=("voksne i psykisk udsatte situationer",),
    arenas=("museum",),
    lead="frb-health",
    registered=D(2023, 2, 1),
    period=(D(2023, 2, 1), D(2026, 6, 30)),
    leader=LEADERS["Frederiksberg"],
    categories=(PreventionCategory.OFFER,),
    bearings=(2, 3),
    tags=("mental sundhed", "kultur"),
    partners=(
        PartnerSpec("frb-culture", D(2023, 2, 1), Rung.INFORMAL_COOPERATION, "Fælles projektgruppe"),
        PartnerSpec("frb-museums", D(2023, 3, 1), Rung.DIALOGUE, "Eksperter på kultur",
                    (Move(Rung.INFORMAL_COOPERATION, D(2023, 9, 1), "Museerne afholder forløb"),)),
        PartnerSpec("angst-dep", D(2023, 3, 1), Rung.DIALOGUE, "Eksperter på målgruppen",
                    (Move(Rung.MUTUAL_REFERRAL, D(2023, 10, 1), "Foreningen henviser medlemmer"),)),
    ),
    steering=(Seat("frb-pl", SeatRole.CHAIR, D(2023, 3, 1)), Seat("frb-cul", SeatRole.MEMBER, D(2023, 3, 1))),
    activities=(
        ActivitySpec("museum", "Kulturforløb på museerne", PreventionCategory.OFFER, ("frb-museums", "frb-culture"), D(2023, 9, 1),
                     "Omvisninger og samtaler i små grupper", "voksne i psykisk udsatte situationer", "museum"),
    ),
    roles=(
        RoleSpec(RoleKind.PROJECT_LEADER, "frb-pl", D(2023, 2, 1)),
        RoleSpec(RoleKind.LOCAL_COORDINATOR, "frb-mus", D(2023, 9, 1), activity="museum"),
        RoleSpec(RoleKind.RECRUITER, "frb-ad", D(2023, 10, 1), activity="museum"),
    ),
    milestones=(
        MilestoneSpec("frb-samarbejde", Dimension.RELATIONS, AnchoringStatus.STARTED, "Samarbejde med museer og patientforening",
                      "Indsatsen udvikles med de lokale museer og Angst- og Depressionsforeningen", D(2023, 9, 1), MASTER),
    ),
    factors=(
        FactorSpec(FactorOrigin.INTERNAL, FactorEffect.PROMOTING, "Relevante medarbejdere fra flere forvaltninger samlet om udviklingen",
                   D(2023, 3, 1), ("frb-samarbejde",)),
    ),
)  # fmt: skip

CASES: tuple[Case, ...] = (*LIGHED_CASES, _ISHOJ, _SILKEBORG, _FREDERIKSBERG)
