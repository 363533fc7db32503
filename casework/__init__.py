"""Casework: case management for school attendance in England."""
