"""Scheduled harvesting: run records, the harvest lock, progress and the harvest config."""
