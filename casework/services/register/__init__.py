"""The register as services: schools, imports, amendments, statistics and a pupil's year."""
