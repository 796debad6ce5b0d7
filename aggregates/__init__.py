"""Domain model: aggregates, their events, rules and errors. Imports no other layer."""

from aggregates.agreement import Agreement, AgreementStatus, Obligation, Signatory, Terms
from aggregates.base import Meta, TvaersAggregate
from aggregates.organisation import Organisation
from aggregates.partnership import Evidence, Partnership, Registry, TermsOfReference
from aggregates.person import Contact, Person

__all__ = [
    "Agreement",
    "AgreementStatus",
    "Contact",
    "Evidence",
    "Meta",
    "Obligation",
    "Organisation",
    "Partnership",
    "Person",
    "Registry",
    "Signatory",
    "Terms",
    "TermsOfReference",
    "TvaersAggregate",
]
