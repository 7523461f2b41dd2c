"""The tables of the statistics pages — each with its chart — built from ``Statistics``:
``base`` (what a table is), ``city`` and ``district`` (the figures of a page), ``unsafe_places``
(the answers and lighting checks of sensitive categories), ``page`` (a page's tables and key
figures).

The page shows a table's rows formatted for the reader's language; its CSV download
(``/statistik/<table>.csv``) writes the same rows with plain numbers, so what is downloaded is
what was shown.
"""
