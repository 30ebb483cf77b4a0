"""Set resource limits on this process, then replace it with a command.

    python -I rlimit_exec.py MEMORY_BYTES FILE_BYTES -- COMMAND ...

The grading kernel is started through this script (see :mod:`autograder.grading.kernel`):
the limits are inherited by the kernel and everything it starts, so a notebook that
allocates without bound or writes a huge file fails inside its own cell instead of taking
the grader or the disk down. It imports nothing but the standard library, because it runs
as a plain script.
"""
import os
import resource
import sys


def main(argv: list[str]) -> None:
    memory_bytes, file_bytes, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit("usage: rlimit_exec.py MEMORY_BYTES FILE_BYTES -- COMMAND ...")
    for limit, value in ((resource.RLIMIT_AS, int(memory_bytes)), (resource.RLIMIT_FSIZE, int(file_bytes))):
        if value > 0:
            resource.setrlimit(limit, (value, value))
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
