from django.urls import path, re_path

from billing import rating_views

app_name = "ratings"
urlpatterns = [
    re_path(r"^(?P<kind>booking|order)/(?P<pk>[0-9]+)/$", rating_views.rate, name="rate"),
    path("<int:pk>/reply/", rating_views.reply, name="reply"),
]
