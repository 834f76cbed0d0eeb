"""The curation core: pure functions and estimators from vectors and metadata to bundles."""
