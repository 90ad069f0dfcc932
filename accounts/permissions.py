"""Who may do what, in one place: named capabilities mapped to roles.

Services call ``require(actor, organization, capability)`` before they write, so the
API (session or key), the pages and the admin get the same answer; API views also
declare per method which capability they need (``OrganizationApiView.scopes``), so a
route that forgets is caught by a test that walks the URL table.

An actor is a signed-in person, an API key, or staff/the operator (the admin site,
``manage.py`` commands). A person acts with their role in the organization. An API key
acts with the role its creator holds *now* in the key's organization (a key made by an
admin manages webhooks; demote the admin and the key loses that too); a key with no
creator, or whose creator has left, acts as a ``member``. Staff may do everything here,
as they can in the admin anyway — but never through an API key, which can leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accounts.models import ApiKey, Membership, Organization, Role, User

EVERYONE = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
OWNERS = frozenset({Role.OWNER})


class Capability(StrEnum):
    JOBS_CREATE = "jobs.create"
    JOBS_CANCEL = "jobs.cancel"
    # Every member may delete the jobs they submitted; this one deletes anyone's.
    JOBS_DELETE = "jobs.delete"
    JOBS_DELETE_ANY = "jobs.delete_any"
    # Renaming jobs and tagging them, and the organization's list of tags.
    JOBS_ORGANIZE = "jobs.organize"
    TRANSCRIPTS_EDIT = "transcripts.edit"
    WEBHOOKS_MANAGE = "webhooks.manage"
    KEYS_MANAGE = "keys.manage"
    MEMBERS_MANAGE = "members.manage"
    OWNERS_MANAGE = "owners.manage"
    BILLING_TOPUP = "billing.topup"
    # The organization's data as a whole: retention, exporting it all, deleting it all.
    ORGANIZATION_DATA = "organization.data"
    # Name, default language and engine, org-wide vocabulary (read by every member).
    ORGANIZATION_SETTINGS = "organization.settings"


GRANTS: dict[Capability, frozenset[str]] = {
    Capability.JOBS_CREATE: EVERYONE,
    Capability.JOBS_CANCEL: EVERYONE,
    Capability.JOBS_DELETE: EVERYONE,
    Capability.JOBS_DELETE_ANY: MANAGERS,
    Capability.JOBS_ORGANIZE: EVERYONE,
    Capability.TRANSCRIPTS_EDIT: EVERYONE,
    Capability.WEBHOOKS_MANAGE: MANAGERS,
    Capability.KEYS_MANAGE: MANAGERS,
    Capability.MEMBERS_MANAGE: MANAGERS,
    Capability.OWNERS_MANAGE: OWNERS,
    Capability.BILLING_TOPUP: MANAGERS,
    Capability.ORGANIZATION_DATA: OWNERS,
    Capability.ORGANIZATION_SETTINGS: MANAGERS,
}

DENIED: dict[Capability, str] = {
    Capability.JOBS_DELETE_ANY: "Only owners and admins can delete transcriptions other "
    "members submitted.",
    Capability.WEBHOOKS_MANAGE: "Only owners and admins of this organization can change "
    "webhooks or see their signing secrets.",
    Capability.KEYS_MANAGE: "Only owners and admins of this organization can manage API keys.",
    Capability.MEMBERS_MANAGE: "Only owners and admins can invite members or manage invitations.",
    Capability.OWNERS_MANAGE: "Only owners can add other owners.",
    Capability.BILLING_TOPUP: "Only owners and admins of this organization can buy credits.",
    Capability.ORGANIZATION_DATA: "Only owners of this organization can change how long its "
    "media is kept, export all its data or delete it.",
    Capability.ORGANIZATION_SETTINGS: "Only owners and admins of this organization can change "
    "its settings.",
}
NOT_A_MEMBER = "You are not a member of this organization."


class PermissionDenied(Exception):
    """The actor's role does not allow this; the API answers 403 ``forbidden``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    api_key: ApiKey | None = None
    staff: bool = False


OPERATOR = Actor(staff=True)

ActorLike = Actor | User | None


def as_actor(actor: ActorLike) -> Actor:
    """Services take an ``Actor``, a ``User`` (a person, or staff in the admin), or None:
    the operator at the server (management commands, fixtures)."""
    if isinstance(actor, Actor):
        return actor
    if actor is None:
        return OPERATOR
    return Actor(user=actor, staff=actor.is_staff)


def actor_for_request(user: object, auth: object) -> Actor:
    """The actor behind an API request: its key if it came with one, else its session."""
    if isinstance(auth, ApiKey):
        return Actor(api_key=auth)
    return as_actor(user) if isinstance(user, User) else Actor()


def _membership_role(user_id: int | None, organization: Organization) -> str | None:
    if user_id is None:
        return None
    role: str | None = (
        Membership.objects.filter(organization=organization, user_id=user_id)
        .values_list("role", flat=True)
        .first()
    )
    return role


def role_of(actor: ActorLike, organization: Organization) -> str | None:
    """The role ``actor`` acts with in ``organization``; None when it has none there."""
    actor = as_actor(actor)
    if actor.api_key is not None:
        if actor.api_key.organization_id != organization.pk:
            return None
        return _membership_role(actor.api_key.created_by_id, organization) or Role.MEMBER
    return _membership_role(actor.user.pk if actor.user else None, organization)


def allowed(actor: ActorLike, organization: Organization, capability: Capability) -> bool:
    actor = as_actor(actor)
    if actor.staff and actor.api_key is None:
        return True
    return role_of(actor, organization) in GRANTS[capability]


def require(actor: ActorLike, organization: Organization, capability: Capability) -> None:
    """Raise PermissionDenied, with a sentence saying who may, unless ``actor`` may."""
    if allowed(actor, organization, capability):
        return
    if role_of(actor, organization) is None:
        raise PermissionDenied(NOT_A_MEMBER)
    raise PermissionDenied(DENIED.get(capability, "You do not have permission to do this."))


def roles_for(capability: Capability) -> list[str]:
    """The roles granted ``capability``, in rank order (for docs and the README table)."""
    return [role for role in Role.values if role in GRANTS[capability]]
