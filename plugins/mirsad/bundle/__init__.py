"""The offline bundle (`invoke bundle`): not a Pelican plugin, a module the task uses."""
