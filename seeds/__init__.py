"""Sample Lào Cai data and the demo story. Every person and organisation is fictional."""
