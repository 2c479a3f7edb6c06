"""The TFLite digit classifier: 28x28 float images in, probabilities out. No web, no TensorFlow.

The shipped model ends in 11 calibrated logits: digits 0-9 and ``NOT_A_DIGIT`` (a letter, a scribble, a shape,
several digits); the softmax runs here, in float, so confidences are not steps of 1/256. A model with 10
softmax outputs (the first generation) still loads: its rows are the digits alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handler.errors import ModelUnavailable

try:  # LiteRT, the maintained successor of tflite-runtime (wheels for Python 3.13, NumPy 2).
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # pragma: no cover - only where just the old runtime is installed
    from tflite_runtime.interpreter import Interpreter  # type: ignore[no-redef]

NUM_DIGITS = 10
NOT_A_DIGIT = 10  # column of the "none of the ten" class, when the model has it
IMAGE_SIZE = 28


class DigitClassifier:
    """Loads a ``.tflite`` file once; ``predict`` takes (N, 28, 28) floats in [0, 1], white ink on black.

    Works with float32 models and with full-integer int8 models (input and output quantised).
    """

    classes: int  # 11 (digits + NOT_A_DIGIT, logits out) or 10 (digits, probabilities out)

    def __init__(self, model_path: str | Path, *, num_threads: int = 1) -> None:
        self.model_path = Path(model_path)
        try:
            self._interpreter = Interpreter(model_path=str(self.model_path), num_threads=num_threads)
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelUnavailable(f"cannot load model {self.model_path.name}: {error}") from error
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch_size = 0
        if tuple(self._input["shape"][1:3]) != (IMAGE_SIZE, IMAGE_SIZE):
            raise ModelUnavailable(f"model input shape {self._input['shape']} is not (N, 28, 28, 1)")
        self.classes = int(self._output["shape"][-1])
        if self.classes not in (NUM_DIGITS, NUM_DIGITS + 1):
            raise ModelUnavailable(f"model has {self.classes} outputs, not 10 digits (+ not-a-digit)")

    @property
    def input_dtype(self) -> np.dtype:
        return np.dtype(self._input["dtype"])

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self._input["shape"][1:])

    @property
    def knows_non_digits(self) -> bool:
        return self.classes > NUM_DIGITS

    def predict(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) or (28, 28) floats in [0, 1] -> (N, classes) probabilities, each row summing to 1."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 2:
            images = images[np.newaxis]
        if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"expected (N, 28, 28) images, got {images.shape}")
        self._resize_for(len(images))
        self._interpreter.set_tensor(self._input["index"], self._quantize(images.reshape(len(images), *self.input_shape)))
        self._interpreter.invoke()
        outputs = self._dequantize(self._interpreter.get_tensor(self._output["index"]))
        return _softmax(outputs) if self.knows_non_digits else self._normalize(outputs)

    def _resize_for(self, batch_size: int) -> None:
        # Re-allocating tensors costs ~100 us: only when the batch size changes.
        if batch_size != self._batch_size:
            self._interpreter.resize_tensor_input(self._input["index"], [batch_size, *self.input_shape])
            self._interpreter.allocate_tensors()
            self._batch_size = batch_size

    def _quantize(self, x: np.ndarray) -> np.ndarray:
        if self.input_dtype == np.float32:
            return x
        scale, zero_point = self._input["quantization"]
        info = np.iinfo(self.input_dtype)
        return np.clip(np.round(x / scale + zero_point), info.min, info.max).astype(self.input_dtype)

    def _dequantize(self, y: np.ndarray) -> np.ndarray:
        if np.dtype(self._output["dtype"]) == np.float32:
            return y.astype(np.float32)
        scale, zero_point = self._output["quantization"]
        return (y.astype(np.float32) - zero_point) * scale

    @staticmethod
    def _normalize(probabilities: np.ndarray) -> np.ndarray:
        # int8 outputs are steps of 1/256: renormalise so every answer sums to exactly 1.
        probabilities = np.clip(probabilities, 0.0, None)
        totals = probabilities.sum(axis=1, keepdims=True)
        return np.divide(probabilities, totals, out=np.full_like(probabilities, 0.1), where=totals > 0)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
