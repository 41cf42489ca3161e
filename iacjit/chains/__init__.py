"""Attack chains: definitions as data (``*.yaml`` here) and one evaluator for all of them."""
