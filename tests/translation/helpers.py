"""Translations ordered through the API and run as a worker would run them."""

from __future__ import annotations

from typing import Any

from jobs.translation.models import TranslationJob
from jobs.translation.tasks import translate
from tests.conftest import Persona


def order(persona: Persona, job_id: object, to_language: str, **body: Any) -> Any:
    return persona.client().post(
        "/api/v1/translate/",
        {"job_id": str(job_id), "to_language": to_language, **body},
        format="json",
    )


def translated(persona: Persona, job_id: object, to_language: str, **body: Any) -> dict[str, Any]:
    """Order a translation, run its task as the worker does, and read it back."""
    response = order(persona, job_id, to_language, **body)
    assert response.status_code == 200, response.content
    translation_id = response.json()["translation_id"]
    assert TranslationJob.objects.get(pk=translation_id).status == "queued"
    translate(translation_id)
    answer: dict[str, Any] = persona.client().get(f"/api/v1/translate/{translation_id}/").json()
    return answer
