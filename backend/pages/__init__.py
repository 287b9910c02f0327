"""Pages people see: the buyer's verify page behind every QR code."""
