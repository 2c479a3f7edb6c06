"""Training, conversion and evaluation of the digit model. Never imported by ``handler/``."""
