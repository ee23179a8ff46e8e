"""Bulk actions of the waiver change list. Django hands an action only the
selected rows of the change list's queryset, which waivers.scope already
limits to what the user may see; each action checks per row what the user
may do with it on top of that."""

import csv

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from waivers import scope, services, workflow
from waivers.exports import LIST_SEPARATOR, defuse_formula

EXPORT_COLUMNS = (
    ("public_id", "public_id"),
    ("type", "waiver_type"),
    ("status", "status"),
    ("contracting_agency", "contracting_agency__code"),
    ("procurement_title", "procurement_title"),
    ("naics", "naics_id"),
    ("psc", "psc_id"),
    ("piids", "piids"),
    ("solicitation_id", "solicitation_id"),
    ("countries", "countries"),
    ("submitted_at", "submitted_at"),
    ("review_due_date", "review_due_date"),
    ("determination", "determination"),
    ("final_decision", "final_decision"),
    ("final_decision_date", "final_decision_date"),
    ("withdrawn_at", "withdrawn_at"),
)


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """As the public CSV cells: lists joined, texts a spreadsheet would run
    as formulas defused."""
    if value is None:
        return ""
    if isinstance(value, list):
        return defuse_formula(LIST_SEPARATOR.join(value))
    if isinstance(value, str):
        return defuse_formula(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@admin.action(description="Export selected waivers as CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """Stream the selected (in-scope) waivers as CSV."""
    rows = queryset.order_by("pk").values_list(*(column for _, column in EXPORT_COLUMNS))
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([name for name, _ in EXPORT_COLUMNS])
        for row in rows.iterator(chunk_size=1000):
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="waivers-{stamp}.csv"'
    return response


@admin.action(description="Start MIAO review of selected waivers", permissions=["review"])
def start_review(modeladmin, request, queryset):
    """Confirm, then start review of every selected waiver that allows it."""
    waivers = list(queryset.select_related("contracting_agency"))
    actionable = scope.changeable_waivers(request.user, queryset)
    eligible = [
        w
        for w in actionable.select_related("contracting_agency")
        if scope.can(request.user, workflow.START_REVIEW, w)
    ]
    if request.POST.get("confirm") == "yes":
        note = request.POST.get("note", "").strip()
        done = 0
        for waiver in eligible:
            try:
                services.start_review(waiver, actor=request.user, note=note)
            except services.TransitionNotAllowed as error:
                messages.warning(request, str(error))
            else:
                done += 1
        skipped = len(waivers) - len(eligible)
        messages.success(request, f"Review started for {done} waiver{'s' * (done != 1)}.")
        if skipped:
            messages.warning(
                request,
                f"{skipped} selected waiver{'s' * (skipped != 1)} could not be put "
                "under review (not newly submitted).",
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": "Start review of the selected waivers?",
        "eligible": eligible,
        "ineligible": [w for w in waivers if w not in eligible],
        "queryset": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": "start_review",
    }
    return TemplateResponse(request, "admin/waivers/waiver/confirm_start_review.html", context)


@admin.action(description="Delete selected waivers (recorded)", permissions=["delete"])
def delete_selected(modeladmin, request, queryset):
    """Superusers only (see WaiverAdmin.get_actions): Django's confirmation
    page, then each deletion goes through services.delete_waiver."""
    from django.contrib.admin.actions import delete_selected as django_delete_selected

    return django_delete_selected(modeladmin, request, queryset)
