"""Schools, their school years and terms, grades and classrooms."""
