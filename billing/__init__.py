"""Billing across institutions: rates, charges, invoices and innovation vouchers."""
