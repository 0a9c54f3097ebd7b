"""The work of each invoke task: tasks.py parses the arguments and calls here."""
