"""Every projection Tværs keeps, in the order the runner applies them."""

from __future__ import annotations

from projections.anchoring import anchoring
from projections.audit import audit
from projections.core import Projection
from projections.directory import directory
from projections.ladder import ladder
from projections.registry import registry
from projections.roles import roles

ALL: tuple[Projection, ...] = (directory, registry, ladder, roles, anchoring, audit)
