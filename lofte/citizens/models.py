"""What Löfte tells citizens and hears from them: warnings about current crimes, advice for risk groups,
e-mail subscriptions by area (with Grannsamverkan groups), and the log of every message sent.

Citizens' tips about unsafe places are EST incidents (`lofte.est`, source medborgare). Every change goes through
this app's action modules, which check the member's role, screen free text and write the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class RiskGroup(models.TextChoices):
    ALLA = "alla", _("Alla invånare")
    ALDRE = "aldre", _("Äldre")
    UNGA = "unga", _("Unga")
    VARDNADSHAVARE = "vardnadshavare", _("Vårdnadshavare till tonåringar")
    FORETAGARE = "foretagare", _("Företagare och butiker")
    BOENDE = "boende", _("Boende i flerbostadshus")


class AdvicePage(models.Model):
    """Advice for a risk group, such as how to protect yourself from fraud. A page without a partnership is
    shared by every kommun; a partnership may write its own."""

    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="advice_pages",
    )
    slug = models.SlugField(_("kortnamn"), max_length=100)
    title = models.CharField(_("rubrik"), max_length=200)
    summary = models.CharField(_("sammanfattning"), max_length=300, blank=True)
    body = models.TextField(_("text"), help_text=_("Stycken skiljs åt med en tom rad."))
    risk_groups = models.JSONField(_("riskgrupper"), default=list, blank=True)
    source = models.CharField(_("källa"), max_length=300, blank=True)
    is_published = models.BooleanField(_("publicerad"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rådsida")
        verbose_name_plural = _("rådsidor")
        ordering = ["title"]
        constraints = [
            # One slug per partnership, and once among the shared pages (no partnership). NULL counts as one value
            # through COALESCE, since `nulls_distinct=False` is not created at all on SQLite or PostgreSQL < 15.
            models.UniqueConstraint(
                Coalesce("partnership", Value(0), output_field=models.BigIntegerField()),
                "slug",
                name="advice_slug_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Warning(models.Model):
    """A warning about a current crime (a fraud wave, burglaries) for a kommun or some of its areas."""

    class Category(models.TextChoices):
        BEDRAGERI = "bedrageri", _("Bedrägeri")
        INBROTT = "inbrott", _("Inbrott")
        STOLD = "stold", _("Stöld")
        SKADEGORELSE = "skadegorelse", _("Skadegörelse")
        VALD = "vald", _("Våld och hot")
        BRAND = "brand", _("Brand")
        TRAFIK = "trafik", _("Trafik")
        OVRIGT = "ovrigt", _("Övrigt")

    class Status(models.TextChoices):
        UTKAST = "utkast", _("Utkast")
        PUBLICERAD = "publicerad", _("Publicerad")
        ATERKALLAD = "aterkallad", _("Återkallad")

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.PROTECT, related_name="warnings"
    )
    title = models.CharField(_("rubrik"), max_length=120)
    text = models.TextField(_("text"))
    category = models.CharField(_("kategori"), max_length=20, choices=Category.choices)
    areas = models.ManyToManyField(
        "areas.Area",
        verbose_name=_("områden"),
        blank=True,
        related_name="+",
        help_text=_("Tomt: hela kommunen."),
    )
    risk_groups = models.JSONField(_("riskgrupper"), default=list, blank=True)
    advice = models.ManyToManyField(AdvicePage, verbose_name=_("råd"), blank=True, related_name="warnings")
    valid_until = models.DateField(_("gäller till och med"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UTKAST)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("publicerad"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("varning")
        verbose_name_plural = _("varningar")
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["partnership", "status", "valid_until"])]

    def __str__(self) -> str:
        return self.title


class Subscription(models.Model):
    """An e-mail address that wants warnings and follow-up reports for a kommun or one of its districts.

    Double opt-in: nothing is sent before the address confirms through the link in the first e-mail. The token
    is the only way to reach the subscription again (confirm, unsubscribe); no page shows the address to anyone.
    """

    email = models.EmailField(_("e-postadress"))
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("område"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    warnings = models.BooleanField(_("varningar"), default=True)
    follow_ups = models.BooleanField(_("uppföljningar av medborgarlöften"), default=True)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(_("bekräftad"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("avslutad"), null=True, blank=True)
    # Mail the server refused for good (`lofte.citizens.dispatch`): when last, how often; suspended = no more mail
    # (its confirmation is taken back) until the address confirms again through a new subscription e-mail.
    bounced_at = models.DateTimeField(_("studsade senast"), null=True, blank=True)
    bounce_count = models.PositiveSmallIntegerField(_("antal studsar"), default=0)
    suspended_at = models.DateTimeField(_("avstängd"), null=True, blank=True)

    class Meta:
        verbose_name = _("prenumeration")
        verbose_name_plural = _("prenumerationer")
        constraints = [
            models.UniqueConstraint(
                fields=["email", "area"],
                condition=models.Q(unsubscribed_at__isnull=True),
                name="subscription_active_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.area} ({self.pk})"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class GrannsamverkanGroup(models.Model):
    """A Grannsamverkan group: contact persons for an area who receive the warnings for that area."""

    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        on_delete=models.CASCADE,
        related_name="grannsamverkan_groups",
    )
    name = models.CharField(_("namn"), max_length=200)
    area = models.ForeignKey("areas.Area", verbose_name=_("område"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grannsamverkansgrupp")
        verbose_name_plural = _("grannsamverkansgrupper")
        ordering = ["partnership", "name"]

    def __str__(self) -> str:
        return self.name


class GroupContact(models.Model):
    """A contact person of a Grannsamverkan group; seen only by the partnership's samordnare."""

    group = models.ForeignKey(
        GrannsamverkanGroup, verbose_name=_("grupp"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("namn"), max_length=200, blank=True)
    email = models.EmailField(_("e-postadress"))
    token = models.CharField(max_length=64, unique=True)
    unsubscribed_at = models.DateTimeField(_("avslutad"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # As on Subscription: a suspended contact gets no more mail until the samordnare adds the address again.
    bounced_at = models.DateTimeField(_("studsade senast"), null=True, blank=True)
    bounce_count = models.PositiveSmallIntegerField(_("antal studsar"), default=0)
    suspended_at = models.DateTimeField(_("avstängd"), null=True, blank=True)

    class Meta:
        verbose_name = _("kontaktperson")
        verbose_name_plural = _("kontaktpersoner")
        constraints = [models.UniqueConstraint(fields=["group", "email"], name="group_contact_unique")]

    def __str__(self) -> str:
        return f"{self.group} ({self.pk})"


class Delivery(models.Model):
    """One message to one address: the log that makes sure nothing is sent twice.

    A row is created (unique per message and address, with its Message-ID) before the e-mail goes out. The sending
    task claims it (`claimed_at`, one more `attempts`: "sending"), sends outside any transaction, and marks it sent
    or failed (`lofte.citizens.dispatch`). A claim older than the lease is a dead sender's: the row is sent again
    with the same Message-ID. A message the mail server refused for good is failed (`failure_kind` permanent, the
    SMTP code; never the server's text, which may hold the address); a passing error waits until `next_attempt_at`
    and is failed (transient) after the last attempt. Only a member's retry (`warnings.actions.do_retry_dispatch`)
    sends a failed one again.
    """

    class FailureKind(models.TextChoices):
        PERMANENT = "permanent", _("Permanent (adressen eller meddelandet nekades)")
        TRANSIENT = "transient", _("Tillfälligt fel, gav upp efter flera försök")

    class Kind(models.TextChoices):
        WARNING = "varning", _("Varning")
        FOLLOW_UP = "uppfoljning", _("Uppföljning")
        CONFIRM = "bekraftelse", _("Bekräftelse av prenumeration")

    kind = models.CharField(_("slag"), max_length=12, choices=Kind.choices)
    warning = models.ForeignKey(Warning, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    follow_up = models.ForeignKey(
        "promises.FollowUpRound", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    contact = models.ForeignKey(GroupContact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(_("misslyckades"), null=True, blank=True)
    failure = models.CharField(_("fel"), max_length=100, blank=True)
    failure_kind = models.CharField(_("slag av fel"), max_length=10, choices=FailureKind.choices, blank=True)
    failure_code = models.PositiveSmallIntegerField(_("SMTP-kod"), null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("utskick")
        verbose_name_plural = _("utskick")
        constraints = [
            models.UniqueConstraint(
                fields=["warning", "email"], condition=models.Q(warning__isnull=False), name="delivery_warning_once"
            ),
            models.UniqueConstraint(
                fields=["follow_up", "email"],
                condition=models.Q(follow_up__isnull=False),
                name="delivery_follow_up_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
