#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Raw-socket FTP client that pipelines commands, for the pyftpd-pipelined
sample.

Usage: pipelined.py HOST PORT USER PASSWORD

USER and PASS are sent one at a time.  Then "TYPE I\\r\\nPWD\\r\\nNOOP\\r\\n"
goes out in ONE send() (TCP_NODELAY, so one segment), the three replies are
read, then QUIT.  Prints the replies.
"""
import socket
import sys

host, port, user, password = sys.argv[1:5]
s = socket.create_connection((host, int(port)), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = b""


def read_replies(n):
    """Read n complete (single-line) replies."""
    global buf
    out = []
    while len(out) < n:
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("connection closed early")
            buf += chunk
        line, buf = buf.split(b"\r\n", 1)
        if line[3:4] == b"-":  # multi-line: skip to its last line
            code = line[:3]
            while True:
                while b"\r\n" not in buf:
                    buf += s.recv(4096)
                line, buf = buf.split(b"\r\n", 1)
                if line[:3] == code and line[3:4] == b" ":
                    break
        out.append(line.decode())
    return out


print(read_replies(1))
s.sendall(b"USER " + user.encode() + b"\r\n")
print(read_replies(1))
s.sendall(b"PASS " + password.encode() + b"\r\n")
print(read_replies(1))
s.sendall(b"TYPE I\r\nPWD\r\nNOOP\r\n")
print(read_replies(3))
s.sendall(b"QUIT\r\n")
print(read_replies(1))
s.close()
