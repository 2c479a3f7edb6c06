"""An independent evaluation of real pictures (issue 12, item 4).

Written apart from the training-side generator (``model/capture.py``, ``model/real_pictures.py``,
``model/digit_strokes.py``) and from ``handler/``: nothing here imports or copies them. The only
project code it touches is the public entry point it grades, ``handler.lambda_function.lambda_handler``,
reached through API Gateway-shaped events (``infra/events.py``).

- ``glyphs``: hand-designed control points for digits (several styles each, some MNIST lacks), letters and shapes.
- ``pen``: strokes to ink coverage (slant, warp, pen width, pressure).
- ``mnist_digits``: MNIST test digits ``x_test[:5000]`` upscaled smoothly to ink coverage (evaluation only).
- ``scene``: ink on paper photographed: light, shadows, geometry, optics, sensor, file.
- ``conditions``: one named condition per thing issue 12 lists; ``negatives``: pictures that hold no single digit.
- ``metrics``, ``sheets``, ``report``: the figures, the contact sheets and ``python -m model.independent.report``.
"""
