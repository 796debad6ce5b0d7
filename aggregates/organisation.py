"""Organisation: a body that can be a partner in many partnerships."""

from __future__ import annotations

import re
from uuid import UUID

from aggregates.base import Meta, TvaersAggregate, require_text
from aggregates.errors import InvalidValue, NoChange, OrganisationClosed
from aggregates.taxonomy import OrganisationStatus, Sector

# The one CVR rule (the API's schema and the web forms take this pattern, services/fields.py):
# eight ASCII digits (`\d` takes any script's digits), no trailing line break (`$` alone
# would let one through: the look-ahead refuses any line break).
CVR_PATTERN = r"^(?![^\n]*\n)[0-9]{8}$"
_CVR = re.compile(CVR_PATTERN)


def check_cvr(cvr: str | None) -> str | None:
    if cvr is None or cvr == "":
        return None
    if not _CVR.match(cvr):
        raise InvalidValue(
            f"CVR number must be 8 digits, got {cvr!r}.",
            da="Et CVR-nummer er 8 cifre, ikke «{cvr}».",
            cvr=cvr,
        )
    return cvr


class Organisation(TvaersAggregate):
    name: str
    sector: Sector
    municipality: str | None
    cvr: str | None
    parent_id: UUID | None
    status: OrganisationStatus
    merged_into: UUID | None

    def __init__(self) -> None:
        pass

    class Registered(TvaersAggregate.Created):
        name: str
        sector: Sector
        municipality: str | None
        cvr: str | None
        parent_id: UUID | None

        def apply(self, org: Organisation) -> None:
            org.name = self.name
            org.sector = self.sector
            org.municipality = self.municipality
            org.cvr = self.cvr
            org.parent_id = self.parent_id
            org.status = OrganisationStatus.ACTIVE
            org.merged_into = None

    class Renamed(TvaersAggregate.Event):
        name: str

        def apply(self, org: Organisation) -> None:
            org.name = self.name

    class Merged(TvaersAggregate.Event):
        into_id: UUID

        def apply(self, org: Organisation) -> None:
            org.status = OrganisationStatus.MERGED
            org.merged_into = self.into_id

    class Closed(TvaersAggregate.Event):
        def apply(self, org: Organisation) -> None:
            org.status = OrganisationStatus.CLOSED

    @classmethod
    def register(
        cls,
        *,
        name: str,
        sector: Sector,
        meta: Meta,
        municipality: str | None = None,
        cvr: str | None = None,
        parent: Organisation | None = None,
    ) -> Organisation:
        if parent is not None:
            parent.check_active()
        return cls._create_with(
            cls.Registered,
            meta,
            name=require_text(name, "Organisation name"),
            sector=Sector(sector),
            municipality=municipality.strip() if municipality else None,
            cvr=check_cvr(cvr),
            parent_id=parent.id if parent is not None else None,
        )

    @property
    def is_active(self) -> bool:
        return self.status is OrganisationStatus.ACTIVE

    def check_active(self) -> None:
        if not self.is_active:
            raise OrganisationClosed(
                f"Organisation {self.name!r} is {self.status.value}.",
                da="Organisationen «{name}» er {status}.",
                name=self.name,
                status=self.status,
            )

    def rename(self, name: str, meta: Meta) -> None:
        self.check_active()
        new_name = require_text(name, "Organisation name")
        if new_name == self.name:
            raise NoChange(
                f"The organisation is already called {new_name!r}.",
                da="Organisationen hedder allerede «{name}».",
                name=new_name,
            )
        self._trigger(self.Renamed, meta, name=new_name)

    def merge_into(self, other: Organisation, meta: Meta) -> None:
        self.check_active()
        other.check_active()
        if other.id == self.id:
            raise InvalidValue(
                "An organisation cannot be merged into itself.",
                da="«{name}» kan ikke lægges sammen med sig selv.",
                name=self.name,
            )
        self._trigger(self.Merged, meta, into_id=other.id)

    def close(self, meta: Meta) -> None:
        self.check_active()
        self._trigger(self.Closed, meta)
