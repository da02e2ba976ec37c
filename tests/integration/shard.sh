# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# shard.sh - run a test's loop over many captures in several workers at
# once, each with a network namespace and a directory of its own.
#
# Loading a ruleset mostly waits on the kernel: each nft or iptables-nft
# transaction waits out an RCU grace period, and a namespace's waits do not
# hold up another's.  roundtrip.sh's 1,056 loads took 76 s alone, two
# copies of it at once 73 s each, four at once 110 s each.
#
#   . tests/integration/shard.sh
#   SHARD_SUM="passed failed"    # counters each worker adds to
#   shard_run PREFIX DIR FUNC [ARG...]
#
# shard_run starts SHARD_JOBS workers (default 4) in the background.  Each
# runs FUNC ARG... with SHARD (0 .. SHARD_JOBS-1), SHARD_NS (a namespace
# PREFIX<SHARD>, created for it and deleted after) and SHARD_DIR (DIR/SHARD)
# set, and FUNC takes its share of the items itself (shard_mine).  The
# counters named in SHARD_SUM start at 0 in each worker.  When all are done
# shard_run prints their outputs in order, adds what each worker counted to
# the caller's counters, and returns 1 when a worker
# failed (FUNC returned nonzero, or its namespace could not be made).

# shard_mine I: whether item I (0, 1, ...) is this worker's.
shard_mine() { [ $(($1 % SHARD_JOBS)) = "$SHARD" ]; }

shard_run() {
	local prefix=$1 dir=$2 fn=$3 k rc=0 name val
	local jobs=${SHARD_JOBS:-4} pids=()
	shift 3
	for ((k = 0; k < jobs; k++)); do
		mkdir -p "$dir/$k" || return 1
		(
			SHARD=$k SHARD_JOBS=$jobs SHARD_DIR=$dir/$k
			SHARD_NS=$prefix$k
			for name in ${SHARD_SUM:-}; do
				printf -v "$name" 0
			done
			ip netns add "$SHARD_NS" || exit 1
			trap 'ip netns del "$SHARD_NS" 2>/dev/null' EXIT
			"$fn" "$@"
			rc=$?
			for name in ${SHARD_SUM:-}; do
				echo "$name ${!name}"
			done >"$SHARD_DIR/sum"
			exit $rc
		) >"$dir/$k/out" 2>&1 &
		pids+=($!)
	done
	for ((k = 0; k < jobs; k++)); do
		wait "${pids[$k]}" || rc=1
		cat "$dir/$k/out"
		[ -f "$dir/$k/sum" ] || { rc=1; continue; }
		while read -r name val; do
			printf -v "$name" '%d' $((${!name} + val))
		done <"$dir/$k/sum"
	done
	return $rc
}
