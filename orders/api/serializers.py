"""GoTranscript's order parameters, typed; the rules about them (languages, turnaround
per language) are the intake service's."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from orders.languages import DEFAULT_TURNAROUND
from orders.models import OrderType
from orders.services.intake import OrderRequest

# ``from`` is a Python keyword, so the trim fields are declared by name.
_Trim: Any = type(
    "_Trim",
    (serializers.Serializer,),
    {
        "from": serializers.FloatField(required=False, allow_null=True, min_value=0),
        "till": serializers.FloatField(required=False, allow_null=True, min_value=0),
    },
)


class _OrderInput(serializers.Serializer[Any]):
    # Read by the authentication (orders.api.auth), declared so the schema shows it.
    api_token = serializers.CharField(
        required=False, write_only=True,
        help_text="Your API key, as GoTranscript's clients send it; or in the query string, "
        "or a Bearer or Token header.",
    )  # fmt: skip
    mode = serializers.ChoiceField(choices=["test", "live"], default="live")
    url = serializers.URLField(max_length=2000)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    callback_url = serializers.URLField(
        required=False, allow_blank=True, default="", max_length=500
    )

    order_type = ""

    def order_request(self) -> OrderRequest:
        data = dict(self.validated_data)
        data.pop("api_token", None)
        return OrderRequest(
            type=self.order_type,
            mode=data.pop("mode"),
            url=data.pop("url"),
            trim_from=data.pop("from", None),
            trim_till=data.pop("till", None),
            **data,
        )


class HumanOrderInput(_Trim, _OrderInput):
    """``transcriptions`` and ``captions``."""

    language = serializers.CharField(max_length=40)
    text_format = serializers.CharField(required=False, default="clean_verbatim")
    timestamping = serializers.CharField(required=False, default="not_required")
    turnaround_time = serializers.CharField(required=False, default=DEFAULT_TURNAROUND)
    number_of_speakers = serializers.CharField(required=False, default="1_or_2")


class AutomaticOrderInput(_OrderInput):
    language = serializers.CharField(max_length=40)


class SubtitlesOrderInput(_OrderInput):
    translate_from = serializers.CharField(max_length=40)
    translate_to = serializers.CharField(max_length=40)


class TranslationOrderInput(SubtitlesOrderInput):
    """``translations``: ``url`` is a text document (.txt or .docx), not a recording."""


class _KnownTextOrderInput(_OrderInput):
    """Orders that bring their own transcript: GoTranscript names the media ``audio_url``."""

    url = None  # type: ignore[assignment]
    audio_url = serializers.URLField(max_length=2000)
    transcription_url = serializers.URLField(max_length=2000)
    language = serializers.CharField(max_length=40)

    def order_request(self) -> OrderRequest:
        data = dict(self.validated_data)
        data.pop("api_token", None)
        return OrderRequest(type=self.order_type, mode=data.pop("mode"), url=data.pop("audio_url"),
                            **data)  # fmt: skip


class ForcedAlignmentOrderInput(_KnownTextOrderInput):
    """``forced_alignment``: the audio and the text it says."""


class ProofreadingOrderInput(_KnownTextOrderInput):
    """``transcription_proofreading``: the audio and the customer's AI transcript (plain
    text, JSON, SRT or VTT), proofread by a person; ``captions`` adds a captions file."""

    text_format = serializers.CharField(required=False, default="clean_verbatim")
    timestamping = serializers.CharField(required=False, default="not_required")
    turnaround_time = serializers.CharField(required=False, default=DEFAULT_TURNAROUND)
    captions = serializers.BooleanField(required=False, default=False)


INPUTS: dict[str, type[_OrderInput]] = {
    OrderType.TRANSCRIPTION: HumanOrderInput,
    OrderType.CAPTIONS: HumanOrderInput,
    OrderType.AUTOMATIC_TRANSCRIPTION: AutomaticOrderInput,
    OrderType.SUBTITLES: SubtitlesOrderInput,
    OrderType.TRANSLATION: TranslationOrderInput,
    OrderType.FORCED_ALIGNMENT: ForcedAlignmentOrderInput,
    OrderType.TRANSCRIPTION_PROOFREADING: ProofreadingOrderInput,
}


def input_for(order_type: str, data: Any) -> _OrderInput:
    serializer = INPUTS[order_type](data=data)
    serializer.order_type = order_type
    return serializer
