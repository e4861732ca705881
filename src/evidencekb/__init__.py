"""evidencekb: a clinical guideline addendum as a validated evidence graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evidencekb")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
