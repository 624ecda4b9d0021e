"""Everything a command refuses with a message of its own (printed as 错误：…, exit code 2); anything else is a fault
of ours (`cli.main`). The demo's steps catch the same, so that one refused step does not end the month."""

from __future__ import annotations

from hx_excel.addin.build import AddinBuildError
from hx_excel.addin.install import AddinInstallError
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
from hx_excel.policy import PolicyError
from hx_excel.roster import RosterError

REFUSALS = (InputFileError, PolicyError, SettingsError, CalendarNotAvailable, HouseholdDataError, RosterError,
            GenerateError, SaveError, LockError, ExtendError, EditRefused, NoticeError, AddinBuildError, AddinInstallError)
