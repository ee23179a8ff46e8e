"""Build the POST data of an admin change form from the page that showed it,
as a browser would send it, so tests change only the fields they care about."""

import datetime as dt

from django import forms


def _field_data(prefix_name: str, bound_field) -> dict:
    widget = bound_field.field.widget
    value = bound_field.value()
    if isinstance(widget, forms.CheckboxInput):
        return {prefix_name: "on"} if value else {}
    if isinstance(widget, forms.NullBooleanSelect):
        return {prefix_name: {True: "true", False: "false"}.get(value, "unknown")}
    if isinstance(widget, forms.MultiWidget):  # SplitDateTimeWidget
        if isinstance(value, list):
            parts = value
        elif isinstance(value, dt.datetime):
            parts = [value.date().isoformat(), value.time().isoformat(timespec="seconds")]
        else:
            parts = ["", ""]
        return {f"{prefix_name}_{i}": part or "" for i, part in enumerate(parts)}
    if value is None:
        value = ""
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()
    return {prefix_name: value}


def form_data(response) -> dict:
    """The POST data the admin change form on `response` would submit."""
    data = {}
    form = response.context["adminform"].form
    for bound_field in form:
        data.update(_field_data(bound_field.html_name, bound_field))
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound_field in formset.management_form:
            data[bound_field.html_name] = bound_field.value()
        for inline_form in formset.forms:
            for bound_field in inline_form:
                data.update(_field_data(bound_field.html_name, bound_field))
    return data


def split_dt(name: str, value: dt.datetime) -> dict:
    """POST fields for an admin date-time input."""
    return {f"{name}_0": value.date().isoformat(), f"{name}_1": value.strftime("%H:%M:%S")}


def errors(response) -> dict:
    """Field errors of the main form and each inline form, keyed by field."""
    found = {}
    adminform = response.context.get("adminform") if response.context else None
    if adminform is not None:
        found.update({k: list(v) for k, v in adminform.form.errors.items()})
    for inline in (response.context or {}).get("inline_admin_formsets", []):
        prefix = inline.formset.prefix
        for inline_form in inline.formset.forms:
            for key, value in inline_form.errors.items():
                found[f"{prefix}.{key}"] = list(value)
    return found
