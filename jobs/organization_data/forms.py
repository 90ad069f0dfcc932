from __future__ import annotations

from django import forms

from jobs.organization_data.retention import MAX_RETENTION_DAYS


class RetentionForm(forms.Form):
    media_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        label="Delete audio after (days)",
        help_text="Counted from when each transcription finished. Leave empty to keep audio "
        "until you delete it.",
    )
    delete_transcripts = forms.BooleanField(
        required=False,
        label="Delete the transcripts too",
        help_text="Unticked, transcripts and translations stay and can still be read, "
        "edited and downloaded; only the audio goes.",
    )


class EraseForm(forms.Form):
    confirmation = forms.CharField(
        max_length=200,
        label="Type the organization's name to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
