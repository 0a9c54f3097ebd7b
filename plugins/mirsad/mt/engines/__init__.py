"""Translation engines: the local CTranslate2 engine, its process, LibreTranslate servers."""
