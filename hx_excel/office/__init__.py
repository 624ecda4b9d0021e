"""Wrappers around external office tools (headless LibreOffice, poppler) used by tests, benchmarks and scripts."""
