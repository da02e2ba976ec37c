#!/usr/bin/python3
"""fwtargets_check.py aws-sg SIDE FILE...: validate each `ftpaudit rules -F
aws-sg` document with botocore's own parameter validator against the EC2
service model (authorize-security-group-ingress for the server side,
-egress for the client side), and check what botocore does not: every
permission is tcp with a port range and at least one peer, the GroupId is
the documented placeholder.  Exit 0 all valid, 1 a failure (one line per
problem), 77 botocore missing."""
import json
import sys


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


def main():
    if len(sys.argv) < 4 or sys.argv[1] != "aws-sg":
        print("usage: fwtargets_check.py aws-sg SIDE FILE...")
        return 99
    return awssg(sys.argv[2], sys.argv[3:])


sys.exit(main())
