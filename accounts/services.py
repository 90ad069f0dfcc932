"""Writes for users, organizations, memberships and API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.errors import InvalidMembership, MemberNotFound
from accounts.models import ApiKey, Membership, Organization, Role, User
from accounts.permissions import ActorLike, Capability, PermissionDenied, require
from billing.services import wallet_open
from lib.prepared import PreparedQuery

__all__ = ["PermissionDenied"]  # re-exported: callers caught it from here before

API_KEY_PREFIX = "hark_"
# last_used_at is informational; writing it on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def organization_create(*, name: str, owner: User) -> Organization:
    """Create an organization owned by ``owner``, with its wallet and sign-up grant."""
    organization = Organization.objects.create(name=name.strip()[:120] or "My organization")
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    wallet_open(organization=organization, actor=owner)
    return organization


def default_organization_name(user: User) -> str:
    local_part = user.email.split("@", 1)[0]
    return f"{local_part}'s workspace"


def user_get_or_create(*, email: str) -> tuple[User, bool]:
    """Find a user by email (case-insensitively) or create one with no usable password."""
    email = User.objects.normalize_email(email).strip()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    user = User.objects.create_user(email=email, password=None)
    return user, True


@transaction.atomic
def membership_add(
    *, organization: Organization, actor: ActorLike, email: str, role: str = Role.MEMBER
) -> Membership:
    """Add ``email`` to ``organization`` (or change their role); only owners and admins
    may, and only owners may make owners. A new user sets a password through password
    reset. ``actor`` None is the operator at the server."""
    require(actor, organization, Capability.MEMBERS_MANAGE)
    if role not in Role.values:
        raise PermissionDenied(f"Unknown role '{role}'.")
    if role == Role.OWNER:
        require(actor, organization, Capability.OWNERS_MANAGE)
    user, _ = user_get_or_create(email=email)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_role_set(
    *, organization: Organization, actor: ActorLike, membership_id: int, role: str
) -> Membership:
    """Change a member's role. Owners and admins may; only owners make or unmake owners,
    and the last owner stays an owner, so an organization is never left without one."""
    require(actor, organization, Capability.MEMBERS_MANAGE)
    if role not in Role.values:
        raise PermissionDenied(f"Unknown role '{role}'.")
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization=organization, pk=membership_id)
        .first()
    )
    if membership is None:
        raise MemberNotFound()
    if Role.OWNER in (role, membership.role):
        require(actor, organization, Capability.OWNERS_MANAGE)
    if membership.role == Role.OWNER and role != Role.OWNER:
        owners = Membership.objects.select_for_update().filter(
            organization=organization, role=Role.OWNER
        )
        if owners.count() <= 1:
            raise InvalidMembership(
                f"{membership.user.email} is the only owner; make someone else an owner first."
            )
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def api_key_create(
    *, organization: Organization, name: str, created_by: User | None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its raw secret, which is never stored or shown again.

    ``created_by`` must be allowed to manage the organization's keys (PermissionDenied);
    None is the operator. The key acts with its creator's role (accounts.permissions)."""
    require(created_by, organization, Capability.KEYS_MANAGE)
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name.strip()[:100] or "API key",
        prefix=raw_key[: len(API_KEY_PREFIX) + 6],
        hashed_key=hash_api_key(raw_key),
        created_by=created_by,
    )
    return api_key, raw_key


def api_key_revoke(*, organization: Organization, key_id: int, actor: ActorLike) -> bool:
    """Revoke one of the organization's keys; False when it has no such active key.
    Raises PermissionDenied when ``actor`` may not manage its keys."""
    require(actor, organization, Capability.KEYS_MANAGE)
    return bool(
        ApiKey.objects.filter(organization=organization, pk=key_id, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def _active_key_query(hashed_key: str) -> QuerySet[ApiKey]:
    # The key's creator is the request's user: one query for all three.
    return (
        ApiKey.objects.select_related("organization", "created_by")
        .filter(hashed_key=hashed_key, revoked_at=None)
        .order_by()  # the hash is unique: nothing to order
    )


# Every API request runs this: compiled once per connection (lib.prepared).
_ACTIVE_KEY = PreparedQuery(
    "accounts.active_key", _active_key_query, fields=(ApiKey._meta.get_field("hashed_key"),)
)


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key``, with its organization, or None."""
    found = _ACTIVE_KEY.fetch(hash_api_key(raw_key))
    if not found:
        return None
    api_key = found[0]
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def api_keys_erase(*, organization: Organization, actor: ActorLike) -> int:
    """Delete every API key of the organization (revoked ones too): part of deleting
    everything it has. Requests with them get 401 at once. Returns how many there were."""
    require(actor, organization, Capability.ORGANIZATION_DATA)
    deleted, _ = ApiKey.objects.filter(organization=organization).delete()
    return deleted
