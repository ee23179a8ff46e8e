"""Forms of the staff admin. The rules themselves live in waivers.validation
(shared with the API and importer); these forms only map them onto fields
so errors show next to the field they concern."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from agencies import roles
from agencies.models import Agency
from waivers import validation
from waivers.models import (
    JonesActDetail,
    NaicsCode,
    PricePreference,
    PscCode,
    UrgentReport,
    Waiver,
)
from waivers.services import CONTENT_FIELDS

_LIST_SPLIT = re.compile(r"[\s,;]+")


def _split(value: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(value or "") if item]


class ListField(forms.CharField):
    """A list of codes typed one per line or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 40})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return _split(super().to_python(value))

    def has_changed(self, initial, data):
        return list(initial or []) != self.to_python(data)


def https_links(db_field, **kwargs):
    """The model's form fields, a link typed without a scheme read as https
    (Django 6.0's default; WaiverAdmin.formfield_overrides says the same)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def name_split_inputs(form: forms.Form) -> None:
    """Give each box of a split widget (the admin's date and time boxes) an
    accessible name: the field's label with the word shown beside the box
    ("Received at: Date"). Django labels only the field as a whole."""
    for field in form.fields.values():
        if not isinstance(field.widget, forms.MultiWidget):
            continue
        parts = ("Date", "Time") if isinstance(field.widget, forms.SplitDateTimeWidget) else ()
        for index, widget in enumerate(field.widget.widgets):
            part = parts[index] if index < len(parts) else f"part {index + 1}"
            widget.attrs["aria-label"] = f"{field.label}: {part}"


class WaiverForm(forms.ModelForm):
    """The content of a waiver. Lifecycle fields are never on this form; the
    status changes only through the transition buttons (waivers.admin.transitions)."""

    piids = ListField(
        label="PIIDs",
        required=False,
        help_text="One per line. " + validation.PIID_HELP,
    )
    countries = ListField(
        label="Countries of origin",
        required=False,
        help_text="ISO 3166-1 codes (alpha-2 or alpha-3), one per line or comma-separated.",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    amendment_reason = forms.CharField(
        label="Reason for this amendment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="This waiver is posted: its content changes only by a recorded amendment, "
        "kept in the audit trail with your reason.",
    )

    # Set by WaiverAdmin.get_form for the request at hand.
    user = None
    waiver_type = ""
    require_complete = False  # "Save and submit" asks for everything posting needs

    class Meta:
        model = Waiver
        fields = CONTENT_FIELDS
        formfield_callback = https_links

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.waiver_type = self.instance.waiver_type
            self.fields["expected_version"].initial = self.instance.version
        if not self.is_posted:
            self.fields.pop("amendment_reason")
        agency_field = self.fields.get("contracting_agency")
        if agency_field is not None and self.user is not None:
            allowed = Q(pk__in=roles.submittable_agencies(self.user).values("pk"))
            if self.instance.pk:  # keep the current value selectable
                allowed |= Q(pk=self.instance.contracting_agency_id)
            agency_field.queryset = Agency.objects.filter(allowed)
        for name in list(self.fields):
            if name in CONTENT_FIELDS and not validation.applies_to(name, self.waiver_type):
                del self.fields[name]
        if "naics" in self.fields:
            self.fields["naics"].queryset = NaicsCode.objects.all()
        if "psc" in self.fields:
            self.fields["psc"].queryset = PscCode.objects.all()
        name_split_inputs(self)

    @property
    def is_posted(self) -> bool:
        return bool(self.instance.pk) and self.instance.status != Waiver.Status.DRAFT

    def _changed(self, name: str) -> bool:
        return not self.instance.pk or name in self.changed_data

    def clean_piids(self):
        piids, errors = [], []
        values = self.cleaned_data["piids"]
        if not self._changed("piids"):
            return values  # imported values are kept as published
        for value in values:
            try:
                piid = validation.validate_piid(value)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            if piid not in piids:
                piids.append(piid)
        if errors:
            raise ValidationError(errors)
        return piids

    def clean_solicitation_id(self):
        value = self.cleaned_data["solicitation_id"].strip()
        if value and self._changed("solicitation_id"):
            return validation.validate_solicitation_id(value)
        return value

    def clean_countries(self):
        values = self.cleaned_data["countries"]
        if not self._changed("countries"):
            return values
        return validation.normalise_countries(values)

    def clean_naics(self):
        naics = self.cleaned_data.get("naics")
        if self._changed("naics"):
            validation.validate_naics(naics)
        return naics

    def clean_psc(self):
        psc = self.cleaned_data.get("psc")
        if self._changed("psc"):
            validation.validate_psc(psc)
        return psc

    def clean(self):
        cleaned = super().clean()
        self._check_version()
        try:
            validation.validate_waiver_dates(cleaned)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name not in self.errors:
                    self.add_error(name, messages)

        if self.is_posted and not (cleaned.get("amendment_reason") or "").strip():
            self.add_error("amendment_reason", "Say why you are amending a posted waiver.")
        if self.is_posted or self.require_complete:
            for name, message in validation.missing_required(self.waiver_type, cleaned).items():
                if name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def _check_version(self) -> None:
        """Refuse a save based on an outdated copy (optimistic locking); the
        service checks again under a row lock when it writes."""
        if not self.instance.pk:
            return
        loaded = self.cleaned_data.get("expected_version")
        current = Waiver.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
        current = current.first()
        if loaded is None or loaded != current:
            raise ValidationError(
                "Someone else saved this waiver after you opened it, so your changes were "
                "not saved (their edit is kept). Reload the page to see the current "
                "version, then make your changes again.",
                code="stale",
            )


class DetailForm(forms.ModelForm):
    """Base of the type-specific inline forms: their rules come from
    waivers.validation."""

    rules = staticmethod(lambda values: None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_split_inputs(self)

    def clean(self):
        cleaned = super().clean()
        if not self.has_changed() and not self.instance.pk:
            return cleaned
        try:
            self.rules(cleaned)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    if field not in self.errors:
                        self.add_error(field if field in self.fields else None, message)
        return cleaned


class PricePreferenceForm(DetailForm):
    rules = staticmethod(validation.validate_price_preference)

    class Meta:
        model = PricePreference
        fields = (
            "lowest_foreign_offer",
            "lowest_domestic_offer",
            "domestic_business_size",
            "is_dod",
        )


class JonesActForm(DetailForm):
    rules = staticmethod(validation.validate_jones_act)
    vessel_flag = forms.CharField(
        label="Flag", max_length=3, help_text="ISO 3166-1 country code (e.g. NO or NOR)."
    )

    class Meta:
        model = JonesActDetail
        fields = (
            "authority",
            "requester",
            "received_at",
            "published_at",
            "vessel_name",
            "vessel_number",
            "vessel_flag",
            "vessel_owner",
            "vessel_operator",
            "laden_at_request",
            "cargo_type",
            "cargo_quantity",
            "load_port",
            "discharge_port",
            "window_start",
            "window_end",
            "marad_determination_date",
            "marad_finding",
            "marad_actions",
            "decision",
            "decided_at",
            "terms",
            "valid_days",
            "extension_days",
            "denial_reasons",
            "voyage_report_received_at",
            "voyage_report_published_at",
        )

    def clean_vessel_flag(self):
        return validation.normalise_country(self.cleaned_data["vessel_flag"])


class UrgentReportForm(DetailForm):
    rules = staticmethod(validation.validate_urgent_report)

    class Meta:
        model = UrgentReport
        fields = validation.URGENT_REPORT_REQUIRED

    def clean_contract_number(self):
        return validation.normalise_identifier(self.cleaned_data["contract_number"])
