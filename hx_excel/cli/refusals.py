"""Everything a command refuses with a message of its own (printed as 错误：…, exit code 2): the operations'
refusals and the add-in's build and install; anything else is a fault of ours (`cli.main`). The demo's steps catch
the same, so that one refused step does not end the month."""

from __future__ import annotations

from hx_excel.addin.build import AddinBuildError
from hx_excel.addin.install import AddinInstallError
from hx_excel.operations.refusals import REFUSALS as OPERATION_REFUSALS

REFUSALS = (*OPERATION_REFUSALS, AddinBuildError, AddinInstallError)
