"""Stateless, seeded data augmentation for batches of images: colour
(:mod:`~cnnlab.data.augment.colour`), geometry (:mod:`~cnnlab.data.augment.geometry`) and
pipelines (:mod:`~cnnlab.data.augment.pipeline`); how they draw is
:mod:`~cnnlab.data.augment.draws`."""
