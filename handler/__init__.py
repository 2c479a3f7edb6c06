"""The code that ships to AWS Lambda: a FastAPI app that reads a handwritten digit from an image."""
