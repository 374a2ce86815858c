"""Attendance: homeroom and period marks, late, absent, leave and cutting class."""
