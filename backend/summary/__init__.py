"""The weekly family summary: a guardian's week of their children in a few lines, built once each Friday evening."""
