"""Every projection Tværs keeps, in the order the runner applies them."""

from __future__ import annotations

from projections.access import access
from projections.agenda import follow_ups_projection
from projections.agreements import agreements_projection
from projections.anchoring import anchoring
from projections.annotations import annotations_projection
from projections.audit import audit
from projections.core import Projection
from projections.directory import directory
from projections.ladder import ladder
from projections.offers import activities_projection
from projections.ratings import ratings_projection
from projections.registry import registry
from projections.roles import roles
from projections.search import facets_projection

ALL: tuple[Projection, ...] = (
    access,
    directory,
    registry,
    ladder,
    roles,
    anchoring,
    audit,
    activities_projection,
    agreements_projection,
    facets_projection,
    follow_ups_projection,
    ratings_projection,
    annotations_projection,
)
