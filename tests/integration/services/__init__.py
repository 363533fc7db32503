"""Integration tests of casework.services: cases end to end, guards, concurrency, imports."""
