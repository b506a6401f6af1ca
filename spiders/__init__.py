"""Spiders: one small module per site family; the shared flow lives in spiders.base."""
