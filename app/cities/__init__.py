"""City configurations: the default (Dortmund) is in ``dortmund/``; ``CITY_DIR`` picks another."""
