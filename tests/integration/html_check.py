#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The -F html pages of analyze, rules and audit in a real browser.

Usage: html_check.py FTPAUDIT OUTDIR RULESET CAPTURE...

For each capture, analyze -F html is opened in headless Chromium (Debian's
chromium and chromium-driver, through Selenium), and the page must:
  - log no console error and make no network request (the performance
    log's Network events and the page's resource entries);
  - hold one data-session-id element per session of analyze -F json;
  - show a session's ladder when its row is clicked (for the first
    session and the first anomalous one): the ladder of a session with
    detail, else the note that says it has none;
  - the hostile capture (written here: a USER of <script>alert(1)</script>
    and one of "><img src=x onerror=alert(1)>, and more in the banner,
    a file name and a reply) renders every string as text: the page's
    text holds them literally, no alert opens, no img element exists and
    the only script is the page's own.
A capture of 1300 sessions (written here, 13 with an anomaly) passes the
page's cap of 1000 ladders: a row for every session, a ladder for every
anomalous one and for the first others to end, the note for one without.
--host on the first capture gives the rows -F json selects.
rules -F html and audit -F html (with RULESET) of the first capture
load likewise and hold one row per rule and a verdict per flow.  The
screenshot of the first capture, with a ladder open, must not be blank
(more than 16 distinct colours); it is written to OUTDIR/report.png.
"""

import json
import multiprocessing
import os
import struct
import subprocess
import sys
import zlib

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

HOSTILE_USERS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']
HOSTILE_BANNER = "220 </script><script>alert(2)</script> & 'quoted'"
HOSTILE_FILE = '<svg onload=alert(3)>.bin'
# A ruleset's comment is not from the wire, but is escaped all the same.
HOSTILE_COMMENT = '</code></pre><img src=x onerror=alert(4)>'

ARGS = None     # main's: ftpaudit, outdir, ruleset, the first capture,
                # the hostile one
failures = []
said = []       # a lane's lines, printed by main in the lanes' order


def say(line):
    said.append(line)


def fail(msg):
    say("FAIL " + msg)
    failures.append(msg)


# ------------------------------------------------------------ the capture

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """Ethernet, IPv4 and TCP with correct checksums."""
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    pseudo = s + d + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64,
                     6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp


class Conn:
    """One TCP connection's frames, in order, with their sequence numbers."""

    def __init__(self, out, t, cli, srv, cport, sport):
        self.out, self.t = out, t
        self.cli, self.srv, self.cport, self.sport = cli, srv, cport, sport
        self.cseq, self.sseq = 1000, 5000
        self.emit(True, 0x02, b"")
        self.cseq += 1
        self.emit(False, 0x12, b"")
        self.sseq += 1
        self.emit(True, 0x10, b"")

    def emit(self, from_client, flags, payload):
        self.t[0] += 0.001
        if from_client:
            f = frame(self.cli, self.srv, self.cport, self.sport, self.cseq,
                      self.sseq if flags != 0x02 else 0, flags, payload)
        else:
            f = frame(self.srv, self.cli, self.sport, self.cport, self.sseq,
                      self.cseq, flags, payload)
        self.out.append((self.t[0], f))

    def send(self, from_client, data):
        self.emit(from_client, 0x18, data)
        if from_client:
            self.cseq += len(data)
        else:
            self.sseq += len(data)
        self.emit(not from_client, 0x10, b"")

    def close(self):
        self.emit(True, 0x11, b"")
        self.cseq += 1
        self.emit(False, 0x11, b"")
        self.sseq += 1
        self.emit(True, 0x10, b"")


def hostile_pcap(path):
    frames, t = [], [1700000000.0]
    for i, user in enumerate(HOSTILE_USERS):
        cli, srv = "10.40.1.%d" % (10 + i), "10.40.2.20"
        c = Conn(frames, t, cli, srv, 41000 + i, 21)
        c.send(False, HOSTILE_BANNER.encode() + b"\r\n")
        c.send(True, b"USER " + user.encode() + b"\r\n")
        c.send(False, b"331 Please specify the password.\r\n")
        c.send(True, b"PASS secret\r\n")
        c.send(False, b"230 Login successful.\r\n")
        c.send(True, b"PASV\r\n")
        c.send(False, b"227 Entering Passive Mode (10,40,2,20,156,%d).\r\n"
               % (64 + i))
        d = Conn(frames, t, cli, srv, 42000 + i, 40000 + i)
        c.send(True, b"RETR " + HOSTILE_FILE.encode() + b"\r\n")
        c.send(False, b"150 Opening <b>BINARY</b> mode.\r\n")
        d.send(False, b"x" * 100)
        d.close()
        c.send(False, b"226 Transfer complete.\r\n")
        c.send(True, b"QUIT\r\n")
        c.send(False, b"221 Goodbye.\r\n")
        c.close()
    write_frames(path, frames)


def many_pcap(path, n, every):
    """n short sessions; each every-th sends a PORT naming a third host
    (an FTP bounce: an anomaly) after its login, the others a NOOP."""
    frames, t = [], [1700000000.0]
    for i in range(n):
        cli = "10.50.%d.%d" % (1 + i // 250, 1 + i % 250)
        c = Conn(frames, t, cli, "10.50.0.1", 30000 + i % 30000, 21)
        c.send(False, b"220 ready\r\n")
        c.send(True, b"USER u\r\n")
        c.send(False, b"331 password\r\n")
        c.send(True, b"PASS p\r\n")
        c.send(False, b"230 ok\r\n")
        if i % every == every - 1:
            c.send(True, b"PORT 192,0,2,99,0,80\r\n")
            c.send(False, b"200 PORT ok\r\n")
        else:
            c.send(True, b"NOOP\r\n")
            c.send(False, b"200 ok\r\n")
        c.send(True, b"QUIT\r\n")
        c.send(False, b"221 bye\r\n")
        c.close()
    write_frames(path, frames)


def write_frames(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, fr in frames:
            sec = int(ts)
            f.write(struct.pack("<IIII", sec, int(round((ts - sec) * 1e6)),
                                len(fr), len(fr)))
            f.write(fr)


def check_cap(drv, ftpaudit, outdir):
    """Past the page's cap of 1000 ladders: every session a row, every
    anomalous one a ladder, the rest of the ladders the first to end."""
    pcap = os.path.join(outdir, "many.pcap")
    many_pcap(pcap, 1300, 100)
    ss = sessions_of(ftpaudit, pcap)
    anom = {s["id"] for s in ss if s["anomalies"]}
    out = os.path.join(outdir, "many.html")
    r = run([ftpaudit, "analyze", "-q", "-F", "html", "-o", out, pcap])
    if r.returncode != 0 or len(ss) != 1300 or len(anom) != 13:
        fail("cap: exit %d, %d sessions, %d anomalous (1300, 13 wanted)"
             % (r.returncode, len(ss), len(anom)))
        return
    load(drv, out, "cap")
    rows = drv.find_elements(By.CSS_SELECTOR, "[data-session-id]")
    ladders = {int(e.get_attribute("data-ladder")) for e in
               drv.find_elements(By.CSS_SELECTOR, "[data-ladder]")}
    first = [s["id"] for s in ss if s["id"] not in anom][:1000 - len(anom)]
    if len(rows) != len(ss):
        fail("cap: %d rows for %d sessions" % (len(rows), len(ss)))
    if ladders != anom | set(first):
        fail("cap: %d ladders, not the anomalous and the first to end"
             % len(ladders))
    last = [s["id"] for s in ss if s["id"] not in ladders][-1]
    click_session(drv, str(last), False, "cap")
    say("cap: %d sessions, %d ladders" % (len(rows), len(ladders)))


# ------------------------------------------------------------ the browser

def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,1100",
              "--disable-extensions", "--no-first-run"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL",
                                           "performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                            options=o)


def load(drv, path, what):
    """Open the page; fail on a console error or a network request."""
    drv.get_log("browser")
    drv.get_log("performance")
    drv.get("file://" + os.path.abspath(path))
    check_quiet(drv, what)


def check_quiet(drv, what):
    for e in drv.get_log("browser"):
        if e.get("level") == "SEVERE":
            fail("%s: console error: %s" % (what, e.get("message")))
    for e in drv.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m.get("method") != "Network.requestWillBeSent":
            continue
        url = m["params"]["request"]["url"]
        if not url.startswith("file://"):
            fail("%s: network request for %s" % (what, url[:120]))
    n = drv.execute_script(
        "return performance.getEntriesByType('resource').length")
    if n:
        fail("%s: %d resources loaded" % (what, n))


def alert_open(drv):
    try:
        drv.switch_to.alert.dismiss()
        return True
    except NoAlertPresentException:
        return False


def run(args, **kw):
    return subprocess.run(args, capture_output=True, timeout=600, **kw)


def sessions_of(ftpaudit, pcap):
    r = run([ftpaudit, "analyze", "-q", "-F", "json", pcap])
    if r.returncode != 0:
        fail("%s: analyze -F json exit %d" % (pcap, r.returncode))
        return []
    return json.loads(r.stdout)["sessions"]


def click_row(drv, sid):
    """A real click on the session's row, brought to the middle of its
    scrolled table (the sticky header would take a click at the top)."""
    row = drv.find_element(By.CSS_SELECTOR, 'tr[data-session-id="%s"]' % sid)
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    row.click()


def click_session(drv, sid, detailed, what):
    click_row(drv, sid)
    ladder = drv.find_elements(By.ID, "L%s" % sid)
    if detailed:
        if not ladder or not ladder[0].is_displayed():
            fail("%s: session %s: no ladder shown after a click" % (what, sid))
            return
        lines = ladder[0].find_elements(By.CSS_SELECTOR, "svg line")
        if len(lines) < 3:
            fail("%s: session %s: ladder without arrows" % (what, sid))
    else:
        nd = drv.find_element(By.ID, "nodetail")
        if ladder or not nd.is_displayed():
            fail("%s: session %s: no note for a session without detail"
                 % (what, sid))


def check_analyze(drv, ftpaudit, pcap, out, hostile):
    what = os.path.basename(pcap)
    ss = sessions_of(ftpaudit, pcap)
    r = run([ftpaudit, "analyze", "-q", "-F", "html", "-o", out, pcap])
    if r.returncode != 0:
        fail("%s: analyze -F html exit %d: %s" % (what, r.returncode,
                                                  r.stderr[:200]))
        return
    load(drv, out, what)
    if alert_open(drv):
        fail("%s: an alert opened" % what)
    n = len(drv.find_elements(By.CSS_SELECTOR, "[data-session-id]"))
    if n != len(ss):
        fail("%s: %d data-session-id elements, %d sessions in the JSON"
             % (what, n, len(ss)))
    detailed = {e.get_attribute("data-ladder") for e in
                drv.find_elements(By.CSS_SELECTOR, "[data-ladder]")}
    picks = ss[:1] + [s for s in ss if s.get("anomalies")][:1]
    for s in picks:
        click_session(drv, str(s["id"]), str(s["id"]) in detailed, what)
    check_sort_filter(drv, ss, what)
    check_quiet(drv, what + " after clicks")
    if hostile:
        check_hostile(drv, what)
    return len(ss)


def check_sort_filter(drv, ss, what):
    """Sorting by id twice puts the highest first; "anomalous only" shows
    the sessions with anomalies; a filter word shows the rows holding it."""
    if not ss:
        return
    th = drv.find_elements(By.CSS_SELECTOR, "#sessions-head th")[0]
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", th)
    th.click()
    th.click()
    first = drv.find_element(By.CSS_SELECTOR, "#sessions tbody tr")
    if first.get_attribute("data-session-id") != str(max(s["id"] for s in ss)):
        fail("%s: sorting by id (descending) does not put %d first"
             % (what, max(s["id"] for s in ss)))
    anom = drv.find_element(By.ID, "anom")
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", anom)
    anom.click()
    want = sum(1 for s in ss if s["anomalies"] or
               s.get("limits", {}).get("anomalies_dropped"))
    shown = int(drv.find_element(By.ID, "shown").text)
    if shown != want:
        fail("%s: anomalous only shows %d rows, %d sessions have anomalies"
             % (what, shown, want))
    visible = len([r for r in drv.find_elements(
        By.CSS_SELECTOR, "#sessions tr[data-session-id]") if r.is_displayed()])
    if visible != want:
        fail("%s: anomalous only: %d rows visible, %d wanted"
             % (what, visible, want))
    anom.click()
    shown = int(drv.find_element(By.ID, "shown").text)
    if shown != len(ss):
        fail("%s: %d rows shown after the filter is off" % (what, shown))


def check_hostile(drv, what):
    text = drv.execute_script("return document.body.textContent")
    for s in HOSTILE_USERS + [HOSTILE_FILE, "</script><script>alert(2)"]:
        if s not in text:
            fail("%s: %r not in the page's text" % (what, s))
    if drv.find_elements(By.TAG_NAME, "img"):
        fail("%s: an img element exists" % what)
    if len(drv.find_elements(By.TAG_NAME, "script")) != 1:
        fail("%s: a script element besides the page's" % what)
    if len(drv.find_elements(By.CSS_SELECTOR, "svg svg")) != 0:
        fail("%s: an injected svg element" % what)
    # Each session's ladder, opened: the USER it shows is text.
    for sid in ("1", "2"):
        click_row(drv, sid)
        if alert_open(drv):
            fail("%s: an alert opened on session %s" % (what, sid))
        lad = drv.find_element(By.ID, "L" + sid).text
        if HOSTILE_USERS[int(sid) - 1] not in lad:
            fail("%s: session %s's ladder does not show its USER" % (what, sid))


def png_colours(path):
    """Distinct colours of an 8-bit RGB or RGBA PNG (Chromium's)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack("!I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack("!IIBB", body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colours, i = bytearray(stride), set(), 0
    while i < len(raw):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else
                                      b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 4):
            colours.add(bytes(line[x:x + 3]))
        prev = line
    return len(colours)


def check_screenshot(drv, outdir, sid):
    """The page's top (summary, timeline) and the open ladder."""
    shots = []
    ladder = drv.find_element(By.ID, "L%s" % sid)
    path = os.path.join(outdir, "ladder.png")
    ladder.screenshot(path)
    shots.append(path)
    drv.set_window_size(1280, 1400)
    drv.execute_script("window.scrollTo(0, 0)")
    path = os.path.join(outdir, "report.png")
    drv.save_screenshot(path)
    shots.append(path)
    drv.set_window_size(1280, 1100)
    for path in shots:
        n = png_colours(path)
        if n <= 16:
            fail("screenshot %s: %d colours: blank" % (path, n))
        say("screenshot %s: %d colours" % (path, n))


def check_rules_audit(drv, ftpaudit, pcap, ruleset, outdir):
    out = os.path.join(outdir, "rules.html")
    r = run([ftpaudit, "rules", "-q", "-F", "json", pcap])
    nrules = len(json.loads(r.stdout)["rules"]) if r.returncode == 0 else -1
    r = run([ftpaudit, "rules", "-q", "-F", "html", "-o", out, pcap])
    if r.returncode != 0:
        fail("rules -F html exit %d: %s" % (r.returncode, r.stderr[:200]))
    else:
        load(drv, out, "rules -F html")
        n = len(drv.find_elements(By.CSS_SELECTOR, "#rules tbody tr"))
        if n != nrules:
            fail("rules -F html: %d rows, %d rules in the JSON" % (n, nrules))
    out = os.path.join(outdir, "audit.html")
    ruleset = hostile_ruleset(ruleset, outdir)
    args = ["audit", "-q", "--no-fail", "--ruleset=" + ruleset]
    r = run([ftpaudit] + args + ["-F", "json", pcap])
    nflows = len(json.loads(r.stdout)["flows"]) if r.returncode == 0 else -1
    r = run([ftpaudit] + args + ["-F", "html", "-o", out, pcap])
    if r.returncode != 0:
        fail("audit -F html exit %d: %s" % (r.returncode, r.stderr[:200]))
        return
    load(drv, out, "audit -F html")
    n = len(drv.find_elements(By.CSS_SELECTOR, "#flows tbody tr .tag"))
    if n != nflows:
        fail("audit -F html: %d verdicts, %d flows in the JSON" % (n, nflows))
    text = drv.execute_script("return document.body.textContent")
    if HOSTILE_COMMENT not in text:
        fail("audit -F html: the rule's comment is not shown as text")
    if drv.find_elements(By.TAG_NAME, "img") or alert_open(drv):
        fail("audit -F html: the rule's comment made an element")


def check_selection(drv, ftpaudit, pcap, outdir):
    """--host: the page's rows are the sessions -F json selects, and it
    says so."""
    ss = sessions_of(ftpaudit, pcap)
    if not ss:
        return
    host = "--host=" + ss[0]["client"]["ip"]
    r = run([ftpaudit, "analyze", "-q", "-F", "json", host, pcap])
    want = sorted(s["id"] for s in json.loads(r.stdout)["sessions"])
    out = os.path.join(outdir, "selected.html")
    r = run([ftpaudit, "analyze", "-q", "-F", "html", host, "-o", out, pcap])
    if r.returncode != 0:
        fail("%s: analyze -F html exit %d" % (host, r.returncode))
        return
    load(drv, out, host)
    got = sorted(int(e.get_attribute("data-session-id")) for e in
                 drv.find_elements(By.CSS_SELECTOR, "[data-session-id]"))
    if got != want:
        fail("%s: page rows %s, JSON sessions %s" % (host, got, want))
    if "Selection: " + host not in drv.find_element(By.TAG_NAME, "body").text:
        fail("%s: the page does not say its selection" % host)


def hostile_ruleset(path, outdir):
    """The ruleset with a hostile comment on its rule of handle 16 (unused
    by the first capture's flows, so listed)."""
    with open(path) as f:
        d = json.load(f)
    for e in d["nftables"]:
        if e.get("rule", {}).get("handle") == 16:
            e["rule"]["comment"] = HOSTILE_COMMENT
    out = os.path.join(outdir, "hostile.nft.json")
    with open(out, "w") as f:
        json.dump(d, f)
    return out


def lane(job):
    """One browser's share: its pages (index, capture) and then the
    checks it lists.  What it said, and its failures."""
    pages, others = job
    ftpaudit, outdir, ruleset, first, hostile = ARGS
    drv = browser()
    try:
        for i, p in pages:
            out = os.path.join(outdir, "page%d.html" % i)
            n = check_analyze(drv, ftpaudit, p, out, p == hostile)
            say("%s: %s sessions" % (os.path.basename(p), n))
            if i == 0:
                # The session with the most transfers makes the picture.
                ss = sorted(sessions_of(ftpaudit, p),
                            key=lambda s: -len(s["transfers"]))
                if ss:
                    click_session(drv, str(ss[0]["id"]), True, "screenshot")
                    check_screenshot(drv, outdir, ss[0]["id"])
                else:
                    fail("%s: no session to take a picture of" % p)
        for what in others:
            if what == "selection":
                check_selection(drv, ftpaudit, first, outdir)
            elif what == "cap":
                check_cap(drv, ftpaudit, outdir)
            else:
                check_rules_audit(drv, ftpaudit, first, ruleset, outdir)
    finally:
        drv.quit()
    return said, failures


def main():
    global ARGS
    ftpaudit, outdir, ruleset = sys.argv[1:4]
    pcaps = sys.argv[4:]
    hostile = os.path.join(outdir, "hostile.pcap")
    hostile_pcap(hostile)
    ARGS = (ftpaudit, outdir, ruleset, pcaps[0], hostile)
    # Two browsers at once, each with a lane of the pages: a page is
    # mostly the browser's work and the driver's round trips.  The two
    # biggest pages, the 1300 sessions of "cap" and the last capture
    # (ftp-crack's 714, when ../shared is there), go to different lanes.
    pages = list(enumerate(pcaps + [hostile]))
    last = (len(pcaps) - 1) % 2
    jobs = [None, None]
    jobs[last] = (pages[last::2], ["selection", "rules_audit"])
    jobs[1 - last] = (pages[1 - last::2], ["cap"])
    bad = 0
    with multiprocessing.Pool(len(jobs)) as pool:
        for lines, f in pool.map(lane, jobs):
            for line in lines:
                print(line)
            bad += len(f)
    if bad:
        print("%d failure(s)" % bad)
        sys.exit(1)
    print("PASS: %d captures" % (len(pcaps) + 1))


if __name__ == "__main__":
    main()
