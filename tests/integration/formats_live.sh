#!/bin/bash
# SPDX-License-Identifier: ISC
# formats_live.sh: `ftpaudit live -F zeek`, `-F zeek-json`, `-F eve` and
# the community_id of `-F ndjson` events, on the server's veth while
# curl downloads over PASV and EPRT from vsftpd, then SIGINT: each
# writes its rows or events as the sessions end (before the SIGINT),
# exit 0; the ftp.log has a row for each
# logged command with the server's size and data channel, the EVE events
# validate against schema/eve.schema.json and name the files, and all of
# them give each connection the same Community ID.  Root and netns, else
# SKIP.
set -eu
: "${FTPAUDIT:?FTPAUDIT must name the ftpaudit binary}"
srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/integration/lab.sh"

lab_need_root curl "$LAB_VSFTPD_BIN" "$LAB_PYTHON"
lab_need_python_module jsonschema
lab_up "fl$$"
lab_files
lab_vsftpd

pids=()
for f in zeek zeek-json eve ndjson; do
	ip netns exec "$LAB_NS_SERVER" "$FTPAUDIT" live -i "$LAB_DEV_SERVER" \
		-F "$f" >"$LAB_DIR/live.$f" 2>"$LAB_DIR/live.$f.err" &
	pids+=("$!")
	LAB_PIDS+=("$!")
	lab_poll 250 0.02 grep -qs "listening on" "$LAB_DIR/live.$f.err" ||
		{ cat "$LAB_DIR/live.$f.err" >&2; exit 1; }
done

c() { lab_client curl --max-time 15 -sS "$@"; }
c --disable-epsv -o /dev/null "ftp://$LAB_SERVER4/pub/medium.bin"
c -P - -o /dev/null "ftp://$LAB_SERVER4/pub/small.bin"
lab_settle

# A live run writes each row and event as its session ends, not at exit:
# a pipeline reading it (Filebeat, zeek-cut) must not wait for them.
for f in zeek zeek-json eve; do
	lab_poll 250 0.02 grep -qs RETR "$LAB_DIR/live.$f" ||
		{ echo "FAIL: live -F $f held its rows back" >&2; exit 1; }
done

rc=0
for p in "${pids[@]}"; do kill -INT "$p"; done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
[ "$rc" = 0 ] || { echo "FAIL: a live run did not exit 0" >&2; cat "$LAB_DIR"/live.*.err >&2; exit 1; }

"$LAB_PYTHON" - "$LAB_DIR" "$srcdir/schema/eve.schema.json" "$LAB_SERVER4" \
	"$LAB_SIZE_MEDIUM" "$LAB_SIZE_SMALL" <<'PY'
import json, sys
from jsonschema import Draft202012Validator
d, schema, server, medium, small = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
fail = []
def check(cond, msg):
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond: fail.append(msg)

tsv = open(d + "/live.zeek").read().split("\n")
check(tsv[0] == "#separator \\x09" and tsv[-2].startswith("#close\t"), "zeek: header and #close")
fields = [l for l in tsv if l.startswith("#fields")][0].split("\t")[1:]
rows = [dict(zip(fields, l.split("\t"))) for l in tsv if l and not l.startswith("#")]
check(all(len(r) == len(fields) for r in rows), "zeek: every row has every column")
cmds = [r["command"] for r in rows]
check(cmds == ["PASV", "RETR", "PORT", "RETR"] or cmds == ["EPRT", "RETR", "PASV", "RETR"] or
      sorted(cmds) == ["PASV", "PORT", "RETR", "RETR"] or sorted(cmds) == ["EPRT", "PASV", "RETR", "RETR"],
      "zeek: rows for the negotiations and RETRs (%s)" % cmds)
retr = {r["arg"]: r for r in rows if r["command"] == "RETR"}
check(set(retr) == {"ftp://%s/pub/medium.bin" % server, "ftp://%s/pub/small.bin" % server},
      "zeek: RETR args are ftp://SERVER/PATH (%s)" % sorted(retr))
check(sorted(int(r["file_size"]) for r in retr.values()) == sorted([medium, small]),
      "zeek: file_size is what vsftpd announced")
check(all(r["reply_code"] == "226" for r in retr.values()), "zeek: RETRs answered 226")
neg = [r for r in rows if r["command"] != "RETR"]
check(all(r["data_channel.resp_p"] not in ("-", "") for r in neg), "zeek: data channels of the negotiations")
check(sorted(r["data_channel.passive"] for r in neg) == ["F", "T"], "zeek: one active, one passive")

zj = [json.loads(l) for l in open(d + "/live.zeek-json")]
check([r["command"] for r in zj] == cmds, "zeek-json: the same rows")
# Each process stamps packets itself, so uids (which hash the first
# packet's time) agree within a run, not across the two.
check(len({r["uid"] for r in rows}) == 2 and len({r["uid"] for r in zj}) == 2,
      "zeek, zeek-json: one uid per session")

val = Draft202012Validator(json.load(open(schema)))
ev = [json.loads(l) for l in open(d + "/live.eve")]
errs = [e.message for x in ev for e in val.iter_errors(x)]
check(ev and not errs, "eve: %d events valid (%s)" % (len(ev), errs[:2]))
check(not any("pcap_filename" in x for x in ev), "eve: no pcap_filename when live")
data = [x for x in ev if x["event_type"] == "ftp_data"]
check(sorted((x["ftp_data"]["command"], x["ftp_data"]["filename"]) for x in data if x["ftp_data"].get("command") == "RETR")
      == [("RETR", "/pub/medium.bin"), ("RETR", "/pub/small.bin")] or
      sorted(x["ftp_data"].get("filename") for x in data if x["ftp_data"].get("command") == "RETR")
      == ["medium.bin", "small.bin"], "eve: ftp_data for both RETRs, with their files")

nd = [json.loads(l) for l in open(d + "/live.ndjson")]
sess = {e["record"]["community_id"] for e in nd if e["event"] == "session_end"}
xfer = {e["community_id"] for e in nd if e["event"] == "transfer_end" and e.get("connected")}
ctl = {x["community_id"] for x in ev if x["event_type"] == "ftp"}
dat = {x["community_id"] for x in data}
check(len(sess) == 2 and sess == ctl == {r["community_id"] for r in zj},
      "community_id: the control connections' agree across ndjson, eve, zeek-json")
check(len(xfer) == 2 and xfer == dat, "community_id: the data connections' agree across ndjson and eve")
sys.exit(1 if fail else 0)
PY
