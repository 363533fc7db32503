"""Attendance policies: the rules, their numbers, and loading them from TOML presets."""
