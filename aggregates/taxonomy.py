"""Controlled vocabularies of the domain (DOMAIN.md), with the users' Danish labels."""

from __future__ import annotations

from enum import Enum, IntEnum


class Labelled(str, Enum):
    """A string enum whose members carry a Danish label for the UI."""

    label_da: str

    def __new__(cls, value: str, label_da: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_da = label_da
        return member


class SectorGroup(str, Enum):
    MUNICIPAL = "municipal"
    EXTERNAL = "external"


class Sector(Labelled):
    """Starting taxonomy of organisation sectors (municipal departments, then external)."""

    HEALTH = ("health", "sundhed og forebyggelse")
    SOCIAL = ("social", "social")
    EMPLOYMENT = ("employment", "beskæftigelse (jobcenter)")
    CHILDREN_YOUTH = ("children_youth", "børn og unge (skole, dagtilbud, SSP)")
    CULTURE_LEISURE = ("culture_leisure", "kultur og fritid")
    TECHNICAL_ENVIRONMENT = ("technical_environment", "teknik og miljø")
    ELDERLY = ("elderly", "ældre og omsorg")
    ADMINISTRATION = ("administration", "sekretariat/direktion")
    REGION_HOSPITAL = ("region_hospital", "region/hospital")
    GENERAL_PRACTICE = ("general_practice", "almen praksis")
    SPORTS_CLUB = ("sports_club", "idrætsforening")
    PATIENT_ASSOCIATION = ("patient_association", "patientforening")
    VOLUNTARY = ("voluntary", "frivilligorganisation/frivilligcenter")
    SPORTS_ORGANISATION = ("sports_organisation", "idrætsorganisation (DGI, DIF)")
    INTEREST_ORGANISATION = ("interest_organisation", "interesseorganisation")
    TRADE_UNION = ("trade_union", "fagforening")
    EDUCATION = ("education", "uddannelsesinstitution")
    RESEARCH = ("research", "forskning")
    PRIVATE_COMPANY = ("private_company", "privat virksomhed")
    SOCIAL_HOUSING = ("social_housing", "boligsocial helhedsplan")
    CITIZENS = ("citizens", "borgere fra målgruppen")

    @property
    def group(self) -> SectorGroup:
        return SectorGroup.MUNICIPAL if self in _MUNICIPAL else SectorGroup.EXTERNAL


_MUNICIPAL = frozenset(
    {
        Sector.HEALTH,
        Sector.SOCIAL,
        Sector.EMPLOYMENT,
        Sector.CHILDREN_YOUTH,
        Sector.CULTURE_LEISURE,
        Sector.TECHNICAL_ENVIRONMENT,
        Sector.ELDERLY,
        Sector.ADMINISTRATION,
    }
)


class Rung(IntEnum):
    """The partnership ladder (KL: "Partnerskab er et forpligtende samarbejde")."""

    KNOW_EACH_OTHER = 1
    DIALOGUE = 2
    MUTUAL_REFERRAL = 3
    INFORMAL_COOPERATION = 4
    COOPERATION_AGREEMENT = 5
    PARTNERSHIP_AGREEMENT = 6

    @property
    def label_da(self) -> str:
        return _RUNG_LABELS[self]


_RUNG_LABELS = {
    Rung.KNOW_EACH_OTHER: "kendskab til hinanden",
    Rung.DIALOGUE: "dialog og erfaringsudveksling",
    Rung.MUTUAL_REFERRAL: "gensidig henvisning",
    Rung.INFORMAL_COOPERATION: "uformelt samarbejde",
    Rung.COOPERATION_AGREEMENT: "samarbejdsaftale",
    Rung.PARTNERSHIP_AGREEMENT: "partnerskabsaftale",
}


class AgreementKind(Labelled):
    COOPERATION = ("cooperation", "samarbejdsaftale")
    PARTNERSHIP = ("partnership", "partnerskabsaftale")

    @property
    def rung(self) -> Rung:
        """The highest ladder rung this kind of agreement can back."""
        if self is AgreementKind.PARTNERSHIP:
            return Rung.PARTNERSHIP_AGREEMENT
        return Rung.COOPERATION_AGREEMENT


class PartnershipType(Labelled):
    PROJECT = ("project", "projekt")
    OPERATIONS = ("operations", "drift")


class PreventionCategory(Labelled):
    """Categories of the prevention packages (forebyggelsespakker)."""

    FRAMEWORK = ("framework", "rammer")
    OFFER = ("offer", "tilbud")
    INFORMATION = ("information", "information og undervisning")
    EARLY_DETECTION = ("early_detection", "tidlig opsporing")


class SeatRole(Labelled):
    CHAIR = ("chair", "formand")
    VICE_CHAIR = ("vice_chair", "næstformand")
    MEMBER = ("member", "medlem")


SINGLE_SEATS = frozenset({SeatRole.CHAIR, SeatRole.VICE_CHAIR})


class RoleKind(Labelled):
    COORDINATOR = ("coordinator", "tovholder")
    LOCAL_COORDINATOR = ("local_coordinator", "lokal tovholder")
    BRIDGE_BUILDER = ("bridge_builder", "brobygger")
    HEALTH_COORDINATOR = ("health_coordinator", "sundhedskoordinator")
    PROJECT_LEADER = ("project_leader", "projektleder")
    FACILITATOR = ("facilitator", "facilitator")
    KEY_PERSON = ("key_person", "nøgleperson")
    RECRUITER = ("recruiter", "rekrutterer")


class ActivityStatus(Labelled):
    PLANNED = ("planned", "planlagt")
    RUNNING = ("running", "i gang")
    PAUSED = ("paused", "sat på pause")
    ENDED = ("ended", "afsluttet")


class Dimension(Labelled):
    """Anchoring (forankring) dimensions."""

    POLITICAL = ("political", "politisk")
    MANAGEMENT = ("management", "ledelsesmæssig")
    OPERATIONS = ("operations", "drift")
    METHOD = ("method", "metode")
    CULTURE = ("culture", "kultur")
    RELATIONS = ("relations", "samarbejde")
    CITIZENS = ("citizens", "borgere")


class AnchoringStatus(Labelled):
    NONE = ("none", "ingen")
    STARTED = ("started", "påbegyndt")
    PARTIAL = ("partial", "delvis")
    ANCHORED = ("anchored", "forankret")


class FactorOrigin(Labelled):
    EXTERNAL = ("external", "ekstern")
    INTERNAL = ("internal", "intern")


class FactorEffect(Labelled):
    PROMOTING = ("promoting", "fremmende")
    BARRIER = ("barrier", "hæmmende")


class EvaluationKind(Labelled):
    INTERNAL = ("internal", "intern")
    EXTERNAL = ("external", "ekstern")


class EvaluationMethod(Labelled):
    SURVEY = ("survey", "spørgeskema")
    FOCUS_GROUP = ("focus_group", "fokusgruppe")
    INTERVIEW = ("interview", "interview")
    WHO5 = ("who5", "WHO-5 før/efter")
    REGISTER_DATA = ("register_data", "registerdata")
    OTHER = ("other", "andet")


class AssessmentQuestion(Labelled):
    PURPOSE_MET = ("purpose_met", "Er formålet opfyldt?")
    IMPLEMENTED_AS_PLANNED = ("implemented_as_planned", "Er indsatsen gennemført som planlagt?")


class AssessmentAnswer(Labelled):
    NOT_AT_ALL = ("not_at_all", "slet ikke")
    SMALL_EXTENT = ("small_extent", "i mindre grad")
    SOME_EXTENT = ("some_extent", "i nogen grad")
    HIGH_EXTENT = ("high_extent", "i høj grad")


class ImplementationPhase(Labelled):
    """The implementation circle (implementeringscirklen)."""

    PLAN = ("plan", "planlæg")
    START = ("start", "igangsæt aktiviteter")
    FOLLOW_UP = ("follow_up", "følg op")
    ADJUST = ("adjust", "justér")


class OrganisationStatus(Labelled):
    ACTIVE = ("active", "aktiv")
    MERGED = ("merged", "fusioneret")
    CLOSED = ("closed", "lukket")


# The self-assessment scale (selvevaluering) a steering group rates each anchoring
# dimension on: 1 = not anchored at all, 7 = fully part of ordinary operations.
RATING_MIN = 1
RATING_MAX = 7


class AnnotationKind(Labelled):
    """What an evaluator's note (evaluatornotat) records."""

    FACTOR = ("factor", "fremmende faktor")
    BARRIER = ("barrier", "barriere")
    JUDGEMENT = ("judgement", "vurdering")


class AnnotationStatus(Labelled):
    DRAFT = ("draft", "kladde")
    PUBLISHED = ("published", "offentliggjort")
    WITHDRAWN = ("withdrawn", "trukket tilbage")
