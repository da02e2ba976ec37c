#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""One scripted Python ftplib session for the pyftpd-ftplib sample.

Usage: ftplib_session.py HOST PORT USER PASSWORD UPLOAD_FILE

Commands sent, in order (make-samples.sh holds the same list as the
expectation, with the replies pyftpdlib gives):
  USER, PASS, FEAT (multi-line 211), HELP (multi-line 214), PWD, MKD sub,
  CWD sub, PWD, CDUP, TYPE I, SIZE small.bin,
  passive: TYPE I, PASV, RETR small.bin; TYPE I, PASV, STOR sub/up-pasv.bin
  active:  TYPE I, PORT, RETR small.bin; TYPE I, PORT, STOR sub/up-port.bin;
           TYPE A, PORT, LIST
  QUIT
"""
import ftplib
import io
import sys

host, port, user, password, upload = sys.argv[1:6]
data = open(upload, "rb").read()
ftp = ftplib.FTP()
ftp.connect(host, int(port), timeout=10)
ftp.login(user, password)
ftp.sendcmd("FEAT")
ftp.sendcmd("HELP")
ftp.pwd()
ftp.mkd("sub")
ftp.cwd("sub")
ftp.pwd()
ftp.sendcmd("CDUP")
ftp.voidcmd("TYPE I")
size = ftp.size("small.bin")
got = io.BytesIO()
ftp.retrbinary("RETR small.bin", got.write)           # TYPE I, PASV, RETR
assert len(got.getvalue()) == size, (len(got.getvalue()), size)
ftp.storbinary("STOR sub/up-pasv.bin", io.BytesIO(data))  # TYPE I, PASV, STOR
ftp.set_pasv(False)
got = io.BytesIO()
ftp.retrbinary("RETR small.bin", got.write)           # TYPE I, PORT, RETR
assert len(got.getvalue()) == size
ftp.storbinary("STOR sub/up-port.bin", io.BytesIO(data))  # TYPE I, PORT, STOR
lines = []
ftp.retrlines("LIST", lines.append)                   # TYPE A, PORT, LIST
ftp.quit()
print("ok", size, len(lines))
