"""The month's work as operations on ledgers read and graded by the core, each returning a result object; the command
line (and, later, the ribbon) reads and writes the workbooks around them.

- `assessed`: a ledger's households graded and planned by the core — the first step of every operation below.
- `editing`: how fill and review change a ledger in place (refusals, lock, atomic save, backup, nothing if no change).
- `generate`: one ledger per township from the district's settings and an optional roster.
- `extend`: more prepared rows, everything typed carried over.
- `check`: every problem of one ledger or a district's worth, as rows naming file, sheet, row, column and clause.
- `fill`: 户编号 for member rows, suggested measures (五), the 待办 sheet, values for a workbook without formulas.
- `review`: the monthly review record (月度研判记录, D4) with each household's move.
- `summary`: the district's monthly report, with the D7 accountability list and charts.
- `notice`: a village's public notice (D2 纳入, D5 消除).
"""
