"""Application services: one function per action, each in one database transaction."""
