from django.db import models

from miao_site.constraints import OneQueryCheckConstraints


class TimeStampedModel(OneQueryCheckConstraints):
    """Abstract base: when a row was created and last changed (and check
    constraints validated in one query)."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
