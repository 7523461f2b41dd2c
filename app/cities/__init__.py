"""City configurations: the default (Dortmund) lives in ``dortmund/``; ``CITY_DIR`` picks another."""
