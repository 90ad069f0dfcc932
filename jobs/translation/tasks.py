"""django-q2 tasks of translations: thin wrappers over services."""

from __future__ import annotations


def translate(translation_id: str) -> None:
    from jobs.translation.services.worker import translation_run

    translation_run(translation_id)
