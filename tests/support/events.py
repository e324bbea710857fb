"""Load the sample events under events/ (the same files `sam local invoke -e` uses)."""

import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(relative_path: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS_DIR / relative_path).read_text())
    return data
