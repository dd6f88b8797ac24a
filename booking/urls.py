from django.urls import path

from booking import calendar_views, credit_views, feed_views, policy_views, sample_views, views

app_name = "booking"
urlpatterns = [
    path("instruments/<slug:code>/book/", views.book, name="book"),
    path("instruments/<slug:code>/calendar/", calendar_views.calendar, name="calendar"),
    path("instruments/<slug:code>/usage/", views.usage, name="usage"),
    path("instruments/<slug:code>/booking-rules/", policy_views.policy, name="policy"),
    path("instruments/<slug:code>/booking-rules/hours/", policy_views.window_add, name="window-add"),
    path("instruments/<slug:code>/booking-rules/closures/", policy_views.closure_add, name="closure-add"),
    path("instruments/<slug:code>/booking-rules/search/", policy_views.search, name="policy-search"),
    path(
        "instruments/<slug:code>/booking-rules/<int:event_id>/remove/", policy_views.event_remove, name="event-remove"
    ),
    path("booking/search/", calendar_views.search, name="search"),
    path("reservations/", views.reservations, name="reservations"),
    path("reservations/inbox/", views.inbox, name="inbox"),
    path("reservations/inbox/approve/", views.inbox_approve, name="inbox-approve"),
    path("reservations/<int:pk>/", views.reservation, name="reservation"),
    path("reservations/<int:pk>/<str:action>/", views.decide, name="decide"),
    path("instruments/<slug:code>/sample-order/", sample_views.order_create, name="sample-order-create"),
    path("sample-orders/", sample_views.order_list, name="sample-orders"),
    path("sample-orders/<int:pk>/", sample_views.order_detail, name="sample-order"),
    path("sample-orders/<int:pk>/results/", sample_views.results_download, name="sample-order-results"),
    path("sample-orders/<int:pk>/<str:action>/", sample_views.order_action, name="sample-order-action"),
    path("notifications/", views.notifications, name="notifications"),
    path("credit/", credit_views.credit_marks, name="credit-marks"),
    path("credit/<int:pk>/lift/", credit_views.credit_mark_lift, name="credit-mark-lift"),
    path("calendar/feeds/", feed_views.feeds, name="feeds"),
    path("calendar/feeds/action/", feed_views.feed_action, name="feed-action"),
    path("calendar/<str:token>.ics", feed_views.feed, name="feed"),
]
