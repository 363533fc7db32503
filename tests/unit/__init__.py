"""Unit tests: pure domain code, no database."""
