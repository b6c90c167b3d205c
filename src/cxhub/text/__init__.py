"""Text analytics in Italian and English, offline."""
