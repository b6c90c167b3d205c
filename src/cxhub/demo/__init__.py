"""The demo brand: a synthetic Italian omnichannel telco, loaded through the real ingest path."""
