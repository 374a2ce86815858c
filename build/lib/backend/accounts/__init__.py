"""Users, roles, sign-in, and who may see what."""
