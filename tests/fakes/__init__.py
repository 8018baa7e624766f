"""Test fakes for external services (Google Sheets API, ...)."""
