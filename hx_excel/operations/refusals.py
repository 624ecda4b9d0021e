"""Everything an operation refuses with a message of its own: a clerk's input it cannot take, a file in the way, a
setting missing. Each face says these as they are (the command line as 错误：…, exit code 2; a ribbon button in its
message box); anything else is a fault of ours, said with a log file or a traceback for whoever helps."""

from __future__ import annotations

from hx_excel.clues import ClueError
from hx_excel.core.days import CalendarNotAvailable
from hx_excel.core.models import HouseholdDataError
from hx_excel.districts import SettingsError
from hx_excel.files.inputs import InputFileError
from hx_excel.files.lock import LockError
from hx_excel.files.save import SaveError
from hx_excel.operations.editing import EditRefused
from hx_excel.operations.extend import ExtendError
from hx_excel.operations.generate import GenerateError
from hx_excel.operations.notice import NoticeError
from hx_excel.operations.upgrade import UpgradeError
from hx_excel.policy import PolicyError
from hx_excel.roster import RosterError

REFUSALS = (InputFileError, PolicyError, SettingsError, CalendarNotAvailable, HouseholdDataError, RosterError,
            GenerateError, SaveError, LockError, ExtendError, EditRefused, NoticeError, UpgradeError, ClueError)
