"""Each role's home page: the first thing a person sees after signing in."""
