"""Shared Streamlit widgets for the pages: URL state, downloads, filters, cached data access."""
