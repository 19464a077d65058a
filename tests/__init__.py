"""gridbot's tests: a package, so that tests/sandbox and tests/understanding never shadow the packages they test."""
