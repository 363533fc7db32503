"""Unit tests of casework.policy: the rules and the shipped presets."""
