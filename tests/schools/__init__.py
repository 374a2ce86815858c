"""Tests of the schools area: the school calendar."""
