"""What this process listens on, read from /proc (Linux): its socket inodes in /proc/self/fd
matched against the kernel's socket tables, which list the whole network namespace."""

from __future__ import annotations

import os
from pathlib import Path

TCP_LISTEN = "0A"
UNIX_ACCEPTING = 0x10000  # __SO_ACCEPTCON: a listening Unix socket


def own_socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def network_listeners() -> list[str]:
    """This process's listening TCP sockets and bound UDP sockets (IPv4 and IPv6), as
    'table local-address' lines; [] when it listens on the network nowhere."""
    mine = own_socket_inodes()
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if inode in mine and (table.startswith("udp") or state == TCP_LISTEN):
                found.append(f"{table} {local}")
    return found


def reachable_unix_listeners() -> list[str]:
    """This process's listening Unix sockets that another process could still connect to:
    those bound to a path that exists (abstract ones, '@…', count too: no file guards them)."""
    mine = own_socket_inodes()
    found = []
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        cols = line.split()
        if len(cols) < 8 or cols[6] not in mine or not int(cols[3], 16) & UNIX_ACCEPTING:
            continue
        name = cols[7]
        if name.startswith("@") or os.path.exists(name):
            found.append(name)
    return found
