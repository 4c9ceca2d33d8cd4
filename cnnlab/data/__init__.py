"""Data: bundled photos and digits (:mod:`~cnnlab.data.datasets`), generated shapes
(:mod:`~cnnlab.data.synthetic`), noise and its classical filters (:mod:`~cnnlab.data.noise`), and
seeded augmentations (:mod:`cnnlab.data.augment`)."""
