"""The API's token authentication."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

INVALID_TOKEN = _("Invalid token.")
INACTIVE_USER = _("User inactive or deleted.")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's, loading the user's organization with the user: nearly every answer reads it
    (a booking's organization, whether its requester is external), one query fewer."""

    def authenticate_credentials(self, key: str) -> tuple:
        try:
            token = Token.objects.select_related("user__organization").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_USER)
        return token.user, token
