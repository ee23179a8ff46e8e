"""Forms of the alert pages. Each error is shown next to its field (HTTP 400)."""

from django import forms

from alerts.follow import MAX_QUERY_LENGTH
from alerts.models import Subscription

Frequency = Subscription.Frequency


class FollowForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="We send a link to confirm it; nothing else is sent until you do.",
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=Frequency.choices,
        initial=Frequency.DAILY,
        widget=forms.RadioSelect,
    )
    # The followed search's filters (a canonical query string; empty for a
    # waiver, or for every waiver).
    query = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, widget=forms.HiddenInput)


class ManageRequestForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices)
