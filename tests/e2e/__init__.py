"""Browser tests: the web app in headless Chromium, with an accessibility check of every page."""
