"""Privacy: consent per customer and purpose (export, erasure and retention come later)."""
