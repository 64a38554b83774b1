"""Conformant: one JSON file per completion, atomic rename on write, uuid-based ids."""
import uuid

from base import ChatService, JsonFileStore, build

KIND = "conformant"
RATIONALE = ("Completions persisted as ASCII-escaped JSON files written via temp file + os.replace; ids are "
             "'chatcmpl-' + a uuid4 hex (a different length/alphabet than OpenAI's), replace-on-update.")
SOURCE = "POSIX rename(2) atomic replacement; Python os.replace"


class FileService(ChatService):
    store_factory = JsonFileStore

    def build_record(self, tenant, body):
        rec = super().build_record(tenant, body)
        rec["id"] = "chatcmpl-" + uuid.uuid4().hex
        return rec


def create_app(api_keys: dict[str, str]):
    return build(FileService, api_keys)
