"""The book's figures, one module per part; colours in :mod:`.palette`."""
