"""Innovation vouchers over REST: programmes (public), enterprises' applications and the
regulator's decisions, and providers' claims with the regulator's decision on each line.

Who may do what is decided by billing.vouchers and the selectors of billing.permissions and
billing.voucher_selectors, as on the voucher pages.
"""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from billing import vouchers
from billing.api import PublicReadOrAuthenticated, valid
from billing.models import ClaimLine, VoucherClaim, VoucherGrant, VoucherProgramme
from billing.permissions import visible_grants, visible_programmes
from billing.serializers import (
    ClaimSerializer,
    ClaimSubmitSerializer,
    GrantApplySerializer,
    GrantDecideSerializer,
    GrantSerializer,
    LineDecideSerializer,
    ProgrammeCreateSerializer,
    ProgrammeSerializer,
    ReferenceSerializer,
)
from billing.voucher_selectors import provider_of, visible_claims

# The same words as on the claim pages (billing.claim_views).
SUBMIT_DENIED = _("Only an organization admin of a provider institution claims voucher amounts.")


class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Voucher programmes, public calls for applications. Province and city regulators
    create them, within their region."""

    permission_classes = [PublicReadOrAuthenticated]
    serializer_class = ProgrammeSerializer

    def get_queryset(self) -> QuerySet[VoucherProgramme]:
        return visible_programmes(self.request.user)

    @extend_schema(request=ProgrammeCreateSerializer, responses={201: ProgrammeSerializer})
    def create(self, request):
        programme = vouchers.programme_create(by=request.user, **valid(ProgrammeCreateSerializer, request))
        return Response(ProgrammeSerializer(self.get_queryset().get(pk=programme.pk)).data, status.HTTP_201_CREATED)


class GrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Applications and grants: an enterprise sees its own, a regulator those to its programmes."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = GrantSerializer
    filterset_fields = ["programme", "status"]

    def get_queryset(self) -> QuerySet[VoucherGrant]:
        return visible_grants(self.request.user).select_related("programme", "enterprise", "applicant")

    @extend_schema(request=GrantApplySerializer, responses={201: GrantSerializer})
    def create(self, request):
        """Apply to a programme, for your enterprise."""
        grant = vouchers.grant_apply(by=request.user, **valid(GrantApplySerializer, request))
        return Response(self._out(grant), status=status.HTTP_201_CREATED)

    @extend_schema(request=GrantDecideSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Grant an amount (up to the cap, from the budget left) or refuse with a reason: the
        programme's regulator."""
        grant = self.get_object()
        data = valid(GrantDecideSerializer, request)
        grant = vouchers.grant_decide(
            grant=grant, by=request.user, amount=data.get("amount"), refuse_reason=data.get("refuse_reason", "")
        )
        return Response(self._out(grant))

    def _out(self, grant: VoucherGrant) -> dict:
        return GrantSerializer(self.get_queryset().get(pk=grant.pk)).data


LINE_PARAMETER = OpenApiParameter("line_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="claim line id")


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Providers' claims for what vouchers paid: a provider's finance sees and submits its
    own, a regulator decides those to its programmes, line by line, and records the payment."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ClaimSerializer
    filterset_fields = ["programme", "status"]

    def get_queryset(self) -> QuerySet[VoucherClaim]:
        lines = ClaimLine.objects.select_related("payment__invoice", "payment__grant__enterprise")
        return visible_claims(self.request.user).prefetch_related(Prefetch("lines", queryset=lines))

    @extend_schema(request=ClaimSubmitSerializer, responses={201: ClaimSerializer})
    def create(self, request):
        """Claim what the programme's vouchers paid on your institution's invoices issued in
        [period_start, period_end)."""
        # billing.vouchers.claim_submit takes the provider from `by`; who that may be is
        # checked at each door, as on the claim pages.
        if provider_of(request.user) is None:
            raise PermissionDenied(SUBMIT_DENIED)
        claim = vouchers.claim_submit(by=request.user, **valid(ClaimSubmitSerializer, request))
        return Response(self._out(claim), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReferenceSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def paid(self, request, pk=None):
        """Record that the approved amount was paid to the provider: the programme's regulator."""
        claim = self.get_object()
        reference = valid(ReferenceSerializer, request)["reference"]
        return Response(self._out(vouchers.claim_paid(claim=claim, by=request.user, reference=reference)))

    @extend_schema(request=LineDecideSerializer, responses=ClaimSerializer, parameters=[LINE_PARAMETER])
    @action(detail=False, methods=["post"], url_path=r"claim-lines/(?P<line_pk>[0-9]+)/decide", url_name="line-decide")
    def decide_line(self, request, line_pk=None):
        """Approve or reject one line of a claim (a reason is needed to reject): the programme's
        regulator. The answer is the whole claim."""
        claims = visible_claims(request.user).values("pk")
        line = get_object_or_404(ClaimLine.objects.select_related("claim__programme"), pk=line_pk, claim__in=claims)
        data = valid(LineDecideSerializer, request)
        vouchers.claim_line_decide(line=line, by=request.user, **data)
        return Response(self._out(line.claim))

    def _out(self, claim: VoucherClaim) -> dict:
        return ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data
