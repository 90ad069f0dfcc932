from __future__ import annotations

from django import forms

from webhooks.events import EVENT_CHOICES, EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.CharField(
        max_length=500,
        label="Endpoint URL",
        help_text="Where Hark POSTs events. It must be reachable from the internet.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hark-webhooks"}),
    )
    description = forms.CharField(
        max_length=200,
        required=False,
        label="Description",
        widget=forms.TextInput(attrs={"placeholder": "Production receiver"}),
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        initial=list(EVENT_TYPES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    thin_payload = forms.BooleanField(
        required=False,
        label="Thin payload",
        help_text="Leave the transcript out; your receiver reads it from result_url.",
    )


class EndpointEditForm(EndpointForm):
    enabled = forms.BooleanField(required=False, label="Enabled")
