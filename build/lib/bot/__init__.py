"""Application package: configuration, application factory and command-line entry."""
