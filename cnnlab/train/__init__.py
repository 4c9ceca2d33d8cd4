"""Training: the one epoch loop and :func:`~cnnlab.fit` (:mod:`~cnnlab.train.loop`), evaluation
(:mod:`~cnnlab.train.evaluate`), denoisers (:mod:`~cnnlab.train.denoise`), metrics and devices."""
