"""The billing pages, under /billing/ (namespace "billing")."""

from django.urls import include, path

from billing import charge_views, rate_views, views

app_name = "billing"
urlpatterns = [
    path("instruments/<slug:code>/rates/", rate_views.rate_cards, name="rates"),
    path("charges/", charge_views.charges, name="charges"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/new/", views.invoice_draft, name="invoice-draft"),
    path("invoices/<int:pk>/", views.invoice, name="invoice"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice-issue"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice-void"),
    path("invoices/<int:pk>/payments/", views.invoice_payment, name="invoice-payment"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf_view, name="invoice-pdf"),
    path("", include("billing.voucher_urls")),
]
