"""Unit tests of casework.register: codes, UPNs, the calendar, school files, the register."""
