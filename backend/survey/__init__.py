"""The parents' satisfaction survey of each term: opened by the school, answered once per code, read anonymously."""
