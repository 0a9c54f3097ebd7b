"""Deploying a finished build (`invoke deploy`, `publish`): not a Pelican plugin, modules the task uses."""
