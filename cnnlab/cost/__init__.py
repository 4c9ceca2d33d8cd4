"""What layers and networks cost: parameter and MAC formulas (:mod:`~cnnlab.cost.counting`, their one
home), a model's table (:mod:`~cnnlab.cost.summary`) and the classic networks as countable specs
(:mod:`~cnnlab.cost.architectures`)."""
