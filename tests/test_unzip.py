"""A sheet's XML taken out of the workbook by `files.sheet_cells._member` (zlib-ng, twice as fast as zlib) is byte for
byte what zipfile gives, and a damaged part fails as zipfile fails: on real workbooks written by openpyxl and saved by
LibreOffice, deflated and stored."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from hx_excel.files import sheet_cells
from hx_excel.files.sheet_cells import _member, sheet_parts
from hx_excel.ledger.template import build_workbook


@pytest.fixture(scope="module")
def ledger_bytes(policy_module) -> bytes:
    buffer = io.BytesIO()
    build_workbook(policy_module, township="青岩镇", rows=200).save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def policy_module():
    from hx_excel.policy import default_policy
    return default_policy()


def _every_part(data: bytes) -> dict[str, tuple[bytes, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: (_member(archive, data, name), archive.read(name)) for name in archive.namelist()}


def test_every_part_is_what_zipfile_reads(ledger_bytes):
    parts = _every_part(ledger_bytes)
    assert len(parts) > 5 and all(ours == theirs for ours, theirs in parts.values())
    assert b"<sheetData" in sheet_parts(ledger_bytes, ("台账",))["台账"]


@pytest.mark.libreoffice
def test_a_libreoffice_saved_ledger_too(ledger_bytes, tmp_path):
    from hx_excel.office.libreoffice import recalculate
    source = tmp_path / "台账.xlsx"
    source.write_bytes(ledger_bytes)
    [saved] = recalculate([source], tmp_path / "算过")
    parts = _every_part(saved.read_bytes())
    assert all(ours == theirs for ours, theirs in parts.values())


def test_a_stored_part_and_the_standard_zlib_give_the_same(ledger_bytes, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ledger_bytes)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as stored:
        for info in source.infolist():
            stored.writestr(info.filename, source.read(info))
    assert all(ours == theirs for ours, theirs in _every_part(buffer.getvalue()).values())
    monkeypatch.setattr(sheet_cells, "_zlib", zlib)          # where zlib-ng has no wheel
    assert all(ours == theirs for ours, theirs in _every_part(ledger_bytes).values())


def test_a_damaged_part_fails_as_zipfile_fails(ledger_bytes):
    with zipfile.ZipFile(io.BytesIO(ledger_bytes)) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)     # the sheet: deflated
        assert info.compress_type == zipfile.ZIP_DEFLATED
    header = ledger_bytes[info.header_offset:info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    middle = start + info.compress_size // 2
    damaged = ledger_bytes[:middle] + bytes([ledger_bytes[middle] ^ 0xFF]) + ledger_bytes[middle + 1:]
    with zipfile.ZipFile(io.BytesIO(damaged)) as archive:
        with pytest.raises(Exception) as theirs:
            archive.read(info.filename)
        with pytest.raises(type(theirs.value)):
            _member(archive, damaged, info.filename)
