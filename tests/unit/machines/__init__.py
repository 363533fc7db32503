"""Unit tests of the case lifecycles (pure domain, no database)."""
