"""The response form of a waiver's page, and the staff's outcome form. Each
error is shown next to its field (HTTP 400); text is only ever shown
escaped, never as HTML."""

from django import forms
from django.core.validators import RegexValidator

from responses.models import HTTP_URL_VALIDATOR, SupplierResponse
from waivers.filters import UpperCharField

PHONE_VALIDATOR = RegexValidator(
    r"^[0-9+().\- ]{7,25}(\s*(x|ext\.?)\s*\d{1,6})?$",
    "Enter a phone number: digits, spaces, + ( ) - and an optional extension (x123).",
    code="phone",
)
CONSENT_CHOICES = (
    ("yes", "Yes: show our company name and state on this waiver’s page"),
    ("no", "No: count our response, but do not name us"),
)


class ResponseForm(forms.ModelForm):
    """What a manufacturer tells the agency and MIAO. `website` is a honeypot:
    hidden from people (and from assistive technology), filled in by bots."""

    public_consent = forms.TypedChoiceField(
        label="May we name your company publicly as a respondent?",
        choices=CONSENT_CHOICES,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="Only the company name and state are ever shown; never your contact details, "
        "UEI or what you wrote.",
    )
    product_url = forms.URLField(
        label="Product link (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[HTTP_URL_VALIDATOR],
        error_messages={"invalid": HTTP_URL_VALIDATOR.message},
        help_text="A web address starting with https:// or http://.",
    )
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    class Meta:
        model = SupplierResponse
        fields = (
            "company_name",
            "uei",
            "cage_code",
            "contact_name",
            "contact_email",
            "contact_phone",
            "city",
            "state",
            "capability",
            "us_content_percent",
            "lead_time",
            "capacity",
            "product_url",
            "public_consent",
        )
        labels = {
            "uei": "SAM.gov Unique Entity ID (UEI)",
            "cage_code": "CAGE code (optional)",
            "contact_phone": "Contact phone (optional)",
        }
        help_texts = {
            "uei": "12 letters and digits, as shown in your SAM.gov registration.",
            "cage_code": "5 letters and digits.",
            "contact_email": "We send a link to this address; the response counts once you "
            "confirm it.",
            "city": "Where the item is made.",
            "capability": "What you make, and how it meets the requirement described in the "
            "waiver (at most 3,000 characters).",
            "us_content_percent": "Estimated share of the item's cost that is U.S. content, "
            "0 to 100.",
            "lead_time": "For example: 10 weeks after order.",
            "capacity": "For example: 200 units a month.",
        }
        # Read in capitals whatever was typed, before the format is checked.
        field_classes = {"uei": UpperCharField, "cage_code": UpperCharField}
        widgets = {"capability": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].validators.append(PHONE_VALIDATOR)
        self.fields["state"].choices = [("", "- Select -"), *self.fields["state"].choices[1:]]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue
            if isinstance(widget, forms.Textarea):
                widget.attrs["class"] = "usa-textarea"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "usa-select"
            else:
                widget.attrs["class"] = "usa-input"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["contact_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["company_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["website"].widget.attrs.update(tabindex="-1", autocomplete="off")

    def full_clean(self):
        super().full_clean()
        # Each field with an error points at its message (and its hint).
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described.insert(0, f"{bound.auto_id}_helptext")
            widget = self.fields[name].widget
            widget.attrs["aria-describedby"] = " ".join(described)
            widget.attrs["aria-invalid"] = "true"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} usa-input--error".strip()

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in (call after is_valid)."""
        return bool(self.cleaned_data.get("website", "").strip()) if self.is_bound else False

    def response_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=SupplierResponse.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Kept in the response's outcome history and the waiver's audit trail; "
        "never public.",
    )
