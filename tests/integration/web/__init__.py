"""Integration tests of casework.web: pages, the JSON API, sign-in, reach and CSRF."""
