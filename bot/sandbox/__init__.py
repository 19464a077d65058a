"""bot/sandbox package."""
