import hashlib
import secrets

from django.db import models

from miao_site.timestamps import TimeStampedModel

KEY_PREFIX = "miao_"


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(raw_key: str) -> str:
    """SHA-256 of the raw key. Keys are 256-bit random values, so a fast hash is
    enough: nothing to brute-force, and lookups stay one indexed query."""
    return hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ApiKey(TimeStampedModel):
    """A key that raises an API client's rate limit. Only its hash is stored:
    the raw key is shown once, to the staff member who issues it."""

    name = models.CharField(max_length=200, help_text="Who or what the key is for, e.g. the tool.")
    owner = models.CharField(max_length=200, help_text="Organisation or person responsible.")
    contact_email = models.EmailField(help_text="Where to reach the owner about their use.")
    prefix = models.CharField(
        max_length=16, editable=False, help_text="First characters of the key, to recognise it."
    )
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(
        "active", default=True, help_text="Untick to revoke the key; requests using it get 401."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, **fields) -> tuple["ApiKey", str]:
        """Create a key; returns the saved key and the raw value (never stored)."""
        raw = new_raw_key()
        key = cls(**fields)
        key.set_raw_key(raw)
        key.full_clean()
        key.save()
        return key, raw

    def set_raw_key(self, raw: str) -> None:
        self.prefix = raw[: len(KEY_PREFIX) + 6]
        self.hashed_key = hash_key(raw)
