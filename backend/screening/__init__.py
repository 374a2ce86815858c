"""Screening: SDQ (student, teacher, parent) and EQ scores, the school's criteria, and each student's group."""
