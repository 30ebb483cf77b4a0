"""The kernel manager nbgrader uses while grading: a plain IPython kernel, started under
resource limits (:mod:`autograder.grading.rlimit_exec`)."""
from __future__ import annotations

import sys
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer

from autograder.grading.judge import Limits

LAUNCHER = Path(__file__).with_name("rlimit_exec.py")


class LimitedKernelManager(AsyncKernelManager):
    """Starts each kernel through ``rlimit_exec.py`` with the limits below."""

    memory_limit = Integer(Limits.memory_bytes, help="Bytes of address space a grading kernel may use.").tag(config=True)
    file_size_limit = Integer(Limits.file_bytes, help="Largest file a grading kernel may write, in bytes.").tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-I", str(LAUNCHER), str(self.memory_limit), str(self.file_size_limit), "--", *command]
