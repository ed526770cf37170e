"""Importers for result files of long-context evaluation harnesses (one module per format)."""
