"""The Casework test suite: a package, so that every module imports tests.support the same way."""
