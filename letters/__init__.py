"""The letter templates (Jinja2, one file per letter id, over layout.html), installed as casework.letters."""
