"""Batches and their life: harvest, processing steps, transformations, custody, certificates, export."""
