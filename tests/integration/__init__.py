"""Integration tests: the services, the CLI and the store against a real database."""
