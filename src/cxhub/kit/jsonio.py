"""JSON decoding: fast, but as forgiving as the JSON grammar about escapes.

orjson refuses escaped lone surrogates (``"\\ud800"``), which the JSON grammar allows. Decoding them
with the standard library lets validation reject the one event that carries them, with a precise
message, instead of losing the whole request as "malformed".
"""

from __future__ import annotations

import json
from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as first:
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise first from None
