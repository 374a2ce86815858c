"""Doolae: the Thai student care and support system."""
