"""Other public sources about AIHubMix models (models.dev), compared with and used to enrich the catalog."""

__all__ = ["modelsdev", "compare"]
