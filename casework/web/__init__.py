"""The web app (Litestar, Jinja2, htmx): not built yet, see the README."""
