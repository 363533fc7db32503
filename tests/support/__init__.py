"""Builders shared between test modules: dates, the 2025/26 calendar, facts, the example school."""
