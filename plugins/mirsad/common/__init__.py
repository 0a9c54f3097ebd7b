"""Helpers shared by Mirsad's plugins (not a plugin itself)."""
