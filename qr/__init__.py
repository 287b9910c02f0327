"""GS1 Digital Link URIs for retail units, rendered as QR codes (PNG and SVG)."""
