"""Where the project's ontology, data, queries and shapes live."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"
QUERIES_DIR = PROJECT_ROOT / "queries"
VALIDATORS_DIR = PROJECT_ROOT / "validators"
SITE_DIR = PROJECT_ROOT / "site"
BUILD_DIR = PROJECT_ROOT / "build"
