"""Tasks raised for people (chase a carrier, reconcile, collect), keyed so none is made twice."""
