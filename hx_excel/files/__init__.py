"""Files in and out, without ever losing what a clerk typed.

- `inputs`: opening the files users hand us (rosters, ledgers, TOML, JSON), with a Chinese message for every way
  a file can be unusable (missing, a folder, no permission, encrypted, .xls, damaged, not UTF-8).
- `save`: atomic saves through a temporary file, backups of the previous file, the check that a target is still
  the file that was checked, and cleaning what a killed run left behind.
- `lock`: one run at a time per folder, with a lock file naming its holder.
- `content`: what a workbook holds that a person could have typed or added, and how two workbooks differ in it.
- `text`: text from input files made safe for cells (no control characters, never a formula) and for CSV.
"""
