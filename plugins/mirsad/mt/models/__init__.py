"""Translation models: Argos packages, other model families, their tokenizers, download and install."""
