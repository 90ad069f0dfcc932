"""Canceling and deleting translations: the hold released, the result removed."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from billing.services import hold_release
from jobs.errors import JobConflict, JobNotFound
from jobs.lifecycle import translation as lifecycle
from jobs.lifecycle.translation import CANCELABLE as CANCELABLE
from jobs.services.lifecycle import submitted_by
from jobs.translation.models import TranslationJob

NOT_FOUND = "No translation with that id was found."


def translations_for(organization: Organization) -> QuerySet[TranslationJob]:
    return TranslationJob.objects.filter(organization=organization)


def translation_get(organization: Organization, translation_id: object) -> TranslationJob:
    try:
        pk = uuid.UUID(str(translation_id))
    except ValueError:
        raise JobNotFound(NOT_FOUND) from None
    translation = translations_for(organization).filter(pk=pk).first()
    if translation is None:
        raise JobNotFound(NOT_FOUND)
    return translation


@transaction.atomic
def translation_cancel(
    *, organization: Organization, translation_id: object, actor: ActorLike
) -> TranslationJob:
    translation = translation_get(organization, translation_id)
    require(actor, organization, Capability.JOBS_CANCEL)
    if not lifecycle.translation_cancel(translation):
        raise JobConflict(
            f"This translation is already {translation.status} and cannot be canceled."
        )
    translation.refresh_from_db()
    return translation


@transaction.atomic
def translation_delete(
    *, organization: Organization, translation_id: object, actor: ActorLike
) -> None:
    """Members delete the translations they ordered; owners and admins anyone's."""
    translation = translation_get(organization, translation_id)
    require(actor, organization, Capability.JOBS_DELETE)
    if not submitted_by(translation, actor):
        require(actor, organization, Capability.JOBS_DELETE_ANY)
    if translation.status in CANCELABLE:
        hold_release(reference=translation.billing_reference)
    translations_for(organization).filter(pk=translation.pk).delete()
