"""The networks: ``cnn`` (TensorFlow/Keras, chapter 04) and ``dmpnn`` (PyTorch, chapter 05)."""
