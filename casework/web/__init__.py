"""The web app: sign-in, the three roles' daily pages (htmx) and the JSON API, on Litestar."""
