"""Renderers: the terminal report (rich) and the versioned JSON document."""
