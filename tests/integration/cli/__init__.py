"""Integration tests of casework.cli: the casework command end to end."""
