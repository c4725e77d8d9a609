"""Shared vocabulary and pure rules: imported by workflows, activities, API and CLI alike.

Nothing in this package does I/O or reads the clock, so workflows may import it freely.
"""
