"""Text utilities shared by Mirsad's plugins: sentence splitting (translation,
summaries) and Arabic normalisation (summaries, search). Not a plugin."""
