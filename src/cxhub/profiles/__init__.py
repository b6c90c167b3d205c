"""The unified profile: traits, the cross-channel timeline and the context API."""
