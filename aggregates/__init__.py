"""Domain model: aggregates, their events, rules and errors. Imports no other layer."""

from aggregates.account import AccessRole, Account, Grant, Token, TokenKind, account_id_for
from aggregates.agreement import Agreement, AgreementStatus, Obligation, Signatory, Terms
from aggregates.annotation import Annotation, EventRef
from aggregates.base import Meta, TvaersAggregate
from aggregates.organisation import Organisation
from aggregates.partnership import Evidence, Partnership, Registry, TermsOfReference
from aggregates.person import Contact, Person

__all__ = [
    "AccessRole",
    "Account",
    "Agreement",
    "AgreementStatus",
    "Annotation",
    "Contact",
    "EventRef",
    "Evidence",
    "Grant",
    "Meta",
    "Obligation",
    "Organisation",
    "Partnership",
    "Person",
    "Registry",
    "Signatory",
    "Terms",
    "TermsOfReference",
    "Token",
    "TokenKind",
    "TvaersAggregate",
    "account_id_for",
]
