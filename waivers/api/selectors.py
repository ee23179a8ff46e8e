"""Reads behind the API's agency endpoints."""

from django.db.models import Count


def counts_by(queryset, column: str, choices) -> list[dict]:
    """[{"value", "count"}] for every choice, zeros included (one GROUP BY)."""
    rows = queryset.order_by().values(column).annotate(n=Count("id")).values_list(column, "n")
    counts = dict(rows)
    return [{"value": value, "count": counts.get(value, 0)} for value, _ in choices]
