from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lofte.partnerships.models import Membership


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may see comes from their memberships, not from here."""

    email = models.EmailField(_("e-postadress"), max_length=254, unique=True)
    full_name = models.CharField(_("namn"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(
        _("administratör av systemet"),
        default=False,
        help_text=_("Får logga in i Django-admin."),
    )
    date_joined = models.DateTimeField(_("skapad"), default=timezone.now)

    objects = UserManager()
    # Set on the user of one API request signed with a personal access token (lofte.accounts.tokens): the one
    # partnership that request may reach. Not a field; lofte.partnerships.access honours it in every check.
    token_partnership_id: int | None = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = pgettext_lazy("plural", "användare")
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Addresses are compared without case; store them one way so the unique index holds.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


class Invitation(models.Model):
    """An offer to join an organisation of a partnership with a role, sent by e-mail as a single-use link.

    Only the SHA-256 of the link's token is kept (`lofte.accounts.invitations`), so the table gives no working
    links. An invitation is open until it is accepted, withdrawn or past `expires_at`; accepting it (with a new
    password or through single sign-on with the same verified address) makes the membership.
    """

    email = models.EmailField(_("e-postadress"), max_length=254)
    full_name = models.CharField(_("namn"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "partnerships.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    role = models.CharField(_("roll"), max_length=20)
    title = models.CharField(_("befattning"), max_length=200, blank=True)
    # Why a role with restricted access is granted (partnerships.actions.check_role_grant), said by the inviter.
    reason = models.CharField(_("skäl"), max_length=500, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, verbose_name=_("inbjuden av"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    expires_at = models.DateTimeField(_("gäller till"))
    accepted_at = models.DateTimeField(_("antagen"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("antagen av"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        ordering = ["-created_at"]
        indexes = [models.Index(Lower("email"), name="accounts_invitation_email_ci")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation_id} ({self.role})"

    @property
    def role_label(self) -> str:
        return str(Membership.Role(self.role).label) if self.role in Membership.Role.values else self.role

    def is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.withdrawn_at is None and self.expires_at > now


class PersonalAccessToken(models.Model):
    """A key a person makes so a system (a kommun's BI tool, a script) can use the JSON API as them, within one
    partnership and for reading only or for reading and changing (`lofte.accounts.tokens`).

    Only the SHA-256 of the key is kept; the key is shown once, when it is made. It works until `expires_at`,
    until it is revoked, and only while its user is active and still a member in its partnership."""

    class Access(models.TextChoices):
        READ = "read", _("läsa")
        WRITE = "write", _("läsa och ändra")

    user = models.ForeignKey(User, verbose_name=_("användare"), on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("namn"), max_length=100)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        on_delete=models.CASCADE,
        related_name="access_tokens",
    )
    access = models.CharField(_("behörighet"), max_length=5, choices=Access.choices, default=Access.READ)
    prefix = models.CharField(_("prefix"), max_length=8, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    expires_at = models.DateTimeField(_("gäller till"))
    last_used_at = models.DateTimeField(_("senast använd"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    class Meta:
        verbose_name = _("åtkomstnyckel")
        verbose_name_plural = _("åtkomstnycklar")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def can_write(self) -> bool:
        return self.access == self.Access.WRITE

    @property
    def valid_through(self) -> date:
        """The last day (Swedish time) the token works: it expires when that day ends."""
        return timezone.localtime(self.expires_at - timedelta(microseconds=1)).date()


class SignInProvider(models.Model):
    """What Löfte trusts one single sign-on provider for (the provider itself is allauth's SocialApp or an entry
    of LOFTE_OIDC_PROVIDERS with the same id; a row here overrides that entry's rules).

    The addresses and organisations it serves decide which button the sign-in page offers and which people it
    may sign in; with neither, it serves everyone who is a member or invited. An address is verified when the
    provider's `email_verified` claim says so, or, only if `trust_email` is set, when the claim is missing (Entra
    ID's id_token lacks it). The provider's amr/acr claim counts as a second factor only when `trust_mfa` is set.
    """

    provider_id = models.CharField(
        _("leverantörens id"),
        max_length=100,
        unique=True,
        help_text=_("Samma id som i inloggningsappen (SocialApp) eller i LOFTE_OIDC_PROVIDERS."),
    )
    email_domains = models.CharField(
        _("e-postdomäner"),
        max_length=500,
        blank=True,
        help_text=_("Domäner vars adresser loggar in här, t.ex. mjolby.se, åtskilda med komma."),
    )
    organisations = models.ManyToManyField(
        "partnerships.Organisation", verbose_name=_("organisationer"), blank=True, related_name="+"
    )
    trust_email = models.BooleanField(
        _("lita på e-postadressen"),
        default=False,
        help_text=_("Räkna adressen som bekräftad även när leverantören inte skickar email_verified."),
    )
    trust_mfa = models.BooleanField(
        _("lita på leverantörens tvåstegsverifiering"),
        default=False,
        help_text=_("Räkna amr/acr i id-token som en andra faktor för sessionen."),
    )
    mfa_amr = models.CharField(_("amr-värden som räknas"), max_length=200, default="mfa otp hwk", blank=True)
    mfa_acr = models.CharField(_("acr-värden som räknas"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("inloggningsleverantör")
        verbose_name_plural = _("inloggningsleverantörer")
        ordering = ["provider_id"]

    def __str__(self) -> str:
        return self.provider_id
