"""Roster (名单) import: a district's list of one row per person, read into households for the township ledgers.

- `source`: the file's rows (CSV in UTF-8, GBK or UTF-16; or an .xlsx sheet).
- `mapping`: which roster column fills which ledger column (identical headers, plus a mapping file).
- `header`: finding the header row, or the two rows of a merged header, and placing each column.
- `values`: one cell cleaned and read as Excel reads what is typed.
- `read`: rows into households, routed to townships, with every fault as a Problem naming file, row and column.
"""

from hx_excel.roster.mapping import RosterError, RosterMapping, load_mapping
from hx_excel.roster.read import Roster, RosterHousehold, read_roster

__all__ = ["Roster", "RosterError", "RosterHousehold", "RosterMapping", "load_mapping", "read_roster"]
