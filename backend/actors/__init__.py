"""Actors: the province operator, cooperatives, processors, labs, exporters, customs."""
