from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User


def send_invitation(user: User, *, invited_by: User) -> None:
    """Email a new member a link to choose their password (the password-reset page)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    body = render_to_string(
        "registration/invitation_email.txt",
        {"user": user, "inviter": invited_by, "organization": user.organization, "link": settings.SITE_URL + path},
    )
    send_mail(_("You are invited to Instrument Commons"), body, None, [user.email])
