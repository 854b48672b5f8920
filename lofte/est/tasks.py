"""Telling a reporter that their report's status changed.

`notify_reporter` runs as a django-tasks task after the change commits. It locks the update, sends one
e-mail and marks the update notified in one transaction, so a task run twice (a retry, a second worker)
sends nothing the second time. If sending fails, the transaction rolls back and a retry sends it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from lofte.est.models import IncidentUpdate
from lofte.lib.links import absolute_url


@task()
def notify_reporter(update_id: int) -> bool:
    return send_notification(update_id)


def send_notification(update_id: int) -> bool:
    """Send the e-mail about one status change; False when there is nothing (more) to send."""
    with transaction.atomic():
        update = (
            IncidentUpdate.objects.select_for_update(of=("self",))
            .select_related("incident__partnership", "incident__category", "incident__reporter")
            .filter(pk=update_id, notified_at__isnull=True)
            .first()
        )
        if update is None:
            return False
        incident = update.incident
        reporter = incident.reporter
        # A citizen's tip has no reporter, only the address they left: no account, so no link to a member page.
        member = reporter if reporter is not None and reporter.is_active else None
        address = member.email if member is not None else incident.contact_email
        if not address:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            url = ""
            if member is not None:
                path = reverse("est_reporting:incident", kwargs={"slug": incident.partnership.slug, "pk": incident.pk})
                url = absolute_url(path)
            context = {"update": update, "incident": incident, "url": url, "partnership": incident.partnership}
            if member is None:
                subject = _("Ditt tips nr %(number)s: %(status)s")
                template = "est/email/status_changed_citizen.txt"
            else:
                subject = _("Din rapport #%(number)s: %(status)s")
                template = "est/email/status_changed.txt"
            subject %= {"number": incident.pk, "status": update.get_status_display()}
            body = render_to_string(template, context)
        EmailMessage(subject, body, to=[address]).send()
        update.notified_at = timezone.now()
        update.save(update_fields=["notified_at"])
    return True
