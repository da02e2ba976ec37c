#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""select_check.py FTPAUDIT SRCDIR SHARED TMP: --session, --host, --server,
--client and --anomalous against the full output filtered here.

For each capture (every sample, a few ../shared ones): the full
`analyze -F json` is the reference.  For each selection, the sessions it
should keep are worked out here from that document (ipaddress, the
session's and its NAT sides' addresses, its anomalies), then:
  - json: the document equals the full one with only those sessions and
    the unattributed connections --host names;
  - ndjson: the same records, in the same order;
  - zeek, zeek-json, eve: the rows equal the full output's rows whose
    connection (control or data, by 4-tuple) belongs to a kept session;
  - text: the "Session N" blocks are those of the kept sessions, each as
    in the full report;
  - html: the page's data-session-id elements are the kept sessions;
  - rules -F json: the "selection" member says what was asked and counted,
    every rule's evidence is among the kept sessions, and the document
    equals `rules --records` of the full NDJSON filtered here to those
    sessions; nft, iptables and text say the selection in their header;
  - audit -F json: the same against audit --records, flows only of kept
    sessions.
Exit 0, or 1 with every difference listed."""
import ipaddress
import json
import multiprocessing
import os
import re
import subprocess
import sys

FTPAUDIT, SRC, SHARED, TMP = sys.argv[1:5]
RULESET = os.path.join(SRC, 'tests/integration/audit-data/server-mixed.nft.json')
SHARED_CAPS = [
    'zeek/ftp__bruteforce.pcap',
    'zeek/ftp__ipv4.pcap',
    'markofu-pcaps/ftp-crack.pcap',
    'markofu-pcaps/ftp-uploadfailed.pcap',
    'suricata-verify/ftp__ftp-bounce__test.pcap',
    'suricata-verify/firewall__ruletype-firewall-117-ftp-all-data-ipv6__input.pcap',
    'suricata-verify/firewall__ruletype-firewall-116-ftp-all-data-ipv4__input.pcap',
]
failures = []
checked = {'json': 0, 'ndjson': 0, 'rows': 0, 'text': 0, 'html': 0,
           'rules': 0, 'audit': 0}
# With python3-jsonschema: the documents against schema/.
try:
    from jsonschema import Draft202012Validator
    SCHEMA = {k: Draft202012Validator(json.load(open(os.path.join(
        SRC, 'schema', k + '.schema.json')))) for k in ('rules', 'audit')}
except ImportError:
    SCHEMA = None
# Rows whose session is known (kept or dropped), and the others.
rowcount = {'known': 0, 'either': 0}


def fail(msg):
    failures.append(msg)


def run(args, ok=(0,)):
    p = subprocess.run([FTPAUDIT] + args, capture_output=True)
    if p.returncode not in ok:
        fail('%s: exit %d: %s' % (' '.join(args), p.returncode,
                                  p.stderr.decode(errors='replace')[:300]))
        return None
    return p.stdout.decode(errors='surrogateescape')


# What a selection keeps, worked out from the JSON.

def addrs(s, role):
    """The session's client (server) addresses, NAT sides included."""
    v = [s[role]['ip']]
    nat = s.get('nat')
    if nat:
        v += [nat['inside'][role]['ip'], nat['outside'][role]['ip']]
    return [ipaddress.ip_address(a) for a in v if a]


def in_nets(a, nets):
    return any(a.version == n.version and a in n for n in nets)


def keeps(sel, s):
    if sel.get('ids') is not None and s['id'] not in sel['ids']:
        return False
    if sel.get('anomalous') and not s['anomalies'] and \
            not s.get('anomalies_dropped'):
        return False
    c, v = addrs(s, 'client'), addrs(s, 'server')
    if sel.get('host') and not any(in_nets(a, sel['host']) for a in c + v):
        return False
    if sel.get('client') and not any(in_nets(a, sel['client']) for a in c):
        return False
    if sel.get('server') and not any(in_nets(a, sel['server']) for a in v):
        return False
    return True


def keeps_unattributed(sel, u):
    if sel.get('ids') is not None or sel.get('anomalous') or \
            sel.get('client') or sel.get('server') or not sel.get('host'):
        return False
    return any(in_nets(ipaddress.ip_address(u[k]['ip']), sel['host'])
               for k in ('initiator', 'responder'))


def nets(text):
    return [ipaddress.ip_network(x, strict=False) for x in text.split(',')]


def selections(doc):
    """A handful per capture, from its own sessions."""
    ss = doc['sessions']
    ids = [s['id'] for s in ss]
    out = []
    if ids:
        pick = sorted(set(ids[::2][:5] + ids[-1:]))
        out.append((['--session=' + ','.join(map(str, pick))],
                    {'ids': set(pick)}))
        if len(ids) > 2:
            lo, hi = ids[1], ids[min(len(ids) - 1, 3)]
            out.append((['--session=%d-%d' % (lo, hi), '--session=%d' % ids[0]],
                        {'ids': set(range(lo, hi + 1)) | {ids[0]}}))
        srv = ss[-1]['server']['ip']
        out.append((['--host=' + srv], {'host': nets(srv)}))
        cli = ipaddress.ip_address(ss[0]['client']['ip'])
        plen = 24 if cli.version == 4 else 64
        net = str(ipaddress.ip_network('%s/%d' % (cli, plen), strict=False))
        out.append((['--client=' + net], {'client': nets(net)}))
        out.append((['--server=' + srv, '--client=' + net],
                    {'server': nets(srv), 'client': nets(net)}))
        out.append((['--anomalous'], {'anomalous': True}))
        out.append((['--host=' + srv, '--anomalous'],
                    {'host': nets(srv), 'anomalous': True}))
    for u in doc['unattributed'][:1]:
        a = u['responder']['ip']
        out.append((['--host=' + a], {'host': nets(a)}))
    # Nothing: no session has this id or address.
    out.append((['--session=999999', '--host=192.0.2.255'],
                {'ids': {999999}, 'host': nets('192.0.2.255')}))
    return out


# Formats.

def check_json(cap, args, full, keep, sel):
    got = run(['analyze', '-q', '-F', 'json'] + args + [cap])
    if got is None:
        return
    got = json.loads(got)
    want = dict(full)
    want['sessions'] = [s for s in full['sessions'] if s['id'] in keep]
    want['unattributed'] = [u for u in full['unattributed']
                            if keeps_unattributed(sel, u)]
    for k in set(want) | set(got):
        if got.get(k) != want.get(k):
            fail('%s %s -F json: "%s" differs from the full document '
                 'filtered' % (cap, ' '.join(args), k))
    checked['json'] += 1


def check_ndjson(cap, args, full_nd, keep, sel):
    got = run(['analyze', '-q', '-F', 'ndjson'] + args + [cap])
    if got is None:
        return
    got = [json.loads(l) for l in got.splitlines()]
    want = [r for r in full_nd if
            (r['record'] == 'session' and r['id'] in keep) or
            (r['record'] == 'unattributed' and keeps_unattributed(sel, r)) or
            r['record'] not in ('session', 'unattributed')]
    if got != want:
        fail('%s %s -F ndjson: records differ from the full ones filtered '
             '(%d, want %d)' % (cap, ' '.join(args), len(got), len(want)))
    checked['ndjson'] += 1


def owners(doc):
    """Each connection (an unordered pair of endpoints) to the ids of the
    sessions it is the control or a data connection of."""
    own = {}

    def add(a, b, sid):
        k = frozenset([(a['ip'], a['port']), (b['ip'], b['port'])])
        own.setdefault(k, set()).add(sid)
    for s in doc['sessions']:
        add(s['client'], s['server'], s['id'])
        nat = s.get('nat')
        if nat:
            add(nat['inside']['client'], nat['inside']['server'], s['id'])
            add(nat['outside']['client'], nat['outside']['server'], s['id'])
        for t in s['transfers']:
            c = t.get('connection')
            if c:
                add(c['client'], c['server'], s['id'])
    return own


def row_key(fmt, line):
    if fmt == 'zeek':
        f = line.split('\t')
        return frozenset([(f[2], int(f[3])), (f[4], int(f[5]))])
    r = json.loads(line)
    if fmt == 'zeek-json':
        return frozenset([(r['id.orig_h'], r['id.orig_p']),
                          (r['id.resp_h'], r['id.resp_p'])])
    return frozenset([(r['src_ip'], r['src_port']),
                      (r['dest_ip'], r['dest_port'])])


def rows(text, fmt):
    return [l for l in text.splitlines() if not l.startswith('#')]


def check_rows(cap, args, full_rows, own, keep, fmt):
    got = run(['analyze', '-q', '-F', fmt] + args + [cap])
    if got is None:
        return
    got = rows(got, fmt)
    want, maybe = [], []
    for l in full_rows[fmt]:
        ids = own.get(row_key(fmt, l), set())
        if ids and ids <= keep:
            want.append(l)
        elif ids & keep or not ids:
            maybe.append(l)	# shared by a kept and another, or unknown
    rowcount['known'] += len(full_rows[fmt]) - len(maybe)
    rowcount['either'] += len(maybe)
    rest = list(got)
    for l in want:
        if l in rest:
            rest.remove(l)
        else:
            fail('%s %s -F %s: row missing: %s' % (cap, ' '.join(args), fmt,
                                                    l[:160]))
            return
    for l in rest:
        if l in maybe:
            maybe.remove(l)
        else:
            fail('%s %s -F %s: row of a session not selected: %s' %
                 (cap, ' '.join(args), fmt, l[:160]))
            return
    checked['rows'] += 1


SESSION_RE = re.compile(r'^Session (\d+)\b')


def text_blocks(text):
    """Each "Session N" line and the indented lines under it."""
    blocks, cur = {}, None
    for l in text.splitlines():
        m = SESSION_RE.match(l)
        if m:
            cur = int(m.group(1))
            blocks[cur] = [l]
        elif cur is not None and l.startswith(' '):
            blocks[cur].append(l)
        else:
            cur = None
    return blocks


def check_text(cap, args, full_blocks, keep):
    got = run(['analyze', '-q', '-F', 'text', '--color=never'] + args +
              [cap])
    if got is None:
        return
    blocks = text_blocks(got)
    if set(blocks) != keep:
        fail('%s %s -F text: sessions %s, want %s' % (
            cap, ' '.join(args), sorted(blocks)[:10], sorted(keep)[:10]))
        return
    for k, b in blocks.items():
        if b != full_blocks.get(k):
            fail('%s %s -F text: session %d differs from the full report' %
                 (cap, ' '.join(args), k))
    checked['text'] += 1


HTML_ID = re.compile(r'data-session-id="(\d+)"')


def check_html(cap, args, keep):
    """The page's sessions (data-session-id) are those kept."""
    got = run(['analyze', '-q', '-F', 'html'] + args + [cap])
    if got is None:
        return
    ids = {int(x) for x in HTML_ID.findall(got)}
    if ids != keep:
        fail('%s %s -F html: sessions %s, want %s' % (
            cap, ' '.join(args), sorted(ids)[:10], sorted(keep)[:10]))
    checked['html'] += 1


# rules and audit: evidence limited to the selection.

def records_of(full_nd, keep, path):
    with open(path, 'w') as f:
        for r in full_nd:
            if r['record'] == 'session' and r['id'] in keep:
                f.write(json.dumps(r) + '\n')
            elif r['record'] == 'stats':
                f.write(json.dumps(r) + '\n')


def evidence_ids(rules_doc):
    ids = set()
    for r in rules_doc['rules']:
        ids.update(r['evidence']['sessions'])
    for x in rules_doc.get('excluded', []):
        if isinstance(x, dict) and 'session' in x:
            ids.add(x['session'])
    return ids


def check_selection_member(what, doc, args, keep, nsessions, kind):
    if SCHEMA is not None:
        for e in SCHEMA[kind].iter_errors(doc):
            fail('%s: not valid against %s.schema.json: %s' % (
                what, kind, e.message[:200]))
            break
    sel = doc.get('selection')
    if sel is None:
        fail('%s: no "selection" member' % what)
        return
    if sel['sessions_selected'] != len(keep) or \
            sel['sessions_seen'] != nsessions:
        fail('%s: selection counts %d of %d, want %d of %d' % (
            what, sel['sessions_selected'], sel['sessions_seen'], len(keep),
            nsessions))
    if ('--anomalous' in args) != sel['anomalous']:
        fail('%s: "anomalous" is %s' % (what, sel['anomalous']))


def drop_selection(doc):
    doc = dict(doc)
    doc.pop('selection', None)
    return doc


def check_rules(cap, args, full_nd, keep, nsessions, base):
    recs = os.path.join(TMP, base + '.sel.ndjson')
    records_of(full_nd, keep, recs)
    for side in ('server', 'gateway'):
        what = '%s %s rules --side=%s' % (cap, ' '.join(args), side)
        got = run(['rules', '-q', '-F', 'json', '--allow-empty',
                   '--side=' + side] + args + [cap])
        ref = run(['rules', '-q', '-F', 'json', '--allow-empty',
                   '--side=' + side, '--records', recs])
        if got is None or ref is None:
            return
        got, ref = json.loads(got), json.loads(ref)
        check_selection_member(what, got, args, keep, nsessions, 'rules')
        if drop_selection(got) != drop_selection(ref):
            fail('%s: differs from rules --records of the selected '
                 'sessions' % what)
        ev = evidence_ids(got)
        if not ev <= keep:
            fail('%s: evidence from sessions %s not selected' % (
                what, sorted(ev - keep)[:10]))
        # The same selection over records: the same document.
        full_recs = os.path.join(TMP, base + '.ndjson')
        again = run(['rules', '-q', '-F', 'json', '--allow-empty',
                     '--side=' + side, '--records'] + args + [full_recs])
        if again is not None and json.loads(again) != got:
            fail('%s: --records with the selection differs' % what)
        checked['rules'] += 1
    for fmt, mark in (('nft', '# Selection: '), ('iptables', '# Selection: '),
                      ('text', 'Selection: ')):
        out = run(['rules', '-q', '-F', fmt, '--allow-empty'] + args + [cap])
        if out is not None and mark + '--' not in out:
            fail('%s %s rules -F %s: the header does not say the selection'
                 % (cap, ' '.join(args), fmt))


def check_audit(cap, args, full_nd, keep, nsessions, base):
    recs = os.path.join(TMP, base + '.sel.ndjson')
    records_of(full_nd, keep, recs)
    what = '%s %s audit' % (cap, ' '.join(args))
    got = run(['audit', '-q', '-F', 'json', '--no-fail', '--ruleset=' +
               RULESET] + args + [cap])
    ref = run(['audit', '-q', '-F', 'json', '--no-fail', '--ruleset=' +
               RULESET, '--records', recs])
    if got is None or ref is None:
        return
    got, ref = json.loads(got), json.loads(ref)
    check_selection_member(what, got, args, keep, nsessions, 'audit')
    if drop_selection(got) != drop_selection(ref):
        fail('%s: differs from audit --records of the selected sessions'
             % what)
    ids = {f['session'] for f in got.get('flows', []) if 'session' in f}
    if not ids <= keep:
        fail('%s: flows of sessions %s not selected' % (what,
                                                        sorted(ids - keep)))
    for fmt, mark in (('text', 'Selection: '), ('nft', '# Selection: ')):
        out = run(['audit', '-q', '-F', fmt, '--no-fail', '--ruleset=' +
                   RULESET] + args + [cap])
        if out is not None and mark + '--' not in out:
            fail('%s -F %s: does not say the selection' % (what, fmt))
    checked['audit'] += 1


def one(job):
    """One capture's checks, in a worker of the pool: what it counted and
    what failed.  Each starts from zero, so a capture's checks do not
    depend on which worker had which capture before."""
    i, cap = job
    del failures[:]
    for d in (checked, rowcount):
        d.update({k: 0 for k in d})
    base = 'c%d' % i
    out = run(['analyze', '-q', '-F', 'json', cap])
    if out is None:
        return dict(checked), dict(rowcount), list(failures)
    full = json.loads(out)
    nd_text = run(['analyze', '-q', '-F', 'ndjson', cap])
    with open(os.path.join(TMP, base + '.ndjson'), 'w') as f:
        f.write(nd_text)
    full_nd = [json.loads(l) for l in nd_text.splitlines()]
    full_rows = {fmt: rows(run(['analyze', '-q', '-F', fmt, cap]), fmt)
                 for fmt in ('zeek', 'zeek-json', 'eve')}
    full_blocks = text_blocks(run(['analyze', '-q', '-F', 'text',
                                   '--color=never', cap]))
    own = owners(full)
    big = len(full['sessions']) > 100
    for args, sel in selections(full):
        keep = {s['id'] for s in full['sessions'] if keeps(sel, s)}
        check_json(cap, args, full, keep, sel)
        check_ndjson(cap, args, full_nd, keep, sel)
        for fmt in ('zeek', 'zeek-json', 'eve'):
            check_rows(cap, args, full_rows, own, keep, fmt)
        check_text(cap, args, full_blocks, keep)
        if not big:
            check_html(cap, args, keep)
        # A capture of hundreds of sessions: its first selection.
        if big and checked['rules'] > 0 and args[0] != '--anomalous':
            continue
        check_rules(cap, args, full_nd, keep, len(full['sessions']),
                    base)
        check_audit(cap, args, full_nd, keep, len(full['sessions']),
                    base)
    return dict(checked), dict(rowcount), list(failures)


def main():
    caps = sorted(os.path.join(SRC, 'samples', f) for f in
                  os.listdir(os.path.join(SRC, 'samples'))
                  if f.endswith(('.pcap', '.pcapng')))
    caps += [os.path.join(SHARED, 'pcaps', c) for c in SHARED_CAPS
             if os.path.exists(os.path.join(SHARED, 'pcaps', c))]
    # Each capture's checks are ftpaudit runs and Python of their own:
    # as many at once as there are CPUs, reported in the captures' order.
    total = {k: 0 for k in checked}
    rowsum = {k: 0 for k in rowcount}
    bad = 0
    with multiprocessing.Pool(os.cpu_count()) as pool:
        for c, r, f in pool.imap(one, enumerate(caps)):
            for k in total:
                total[k] += c[k]
            for k in rowsum:
                rowsum[k] += r[k]
            for msg in f:
                print('FAIL: ' + msg)
            bad += len(f)
    print('# %d captures; checked: %s' % (len(caps), ', '.join(
        '%s %d' % kv for kv in total.items())))
    print('# rows: %(known)d of a known session, %(either)d that may go '
          'either way' % rowsum)
    if min(total.values()) == 0:
        print('FAIL: a kind of output was never checked')
        bad += 1
    return 1 if bad else 0


sys.exit(main())
