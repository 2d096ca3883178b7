"""Runs a command on a pseudo-terminal and answers its prompts, like a person at a keyboard.

usage: pty_driver.py '<json [[expect, answer], ...]>' command [args...]
Each answer is typed only after its `expect` text has appeared on the screen. Prints the
whole screen output and exits with the command's exit code (124 when a prompt never came).
"""
import json
import os
import pty
import select
import sys
import time


def main() -> int:
    script = json.loads(sys.argv[1])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    screen = b""
    deadline = time.time() + 60
    step = 0
    while True:
        if step < len(script) and script[step][0].encode() in screen:
            os.write(fd, script[step][1].encode() + b"\r")
            step += 1
            continue
        if time.time() > deadline:
            os.kill(pid, 9)
            sys.stdout.write(screen.decode(errors="replace"))
            return 124
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(screen.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
