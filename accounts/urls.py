"""Sign-in and password reset pages behind the throttle; the rest of django.contrib.auth.urls
is included after these and answers unchanged."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import LoginForm
from config.throttle import throttle_post

urlpatterns = [
    path("login/", throttle_post("login")(auth_views.LoginView.as_view(authentication_form=LoginForm)), name="login"),
    path(
        "password_reset/",
        throttle_post("password_reset")(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
]
