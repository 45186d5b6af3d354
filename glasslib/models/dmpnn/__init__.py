"""The directed message-passing network of Swanson et al. 2020 (SPEC section 6; book chapter 05).

- :mod:`.network` — the D-MPNN with optional edge self-attention (PyTorch);
- :mod:`.params` — its hyperparameters, checked;
- :mod:`.batches` — random windows of configurations as graph batches, fresh at every step;
- :mod:`.fit` — training, prediction and attention weights (the nested cross-validation's
  ``train_dmpnn`` / ``predict_dmpnn``);
- :mod:`.checkpoint` — saved models, checked on load.

Import from the submodules; this package imports nothing, so reading hyperparameters does not
load PyTorch's training code.
"""
