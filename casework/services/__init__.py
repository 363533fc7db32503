"""Application services: one function per action, each in one database transaction."""

# A step that names a letter drafts it: the letters service puts its drafter in the case
# commands (which cannot import it, as it reads cases), whichever service is imported first.
from casework.services.letters import drafts as _drafts  # noqa: F401
