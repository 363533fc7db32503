"""Integration tests of casework.store: how marks are stored and read back."""
