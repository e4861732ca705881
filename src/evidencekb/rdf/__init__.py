"""Turtle in: parse the project's files with clear errors, and cache the parsed knowledge base."""
