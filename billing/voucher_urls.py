"""Voucher, claim and ledger pages; included by billing.urls (namespace "billing")."""

from django.urls import path

from billing import claim_views, ledger_views, voucher_views

urlpatterns = [
    path("vouchers/", voucher_views.programme_list, name="voucher-programmes"),
    path("vouchers/new/", voucher_views.programme_create, name="voucher-programme-create"),
    path("vouchers/<int:pk>/", voucher_views.programme_detail, name="voucher-programme"),
    path("vouchers/<int:pk>/apply/", voucher_views.grant_apply, name="voucher-apply"),
    path("vouchers/mine/", voucher_views.my_vouchers, name="voucher-mine"),
    path("vouchers/grants/<int:pk>/", voucher_views.grant_detail, name="voucher-grant"),
    path("vouchers/grants/<int:pk>/decide/", voucher_views.grant_decide, name="voucher-grant-decide"),
    path("vouchers/exceptions/", voucher_views.exception_list, name="voucher-exceptions"),
    path("vouchers/exceptions/<int:pk>/", voucher_views.exception_approve, name="voucher-exception-approve"),
    path("vouchers/claims/", claim_views.claim_list, name="voucher-claims"),
    path("vouchers/claims/new/", claim_views.claim_submit, name="voucher-claim-submit"),
    path("vouchers/claims/<int:pk>/", claim_views.claim_detail, name="voucher-claim"),
    path("vouchers/claims/<int:pk>/paid/", claim_views.claim_paid, name="voucher-claim-paid"),
    path("vouchers/claim-lines/<int:pk>/decide/", claim_views.claim_line_decide, name="voucher-claim-line-decide"),
    path("ledger/", ledger_views.ledger_check, name="ledger"),
]
