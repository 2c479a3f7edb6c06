"""`make bench`: latency, cold start, size, memory and cost of the service, against the original Keras app."""
