"""Integration tests of casework.demo: the generated demo school."""
