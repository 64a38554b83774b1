"""A FastAPI-built vendor: request validation failures are 422, not 400."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "conformant"
RATIONALE = ("FastAPI/pydantic answer request-validation errors with 422 Unprocessable Entity "
             "(in OpenAI's error shape); the page names no status code for a refused update, so "
             "any 4xx refusal is acceptable.")
SOURCE = "https://fastapi.tiangolo.com/tutorial/handling-errors/#requestvalidationerror-vs-validationerror"


class FastApiService(Service):
    def error_response(self, err):
        if err.status == 400:
            err.status = 422
        return super().error_response(err)


def create_app(api_keys):
    return FastApiService(api_keys).app()
