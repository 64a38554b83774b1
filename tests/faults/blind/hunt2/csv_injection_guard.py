"""Values that look like spreadsheet formulas are neutralised with a leading quote."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("OWASP CSV-injection mitigation applied on input (the dashboard exports metadata "
             "to CSV): values starting with = + - @ TAB or CR are stored with a leading \"'\", "
             "so '-5', '+1 555 0100' or '@home' come back as \"'-5\" etc.")
SOURCE = "https://owasp.org/www-community/attacks/CSV_Injection"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


def neutralise(v):
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


class CsvGuardService(Service):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        return {k: neutralise(v) for k, v in out.items()}


def create_app(api_keys):
    return CsvGuardService(api_keys).app()
