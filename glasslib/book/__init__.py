"""The book itself: the papermill + jupyter-book runner, tables and figures, the attention explorer."""
