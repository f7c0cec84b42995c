"""Development tools; the Python ones import each other as ``scripts.<module>``."""
