"""Destinations behind one narrow interface and one error taxonomy."""
