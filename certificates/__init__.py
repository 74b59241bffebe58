"""Certificates: annual, exam and course certificates built on learning's ledger, their PDFs and public check."""
