"""Unit tests of casework.interchange: common transfer files."""
