"""``automatic_transcriptions`` in a language other than the audio's: GoTranscript's
"a different language than the audio's means translated".

The job detects what is spoken (it is not forced into the ordered language, which would
make Whisper write nonsense or its own loose translation); once its transcript exists
and the spoken language is not the ordered one, the transcript is translated by the
same follow-up a transcription ordered with ``translate_to`` gets. The order pays for
both (the job is ``paid_by`` the order, so the translation holds nothing of its own)
and finishes when the translation does; a pair nothing here translates refunds it.
"""

from __future__ import annotations

from jobs.models import TranscriptionJob
from jobs.text.language import language_code
from jobs.transcripts.selectors import transcript_read
from jobs.translation.services.follow_up import translation_follow_up
from orders import languages
from orders.models import Order, OrderType


def ordered_language_translation(order: Order) -> bool:
    """Queue the translation an automatic order needs; whether it needed one (the order
    then waits for it). Call it in the transaction that follows the job's completion."""
    job = order.transcription_job
    if order.type != OrderType.AUTOMATIC_TRANSCRIPTION or job is None:
        return False
    view = transcript_read(job, with_words=False)
    spoken = language_code(view.language if view is not None else "")
    wanted = languages.code_for(order.language)
    if not spoken or not wanted or spoken == wanted:
        return False
    TranscriptionJob.objects.filter(pk=job.pk).update(translate_to=wanted)
    job.translate_to = wanted
    translation_follow_up(job)
    return True
