#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""fwtargets_check.py aws-sg SIDE FILE...: validate each `ftpaudit rules -F
aws-sg` document with botocore's own parameter validator against the EC2
service model (authorize-security-group-ingress for the server side,
-egress for the client side), and check what botocore does not: every
permission is tcp with a port range and at least one peer, the GroupId is
the documented placeholder.  Exit 0 all valid, 1 a failure (one line per
problem), 77 botocore missing.

fwtargets_check.py firewalld SIDE STRATEGY FILE...: split each `-F
firewalld` stream into its files in a scratch configuration directory, read
every file with firewalld's own readers (firewall.core.io: XML, names,
ports, rich rules), check that every service a rule names and every helper
a service names exists, that the helper is there exactly with --strategy
helper and is used in the policy of the side's direction (client: HOST to
ANY), then have firewall-offline-cmd --check-config load the directory:
exit 0 with nothing said.  Never the machine's own /etc/firewalld."""
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def awssg(side, files):
    try:
        import botocore.session
        import botocore.validate
    except ImportError:
        print("SKIP: no python3-botocore")
        return 77
    model = botocore.session.get_session().get_service_model("ec2")
    op = model.operation_model("AuthorizeSecurityGroupIngress"
                               if side == "server" else
                               "AuthorizeSecurityGroupEgress")
    bad = 0
    for f in files:
        with open(f) as fh:
            doc = json.load(fh)
        try:
            botocore.validate.validate_parameters(doc, op.input_shape)
        except Exception as e:  # ParamValidationError, one per document
            print("FAIL: %s: %s" % (f, str(e).replace("\n", " ")))
            bad += 1
            continue
        if doc.get("GroupId") != "sg-REPLACE-ME":
            print("FAIL: %s: GroupId %r" % (f, doc.get("GroupId")))
            bad += 1
        if not doc.get("IpPermissions"):
            print("FAIL: %s: no IpPermissions" % f)
            bad += 1
        for p in doc.get("IpPermissions", []):
            peers = p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
            if p.get("IpProtocol") != "tcp" or not peers or \
               not 0 <= p["FromPort"] <= p["ToPort"] <= 65535:
                print("FAIL: %s: permission %s" % (f, json.dumps(p)))
                bad += 1
            for r in peers:
                d = r.get("Description", "")
                # EC2's documented character set and length.
                ok = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789. _-:/()#,@[]+=&;{}!$*")
                if len(d) > 255 or not set(d) <= ok:
                    print("FAIL: %s: Description %r" % (f, d))
                    bad += 1
    return 1 if bad else 0


DEFAULTS = "/usr/lib/firewalld"
SEP = re.compile(r"^==> ((services|policies)/[a-z][a-z0-9-]*\.xml) <==$")
DIRECTION = {"server": "ftpaudit-in", "client": "ftpaudit-out",
             "gateway": "ftpaudit-fwd"}


def split(stream, top):
    """The stream's files under top; their paths, or raise ValueError."""
    paths, out = [], None
    for line in stream.splitlines(True):
        m = SEP.match(line.rstrip("\n"))
        if m:
            if out:
                out.close()
            if m.group(1) in paths:
                raise ValueError("%s twice" % m.group(1))
            paths.append(m.group(1))
            os.makedirs(os.path.join(top, m.group(2)), exist_ok=True)
            out = open(os.path.join(top, m.group(1)), "w")
        elif out is None:
            raise ValueError("text before the first file: %r" % line)
        else:
            out.write(line)
    if out:
        out.close()
    if "services/ftpaudit-ftp.xml" not in paths:
        raise ValueError("no services/ftpaudit-ftp.xml")
    return paths


def check_one(f, side, strategy, top):
    from firewall.core.io.policy import policy_reader
    from firewall.core.io.service import service_reader
    problems = []
    with open(f) as fh:
        paths = split(fh.read(), top)
    services = {}
    policies = {}
    for p in paths:
        d, name = p.split("/")
        if d == "services":
            services[name[:-4]] = service_reader(name, os.path.join(top, d))
        else:
            policies[name[:-4]] = policy_reader(name, os.path.join(top, d))
    known = set(services) | {n[:-4] for n in
                             os.listdir(os.path.join(DEFAULTS, "services"))}
    helpers = {n[:-4] for n in os.listdir(os.path.join(DEFAULTS, "helpers"))}
    for name, svc in services.items():
        for h in svc.helpers:
            if h not in helpers:
                problems.append("service %s: no helper %s" % (name, h))
        want = ["ftp"] if strategy == "helper" else []
        if list(svc.helpers) != want:
            problems.append("service %s: helpers %s with strategy %s" %
                            (name, list(svc.helpers), strategy))
        if not svc.ports:
            problems.append("service %s: no port" % name)
    used = set()
    for name, pol in policies.items():
        from firewall.core import rich
        # Every rule went through firewalld's rich-rule parser and check
        # while reading; a rule that names a service needs it to exist.
        for r in pol.rules:
            if isinstance(r.element, rich.Rich_Service):
                if r.element.name not in known:
                    problems.append("policy %s: no service %s" %
                                    (name, r.element.name))
                used.add((name, r.element.name))
        if not pol.rules:
            problems.append("policy %s: no rule" % name)
        pol.check_config_dict(pol.export_config_dict(),
                              {"services": {k: None for k in known},
                               "zones": {}, "policies": {}})
    if strategy == "helper" and \
       (DIRECTION[side], "ftpaudit-ftp") not in used:
        problems.append("the helper's service is not in policy %s" %
                        DIRECTION[side])
    with open(os.path.join(top, "firewalld.conf"), "w") as c:
        c.write("DefaultZone=public\nFirewallBackend=nftables\n")
    return problems


def check_config(top):
    """firewall-offline-cmd --check-config on the directory: its problems."""
    r = subprocess.run(["firewall-offline-cmd", "--system-config", top,
                        "--default-config", DEFAULTS, "--check-config"],
                       capture_output=True, text=True)
    said = (r.stdout + r.stderr).strip()
    if r.returncode != 0 or "WARNING" in said or "ERROR" in said:
        return ["firewall-offline-cmd --check-config: exit %d: %s" %
                (r.returncode, said.replace("\n", " | "))]
    return []


def firewalld(side, strategy, files):
    try:
        import firewall.core.io.policy  # noqa: F401
    except ImportError:
        print("SKIP: no firewalld (its python3-firewall)")
        return 77
    if shutil.which("firewall-offline-cmd") is None:
        print("SKIP: no firewall-offline-cmd")
        return 77
    bad = 0
    seen = set()
    found = []     # (file, its directory, its problems, whether it was read)
    for f in files:
        with open(f, "rb") as fh:
            h = hashlib.sha256(fh.read()).hexdigest()
        if h in seen:   # the same stream from another capture
            continue
        seen.add(h)
        top = tempfile.mkdtemp(prefix="fwtargets.")
        try:
            found.append((f, top, check_one(f, side, strategy, top), True))
        except Exception as e:   # FirewallError, ValueError, SAX
            found.append((f, top, ["%s: %s" % (type(e).__name__, e)], False))
    # firewall-offline-cmd starts a Python of its own for each directory
    # (0.4 s): as many at once as there are CPUs.
    read = [top for _, top, _, was_read in found if was_read]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        said = dict(zip(read, pool.map(check_config, read)))
    for f, top, problems, _ in found:
        problems += said.get(top, [])
        shutil.rmtree(top)
        for p in problems:
            print("FAIL: %s: %s" % (f, p))
        bad += bool(problems)
    print("firewalld %s %s: %d streams, %d distinct, %d bad" %
          (side, strategy, len(files), len(seen), bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "aws-sg":
        return awssg(sys.argv[2], sys.argv[3:])
    if len(sys.argv) >= 5 and sys.argv[1] == "firewalld":
        return firewalld(sys.argv[2], sys.argv[3], sys.argv[4:])
    print("usage: fwtargets_check.py aws-sg SIDE FILE... | "
          "firewalld SIDE STRATEGY FILE...")
    return 99


sys.exit(main())
