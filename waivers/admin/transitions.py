"""Lifecycle transitions in the admin: one confirmation page per transition
(GET shows it, POST with the CSRF token performs it) calling the service
function. There is no status field anywhere in the admin."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from waivers import scope, services, workflow
from waivers.models import Waiver

from .base import response_count_link


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the status history and the audit trail.",
    )

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class DeterminationForm(NoteForm):
    determination = forms.ChoiceField(
        choices=Waiver.Determination.choices, widget=forms.RadioSelect
    )
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Required for a conditionally consistent determination.",
    )
    explanation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Required for an inconsistent determination.",
    )
    field_order = ("determination", "conditions", "explanation", "note")
    # The rules (conditions, explanation) are checked by the service, whose
    # errors are keyed by model field; these are the form's names for them.
    error_fields = {
        "determination_conditions": "conditions",
        "determination_explanation": "explanation",
    }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "determination": data["determination"],
            "conditions": data["conditions"],
            "explanation": data["explanation"],
            "note": data["note"],
        }


class FinalDecisionForm(NoteForm):
    decision = forms.ChoiceField(choices=Waiver.FinalDecision.choices, widget=forms.RadioSelect)
    decided_on = forms.DateField(
        label="Date of the decision",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="YYYY-MM-DD",
    )
    field_order = ("decision", "decided_on", "note")
    error_fields = {"final_decision": "decision", "final_decision_date": "decided_on"}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "decision": data["decision"],
            "decided_on": data["decided_on"],
            "note": data["note"],
        }


@dataclass(frozen=True)
class Transition:
    action: str  # a waivers.scope action name, also the URL segment
    label: str
    service: callable
    form: type[NoteForm]
    explanation: str
    done: str  # success message


TRANSITIONS = {
    t.action: t
    for t in (
        Transition(
            workflow.SUBMIT,
            "Submit",
            services.submit,
            NoteForm,
            "Submitting posts this waiver publicly at once and starts MIAO's "
            "15-business-day review clock. Its public content is then locked: later "
            "changes are recorded amendments.",
            "Submitted and posted",
        ),
        Transition(
            workflow.START_REVIEW,
            "Start review",
            services.start_review,
            NoteForm,
            "Marks the waiver as under review by MIAO.",
            "Review started for",
        ),
        Transition(
            workflow.RECORD_DETERMINATION,
            "Record determination",
            services.record_determination,
            DeterminationForm,
            "Records MIAO's determination; the agency's submitters are emailed.",
            "Determination recorded for",
        ),
        Transition(
            workflow.WAIVE_REVIEW,
            "Waive review",
            services.waive_review,
            NoteForm,
            "MIAO waives its review; the agency may then make its final decision.",
            "Review waived for",
        ),
        Transition(
            workflow.RECORD_FINAL_DECISION,
            "Record final decision",
            services.record_final_decision,
            FinalDecisionForm,
            "Records whether the agency granted the waiver.",
            "Final decision recorded for",
        ),
        Transition(
            workflow.WITHDRAW,
            "Withdraw",
            services.withdraw,
            NoteForm,
            "Withdraws the waiver. It stays public, marked withdrawn.",
            "Withdrawn",
        ),
    )
}


def available(user, waiver: Waiver) -> list[Transition]:
    """The transitions to offer as buttons on this waiver's page."""
    allowed = scope.allowed_actions(user, waiver)
    return [t for action, t in TRANSITIONS.items() if action in allowed]


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    mapping = getattr(form, "error_fields", {})
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        name = mapping.get(field, field)
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


def transition_view(model_admin, request, waiver: Waiver, action: str):
    transition = TRANSITIONS[action]
    change_url = reverse("admin:waivers_waiver_change", args=[waiver.pk])
    if action not in scope.allowed_actions(request.user, waiver):
        if action in scope.allowed_actions(request.user, waiver, ignore_status=True):
            messages.error(
                request,
                f"{transition.label} is not possible: waiver {waiver.public_id} is "
                f"{waiver.get_status_display().lower()}.",
            )
            return redirect(change_url)
        raise PermissionDenied(f"Your role does not allow “{transition.label}” on this waiver.")
    form = transition.form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            transition.service(waiver, actor=request.user, **form.service_kwargs())
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect(change_url)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{transition.done} {waiver.public_id}.")
            return redirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{transition.label}: {waiver.public_id}",
        "waiver": waiver,
        "original": waiver,
        "transition": transition,
        "form": form,
        "change_url": change_url,
        "responses": response_count_link(waiver),
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/waivers/waiver/transition.html", context)
