"""evidencekb: a clinical guideline addendum as a validated evidence graph."""


def __getattr__(name: str) -> str:
    # Looked up on first use: importing importlib.metadata costs ~0.1 s of every command's start.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("evidencekb")
        except PackageNotFoundError:  # running from a source tree without installation
            return "0.0.0"
    raise AttributeError(f"module 'evidencekb' has no attribute {name!r}")
