"""The cards stage."""
