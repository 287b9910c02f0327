"""The outbox: ledger calls stored with their events, sent to the chain by the submitter."""
