"""handlers/understanding package."""
