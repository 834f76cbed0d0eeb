"""The catalog: films and their metadata, persisted with SQLModel on SQLite or PostgreSQL."""
