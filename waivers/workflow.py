"""The lifecycle table: which role may take which action on a waiver in which
status. The services read it (a transition or edit from any other status is
refused) and so does waivers.scope (which turns it into the admin's
querysets and permissions); nothing else states these rules.
"""

from dataclasses import dataclass

from agencies.models import AgencyMembership
from waivers.models import Waiver

Role = AgencyMembership.Role
Status = Waiver.Status

# Action names (also the names in the admin's URLs).
EDIT = "edit"  # change a draft's content
AMEND = "amend"  # change a posted waiver's content, with a recorded reason
SUBMIT = "submit"
WITHDRAW = "withdraw"
RECORD_FINAL_DECISION = "record_final_decision"
START_REVIEW = "start_review"
RECORD_DETERMINATION = "record_determination"
WAIVE_REVIEW = "waive_review"
DELETE = "delete"

# Posted and not withdrawn: the agency may still amend or withdraw it.
_LIVE = (Status.SUBMITTED, Status.IN_REVIEW, Status.REVIEWED, Status.REVIEW_WAIVED, Status.DECIDED)


@dataclass(frozen=True)
class Action:
    role: str  # the role that takes it (superusers take every action)
    statuses: tuple[str, ...]  # the statuses it may start from
    # Further statuses from which only a superuser may take it.
    superuser_statuses: tuple[str, ...] = ()

    def allowed_from(self, *, superuser: bool) -> tuple[str, ...]:
        return self.statuses + self.superuser_statuses if superuser else self.statuses


ACTIONS = {
    EDIT: Action(Role.AGENCY_SUBMITTER, (Status.DRAFT,)),
    AMEND: Action(Role.AGENCY_SUBMITTER, _LIVE),
    SUBMIT: Action(Role.AGENCY_SUBMITTER, (Status.DRAFT,)),
    WITHDRAW: Action(Role.AGENCY_SUBMITTER, _LIVE),
    RECORD_FINAL_DECISION: Action(Role.AGENCY_SUBMITTER, (Status.REVIEWED, Status.REVIEW_WAIVED)),
    START_REVIEW: Action(Role.MIAO_REVIEWER, (Status.SUBMITTED,)),
    RECORD_DETERMINATION: Action(Role.MIAO_REVIEWER, (Status.SUBMITTED, Status.IN_REVIEW)),
    WAIVE_REVIEW: Action(Role.MIAO_REVIEWER, (Status.SUBMITTED, Status.IN_REVIEW)),
    # A posted waiver is part of the public record: only a superuser deletes it.
    DELETE: Action(
        Role.AGENCY_SUBMITTER, (Status.DRAFT,), superuser_statuses=(*_LIVE, Status.WITHDRAWN)
    ),
}


# The actions that move a waiver to another status (each a service of that name).
TRANSITIONS = (
    SUBMIT,
    START_REVIEW,
    RECORD_DETERMINATION,
    WAIVE_REVIEW,
    RECORD_FINAL_DECISION,
    WITHDRAW,
)


def actions_of(role: str) -> frozenset[str]:
    return frozenset(name for name, action in ACTIONS.items() if action.role == role)


def statuses_acted_on(role: str) -> frozenset[str]:
    """The statuses in which the role has at least one action."""
    return frozenset(s for name in actions_of(role) for s in ACTIONS[name].statuses)
