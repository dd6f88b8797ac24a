"""The API's sign-in: a token for a user name and password, behind the throttle and the
lockout that guard the login page."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from accounts.lockout import LoginLocked, login_authenticate
from config.throttle import DoorThrottle, throttled


class TokenSerializer(AuthTokenSerializer):
    def validate(self, attrs: dict) -> dict:
        try:
            user = login_authenticate(
                request=self.context.get("request"), username=attrs["username"], password=attrs["password"]
            )
        except LoginLocked as locked:
            # A lockout is a wait, like a throttle: 429 with Retry-After.
            raise throttled(locked.seconds, locked.message) from None
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        attrs["user"] = user
        return attrs


class ObtainToken(ObtainAuthToken):
    serializer_class = TokenSerializer
    throttle_classes = [DoorThrottle]
    throttle_door = "token"


obtain_token = ObtainToken.as_view()
