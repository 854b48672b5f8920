"""Mail sent in the background, after the request that asked for it has committed.

The password-reset task is given user ids, never a link: the django-tasks database backend keeps a task's
arguments in its table (until `lofte prune-tasks` removes finished ones), and a reset link there is a key to the
account for whoever reads the table. The token is made here, when the mail is sent, so the link is valid for
`PASSWORD_RESET_TIMEOUT` from then.
"""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from lofte.accounts.invitations import new_token
from lofte.accounts.models import Invitation, User
from lofte.lib.links import absolute_url

INVITATION_SUBJECT = "accounts/email/invitation_subject.txt"
INVITATION_BODY = "accounts/email/invitation.txt"
RESET_SUBJECT = "accounts/email/password_reset_subject.txt"
RESET_BODY = "accounts/email/password_reset.txt"


@task()
def send_email(subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    """A ready-made mail (kept so mails queued before `send_password_reset` existed still go out)."""
    message = EmailMultiAlternatives(subject, body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


@task()
def send_password_reset(user_ids: list[int], language: str) -> None:
    """Mail each (still active) user a fresh link to choose a new password; nothing for an empty list."""
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        if user.has_usable_password():
            with translation.override(language):
                _mail_reset_link(user)


def _mail_reset_link(user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {"email": user.email, "user": user, "reset_url": absolute_url(path)}
    subject = "".join(loader.render_to_string(RESET_SUBJECT, context).splitlines())
    EmailMultiAlternatives(subject, loader.render_to_string(RESET_BODY, context), to=[user.email]).send()


@task()
def send_invitation(invitation_id: int, language: str) -> None:
    """Mail an invitation's link, made now (only its hash is stored, and the old link stops working); nothing for
    an invitation that is no longer open."""
    invitation = (
        Invitation.objects.select_related("organisation", "partnership", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_open():
        return
    token, token_hash = new_token()
    invitation.token_hash = token_hash
    invitation.save(update_fields=["token_hash"])
    path = reverse("accounts:invitation", kwargs={"token": token})
    context = {"invitation": invitation, "url": absolute_url(path), "inviter": invitation.invited_by}
    with translation.override(language):
        subject = "".join(loader.render_to_string(INVITATION_SUBJECT, context).splitlines())
        body = loader.render_to_string(INVITATION_BODY, context)
    EmailMultiAlternatives(subject, body, to=[invitation.email]).send()
