"""A vendor persisting each completion as one JSON document on disk (atomic rename)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, JsonFileStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("One JSON file per completion (write to temp file, fsync, os.replace), written "
             "with ASCII escapes; files are decoded exactly so metadata round-trips.")
SOURCE = "https://docs.python.org/3/library/os.html#os.replace"


class FileService(Service):
    store_class = JsonFileStore


def create_app(api_keys):
    return FileService(api_keys).app()
