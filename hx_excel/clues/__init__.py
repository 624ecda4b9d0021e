"""部门联合筛查 (四(一)3, 四(二)): the departments' monthly lists matched to the township ledgers, each clue handed to
its township with the 7-day household check (D1), followed until it is verified, and carried into the ledger.

- `profiles`: how each department's list is read and which rows are clues (TOML, `departments/`);
- `department_file`: one list read through its profile;
- `intake`: the lists matched to the ledgers' (and the national export's) persons, one clue a person;
- `sheets`: the township's 线索交办单 and the district's 线索总台账;
- `status`: the 交办单 sent back, read, and the 总台账 brought up to date (and D7's late and overdue checks);
- `apply`: verified clues carried into a township's ledger.
"""


class ClueError(ValueError):
    """A clue command's input it cannot take (a profile, a department list, a returned 交办单); the message is
    Chinese and says what to fix."""
