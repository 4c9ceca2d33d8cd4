"""The ``nn.Module``s the course builds and trains: blocks (:mod:`~cnnlab.nets.layers`,
:mod:`~cnnlab.nets.residual`, :mod:`~cnnlab.nets.mobile`), classifiers, deep plain and residual
networks, autoencoders and denoisers."""
