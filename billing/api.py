"""Billing over REST: rate cards, charges, invoices and the ledger's check (vouchers are in
billing.api_vouchers).

Reads go through billing.permissions, writes through the billing services, so the rules
are the same as on the pages; this module checks the shape of a request and who may press
which button, and shapes the answer.
"""

from dataclasses import asdict

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from accounts.permissions import is_platform_admin, regulated_region
from billing import invoicing, ledger, rates, vouchers
from billing.models import Charge, Invoice, Payment, RateCard
from billing.permissions import can_bill, is_finance_of, visible_charges, visible_invoices
from billing.serializers import (
    ChargeSerializer,
    InvoiceDraftSerializer,
    InvoiceSerializer,
    LedgerVerdictSerializer,
    PaymentCreateSerializer,
    RateCardCreateSerializer,
    RateCardSerializer,
    VoidSerializer,
)
from instruments.models import Instrument

NOT_FINANCE = _("Only the provider institution's finance (its organization admins) bills its customers.")
PROVIDER_REQUIRED = _("Give the code of the institution that bills.")
NOT_LEDGER_READER = _("The ledger's check is for regulators and platform admins.")
UNKNOWN_INSTRUMENT = _("No instrument has this code.")
UNKNOWN_ORGANIZATION = _("No organization has this code.")
YES_NO = [("true", "true"), ("false", "false")]


class PublicReadOrAuthenticated(permissions.BasePermission):
    """Prices and voucher programmes are public; writing needs an account (the service checks whose)."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def by_code(queryset: QuerySet, message, label: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=queryset, to_field_name="code", label=label, error_messages={"invalid_choice": message}
    )


def with_period(filterset: type[django_filters.FilterSet], field: str) -> None:
    # 'from' is a Python keyword, so the period's filters are added by name, after the class.
    filterset.base_filters["from"] = django_filters.DateFilter(
        field_name=field, lookup_expr="gte", label=f"{field} on or after this day"
    )
    filterset.base_filters["to"] = django_filters.DateFilter(
        field_name=field, lookup_expr="lt", label=f"{field} before this day (the period is [from, to))"
    )


class RateCardFilter(django_filters.FilterSet):
    instrument = by_code(Instrument.objects.all(), UNKNOWN_INSTRUMENT, "instrument code")

    class Meta:
        model = RateCard
        fields: list[str] = []


class ChargeFilter(django_filters.FilterSet):
    provider = by_code(Organization.objects.all(), UNKNOWN_ORGANIZATION, "provider institution's code")
    customer = by_code(Organization.objects.all(), UNKNOWN_ORGANIZATION, "customer organization's code")
    invoiced = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_invoiced", label="on an invoice (a draft too)"
    )

    class Meta:
        model = Charge
        fields: list[str] = []

    def filter_invoiced(self, queryset: QuerySet[Charge], name: str, value: str) -> QuerySet[Charge]:
        return queryset.filter(invoice__isnull=value != "true")


with_period(ChargeFilter, "service_date")


class InvoiceFilter(django_filters.FilterSet):
    provider = by_code(Organization.objects.all(), UNKNOWN_ORGANIZATION, "provider institution's code")
    customer = by_code(Organization.objects.all(), UNKNOWN_ORGANIZATION, "customer organization's code")
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Invoice.Kind.choices)

    class Meta:
        model = Invoice
        fields: list[str] = []


class RateCardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Instruments' rate cards, public. A lab manager adds a card for an instrument of their
    lab; a card is never changed: a change is a new card from another day."""

    permission_classes = [PublicReadOrAuthenticated]
    serializer_class = RateCardSerializer
    filterset_class = RateCardFilter
    queryset = RateCard.objects.select_related("instrument")

    @extend_schema(request=RateCardCreateSerializer, responses={201: RateCardSerializer})
    def create(self, request):
        card = rates.rate_card_create(by=request.user, **valid(RateCardCreateSerializer, request))
        return Response(RateCardSerializer(self.get_queryset().get(pk=card.pk)).data, status=status.HTTP_201_CREATED)


class ChargeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Charges you may see: your bookings' and orders', your labs', your organization's as
    its admin, your region's providers' as a regulator."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ChargeSerializer
    filterset_class = ChargeFilter

    def get_queryset(self) -> QuerySet[Charge]:
        return (
            visible_charges(self.request.user)
            .select_related("instrument", "provider", "customer", "invoice")
            .prefetch_related("lines")
        )

    @extend_schema(request=None, responses=ChargeSerializer)
    @action(detail=True, methods=["post"], url_path="voucher-exception")
    def voucher_exception(self, request, pk=None):
        """Let vouchers pay this unverified use (regulators of the provider's region)."""
        charge = vouchers.voucher_exception_approve(charge=self.get_object(), by=request.user)
        return Response(ChargeSerializer(self.get_queryset().get(pk=charge.pk)).data)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices and credit notes you may see. The provider's finance drafts, issues, voids
    and records payments; an issued invoice never changes (voiding it issues a credit note)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    def get_queryset(self) -> QuerySet[Invoice]:
        charges = Charge.objects.select_related("instrument", "provider", "customer", "invoice").prefetch_related(
            "lines"
        )
        return (
            visible_invoices(self.request.user)
            .select_related("provider", "customer")
            .prefetch_related(
                Prefetch("charges", queryset=charges),
                Prefetch("payments", queryset=Payment.objects.select_related("recorded_by")),
                "credit_notes",
            )
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(request=InvoiceDraftSerializer, responses={201: InvoiceSerializer})
    def create(self, request):
        """A draft of the provider's uninvoiced charges to the customer with a service date in
        [period_start, period_end)."""
        data = valid(InvoiceDraftSerializer, request)
        provider = data.pop("provider", None) or request.user.organization
        if provider is None:
            raise ValidationError({"provider": [PROVIDER_REQUIRED]})
        if not is_finance_of(request.user, provider):
            raise PermissionDenied(NOT_FINANCE)
        invoice = invoicing.invoice_draft(provider=provider, **data)
        return Response(self._out(invoice), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Number the draft, set its due date and let vouchers pay their share."""
        return Response(self._out(invoicing.invoice_issue(invoice=self._billable())))

    @extend_schema(request=VoidSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void a draft, or an issued invoice without payments (a credit note is issued for it)."""
        invoice = self._billable()
        invoicing.invoice_void(invoice=invoice, by=request.user, **valid(VoidSerializer, request))
        return Response(self._out(invoice))

    @extend_schema(request=PaymentCreateSerializer, responses={201: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """Record a bank transfer against an issued invoice; the answer is the invoice."""
        invoice = self._billable()
        invoicing.payment_record(invoice=invoice, by=request.user, **valid(PaymentCreateSerializer, request))
        return Response(self._out(invoice), status=status.HTTP_201_CREATED)

    def _billable(self) -> Invoice:
        invoice = self.get_object()
        if not can_bill(self.request.user, invoice):
            raise PermissionDenied(NOT_FINANCE)
        return invoice

    def _out(self, invoice: Invoice) -> dict:
        fresh = self.get_queryset().get(pk=invoice.pk)
        return InvoiceSerializer(fresh, context=self.get_serializer_context()).data


class LedgerReader(permissions.BasePermission):
    message = NOT_LEDGER_READER

    def has_permission(self, request, view) -> bool:
        return is_platform_admin(request.user) or regulated_region(request.user) is not None


class LedgerVerifyView(APIView):
    """Check the hash chain of the money journal: an edited, deleted or inserted entry shows."""

    permission_classes = [permissions.IsAuthenticated, LedgerReader]

    @extend_schema(responses=LedgerVerdictSerializer)
    def get(self, request):
        return Response(LedgerVerdictSerializer(asdict(ledger.verify())).data)
