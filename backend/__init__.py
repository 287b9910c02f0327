"""FastAPI backend: actors, capture workflows, outbox and submitter, EPCIS API, pages."""
