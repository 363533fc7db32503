"""The register domain: attendance codes, UPNs, school calendars and files, marks and statistics."""
