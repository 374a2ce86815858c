"""Supervision and PDCA: the care system's figures term by term, the school's targets, each homeroom's progress
and the care committee's reflection."""
