from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Organisation(models.Model):
    """A kommun, a lokalpolisområde or a partner such as a housing company."""

    class Kind(models.TextChoices):
        KOMMUN = "kommun", _("Kommun")
        LPO = "lokalpolisomrade", _("Lokalpolisområde")
        BOSTADSBOLAG = "bostadsbolag", _("Bostadsbolag")
        SKOLA = "skola", _("Skola")
        RADDNINGSTJANST = "raddningstjanst", _("Räddningstjänst")
        OTHER = "annan", _("Annan partner")

    name = models.CharField(_("namn"), max_length=200)
    slug = models.SlugField(_("kortnamn"), max_length=100, unique=True)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("hemområde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    website = models.URLField(_("webbplats"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    """The samverkan: organisations that work together on crime prevention in one kommun."""

    name = models.CharField(_("namn"), max_length=200)
    slug = models.SlugField(_("kortnamn"), max_length=100, unique=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("kommun"),
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("parter"), related_name="partnerships", blank=True
    )
    starts_on = models.DateField(_("överenskommelsen gäller från"), null=True, blank=True)
    ends_on = models.DateField(_("överenskommelsen gäller till"), null=True, blank=True)
    description = models.TextField(_("beskrivning"), blank=True)
    is_published = models.BooleanField(
        _("publicerad"),
        default=False,
        help_text=_("Visas för allmänheten: namn, kommun, parter och period."),
    )
    require_mfa_for_all = models.BooleanField(
        _("tvåstegsverifiering för alla"),
        default=False,
        help_text=_(
            "Alla medlemmar måste logga in med en andra faktor, även rapportörer och läsare. Samordnare, poliser "
            "och administratörer måste alltid göra det."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("samverkan")
        verbose_name_plural = pgettext_lazy("plural", "samverkan")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="partnership_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partnerships:dashboard", args=[self.slug])


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        """The memberships that give access: a deactivated one is kept for the history and gives none."""
        return self.filter(deactivated_at__isnull=True)


class Membership(models.Model):
    """A person's place in an organisation, and the role that decides what they may do."""

    class Role(models.TextChoices):
        SAMORDNARE = "samordnare", _("Samordnare")
        POLIS = "polis", _("Polis")
        RAPPORTOR = "rapportor", _("Rapportör")
        LASARE = "lasare", _("Läsare")
        ADMIN = "admin", _("Administratör")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("användare"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices)
    title = models.CharField(_("befattning"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the person is switched off in this organisation (lofte.accounts.people): the membership and what
    # they wrote are kept, but it gives no access (partnerships/access.py) until it is reactivated.
    deactivated_at = models.DateTimeField(_("inaktiverad"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = pgettext_lazy("plural", "medlemskap")
        ordering = ["organisation__name", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_organisation")]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None
