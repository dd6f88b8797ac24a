"""The invoice PDF: scoped as the invoice page, in the language of the request, with the
parties, number, dates, lines, VAT, the vouchers' share, the amount due and the terms."""

import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from billing import invoice_pdf, invoicing
from tests.billing import pages_world as W
from tests.billing.pages_world import ROLES, login
from tests.pdf import streams

pytestmark = pytest.mark.django_db
CJK_FONTS = (b"WenQuanYi", b"NotoSansCJK", b"SourceHanSans")
AMOUNTS = ("¥600.00", "¥300.00", "¥36.00", "¥18.00", "¥900.00", "¥54.00", "¥954.00", "¥254.40", "¥699.60")


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The HTML each PDF was made from, while the real PDF is still made."""
    htmls: list[str] = []
    real = invoice_pdf.html_to_pdf

    def keep(html: str) -> bytes:
        htmls.append(html)
        return real(html)

    monkeypatch.setattr(invoice_pdf, "html_to_pdf", keep)
    return htmls


def get(client, w, role: str, language: str = "en", invoice=None):
    login(client, w, role)
    return client.get(reverse("billing:invoice-pdf", args=[(invoice or w.invoice).pk]), HTTP_ACCEPT_LANGUAGE=language)


VISIBLE = {"member", "customer_admin", "provider_admin", "manager", "regulator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_the_pdf_is_scoped_as_the_invoice_page(client, monkeypatch, role):
    monkeypatch.setattr(invoice_pdf, "html_to_pdf", lambda html: b"%PDF-")  # who, not how: no typesetting
    w = W.full()
    response = get(client, w, role)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == (200 if role in VISIBLE else 404)


def test_the_pdf_is_a_pdf_named_by_its_number_and_language(client):
    w = W.full()
    chinese = get(client, w, "customer_admin", "zh-hans")
    assert chinese["Content-Type"] == "application/pdf" and chinese.content.startswith(b"%PDF-")
    assert chinese["Content-Disposition"] == f'inline; filename="{w.invoice.number}-zh-hans.pdf"'
    english = get(client, w, "customer_admin", "en")
    assert english["Content-Disposition"] == f'inline; filename="{w.invoice.number}-en.pdf"'
    # The number is in the document's title, which a PDF reader shows.
    assert f"/Title (Invoice {w.invoice.number})".encode() in streams(english.content)


@pytest.mark.parametrize(("language", "provider", "customer"), [
    ("en", "Jiangsu Test University", "Nanjing Micro-Nano Tech Co."),
    ("zh-hans", "江苏测试大学", "南京微纳科技有限公司"),
])  # fmt: skip
def test_the_pdf_has_the_number_parties_lines_and_amounts_in_the_language_asked(
    client, rendered, language, provider, customer
):
    w = W.full()
    get(client, w, "customer_admin", language)
    (html,) = rendered
    assert f'<html lang="{language}">' in html
    assert w.invoice.number in html and provider in html and customer in html
    assert w.customer.code in html  # the firm's unified social credit code
    for amount in AMOUNTS:
        assert amount in html, amount
    with translation.override(language):
        for label in ("Amount due", "Paid by innovation vouchers", "Net", "Total", "Charges"):
            assert gettext(label) in html, label
        assert gettext("Use: booked time") in html and gettext("Use: declared time (no reporting gateway)") in html
        assert gettext("use measured by the instrument’s gateway") in html
    assert w.invoice.due_date.isoformat() in html and w.invoice.issued_at.date().isoformat() in html
    assert "6%）" in html or "(6%)" in html  # the VAT rate


def test_the_pdf_states_the_payment_terms(client, rendered):
    w = W.full()
    get(client, w, "customer_admin")
    (html,) = rendered
    assert f"Payment terms: 30 days from the date of issue, by {w.invoice.due_date.isoformat()}" in html
    assert "¥699.60" in html.split("Amount due", 1)[1][:200]


def test_a_draft_says_so_and_a_credit_note_names_what_it_cancels(client, rendered):
    w = W.drafted(W.with_grant(W.charged(W.world())))
    assert get(client, w, "provider_admin").status_code == 200
    assert "DRAFT" in rendered[-1]
    W.issued(w)
    note = invoicing.invoice_void(invoice=w.invoice, by=w.provider_admin, reason="开票抬头有误")
    assert get(client, w, "customer_admin", invoice=note).status_code == 200
    html = rendered[-1]
    assert note.number in html and f"Cancels invoice {w.invoice.number} in full: 开票抬头有误" in html
    assert "¥-954.00" in html


def test_the_chinese_pdf_embeds_a_cjk_font(client):
    w = W.full()
    pdf = get(client, w, "customer_admin", "zh-hans").content
    assert any(name in streams(pdf) for name in CJK_FONTS), (
        "No CJK font in the PDF: Chinese would print as empty boxes. Install fonts-wqy-microhei "
        "(scripts/system-packages.sh test)."
    )


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) reads the PDF's text")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_printed_text_has_the_number_and_amounts(client, tmp_path, language):
    w = W.full()
    path = tmp_path / "invoice.pdf"
    path.write_bytes(get(client, w, "customer_admin", language).content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert w.invoice.number in text
    for amount in AMOUNTS:
        assert amount in text, amount
    if language == "zh-hans":
        assert "南京微纳科技有限公司" in text
