"""HTTP controllers: one per resource, handlers of a few lines each."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from api.controllers.activities import ActivityController, launch_activity
from api.controllers.agreements import AgreementController, draft_agreement
from api.controllers.anchoring import AnchoringController
from api.controllers.annotations import AnnotationController
from api.controllers.corrections import CorrectionController
from api.controllers.decisions import DecisionController
from api.controllers.directory import OrganisationLifecycleController, PersonController
from api.controllers.evaluations import EvaluationController
from api.controllers.governance import RegistryFieldsController
from api.controllers.partners import PartnerController
from api.controllers.ratings import RatingController
from api.controllers.roles import RoleController, assign_role
from api.controllers.secretariat import SecretariatController
from api.controllers.steering import SteeringGroupController

COMMAND_CONTROLLERS: tuple[ControllerRouterHandler, ...] = (
    OrganisationLifecycleController,
    PersonController,
    RegistryFieldsController,
    PartnerController,
    SteeringGroupController,
    SecretariatController,
    DecisionController,
    RoleController,
    ActivityController,
    AnchoringController,
    EvaluationController,
    CorrectionController,
    AgreementController,
    RatingController,  # the evaluator toolkit: ratings (reads and writes) and evaluators' notes
    AnnotationController,
    # POST beside a GET view on the same path. Litestar 2 cannot merge two controllers on
    # one path (each brings its own OPTIONS handler), but merges a plain handler into an
    # existing route: so these are plain handlers, registered after the view controllers.
    launch_activity,
    assign_role,
    draft_agreement,
)
"""Every use case's write endpoint, and the reads of a person and of an agreement."""
