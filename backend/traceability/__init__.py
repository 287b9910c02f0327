"""Batches and their life: harvest, steps, transformations, custody, certificates, export."""
