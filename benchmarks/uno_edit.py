"""Time single-cell edits in a ledger open in LibreOffice, through its UNO API — what a clerk feels when she types.

Run by bench_edit.py with the Python that has LibreOffice's `uno` module (Debian: python3-uno, for /usr/bin/python3),
against a headless soffice it started listening on a pipe:

    /usr/bin/python3 benchmarks/uno_edit.py --pipe NAME --spec spec.json

spec.json: {"file": "/abs/ledger.xlsx", "sheet": "台账", "repeat": 5, "edits": [{"key", "column" (0-based),
"row" (0-based), "kind": "string" | "value", "value"}, …]}. Loads the file (LibreOffice recalculates it on load),
recalculates once more, then for each edit, `repeat` times: sets the cell and calls `calculate()` — timed together,
since setting a cell is what marks its dependents dirty — then puts the old content back (timed apart). Reports each
edit's median (`edit_ms`), its slowest sample (`edit_max_ms`) and every sample. Prints one JSON object. Standard
library and `uno` only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import uno
from com.sun.star.beans import PropertyValue


def connect(pipe: str, timeout: float = 120):
    context = uno.getComponentContext()
    resolver = context.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", context)
    deadline = time.monotonic() + timeout
    while True:
        try:
            remote = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
        except Exception:  # noqa: BLE001 — soffice still starting
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipe", required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as handle:
        spec = json.load(handle)
    desktop = connect(args.pipe)
    hidden = PropertyValue()
    hidden.Name, hidden.Value = "Hidden", True
    t0 = time.perf_counter()
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(spec["file"]), "_blank", 0, (hidden,))
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    doc.calculateAll()
    full = time.perf_counter() - t0
    sheet = doc.Sheets.getByName(spec["sheet"])
    results = []
    for edit in spec["edits"]:
        cell = sheet.getCellByPosition(edit["column"], edit["row"])
        kind, old_value, old_string = cell.getType().value, cell.getValue(), cell.getString()
        edited, restored = [], []
        for _ in range(spec.get("repeat", 1)):
            t0 = time.perf_counter()
            if edit["kind"] == "value":
                cell.setValue(edit["value"])
            else:
                cell.setString(edit["value"])
            doc.calculate()
            edited.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            if kind == "VALUE":
                cell.setValue(old_value)
            elif kind == "TEXT":
                cell.setString(old_string)
            else:
                cell.setFormula("")   # it was empty
            doc.calculate()
            restored.append((time.perf_counter() - t0) * 1000)
        results.append({**edit, "edit_ms": round(statistics.median(edited), 1), "edit_max_ms": round(max(edited), 1),
                        "restore_ms": round(statistics.median(restored), 1),
                        "samples_ms": [round(t, 1) for t in edited]})
    doc.close(True)
    print(json.dumps({"load_s": round(loaded, 2), "calculate_all_s": round(full, 2), "edits": results},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
