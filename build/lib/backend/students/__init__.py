"""Students and their guardians: the roster, its import, the homeroom list."""
