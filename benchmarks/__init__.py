"""Speed goals, measured as ratios against a ceiling in the same run (`make bench`). Not tests."""
