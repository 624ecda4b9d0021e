"""The month's work as operations on rows and households, each returning a result object; the command line (and,
later, the ribbon) read and write the workbooks around them.

- `check`: what the sheet cannot check live (duplicate ID numbers across the sheet and across files, households
  split over the sheet), plus every problem the reader finds.
"""
