"""Accounts: Part 11 user identity, login throttling and hashed API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower, Now
from simple_history.models import HistoricalRecords

username_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._@+-]*(:[A-Za-z0-9._-]+)?$",
    "Letters, digits and . _ @ + - only (system accounts: 'system:<name>').",
)


def is_reserved_username(username: str) -> bool:
    """Names the audit trail gives to actors that are not accounts: `system:<name>` for
    machine work and `anonymous` for requests without a user. No account may take them."""
    name = username.strip().lower()
    return name.startswith("system:") or name == "anonymous"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # Usernames are unique without regard to case: `Alice` is `alice`.
        return self.get(username__iexact=username)

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        raise ValidationError(
            "Ledgerline has no superusers: create an administrator with "
            "'manage.py create_administrator' (it manages users, not GxP data)."
        )


class User(AbstractBaseUser, PermissionsMixin):
    """A person or a service account. Never deleted; usernames are never reused.

    `full_name` is the printed name shown in signature manifestations
    (21 CFR 11.50). Service accounts authenticate by token only and never sign.
    """

    username = models.CharField(max_length=150, unique=True, validators=[username_validator])
    full_name = models.CharField("printed name", max_length=200)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    is_service_account = models.BooleanField(default=False)
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(db_default=Now())
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()
    # Per-record history: rows written by the audit capture trigger, not by signals.
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"], table_name="accounts_user_history"
    )

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        db_table = "accounts_user"
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False), name="accounts_user_no_superuser"
            ),
        ]
        permissions = [
            ("manage_users", "Create, change, deactivate users and assign roles"),
            ("unlock_accounts", "Unlock accounts locked after failed logins"),
            ("manage_tokens", "Issue, rotate and revoke API tokens"),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    @property
    def is_staff(self) -> bool:
        return False

    def clean(self) -> None:
        super().clean()
        if is_reserved_username(self.username):
            raise ValidationError(
                {
                    "username": "This name is reserved for the system's own actors "
                    "(system:…, anonymous): choose another."
                }
            )
        clash = User.objects.filter(username__iexact=self.username).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError(
                {"username": "This username is taken (usernames ignore case and are never reused)."}
            )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("Users are never deleted: deactivate the account instead.")

    @property
    def role_names(self) -> list[str]:
        return sorted(self.groups.values_list("name", flat=True))


class LoginThrottle(models.Model):
    """Consecutive failed logins per account (per username, not per IP) and the lock.

    A lock set by failures is lifted only by an administrator's recorded unlock.
    """

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="login_throttle")
    failed_count = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_login_throttle"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.failed_count} failures"


class ApiToken(models.Model):
    """An API token, stored as the SHA-256 of its key: the key is shown once.

    Tokens expire, can be revoked and rotated; each request made with one is
    attributed to its account, and its last use is kept.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_default=Now())
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rotated_to"
    )

    class Meta:
        db_table = "accounts_api_token"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
