#!/bin/sh
# experiments/agents/multihost.sh — the multi-host check (issue 18, item 5):
# three `hetsim agent`s, each in a network namespace of its own joined to
# this host by a veth pair (10.N.I.1 here, 10.N.I.2 there), the third
# behind `tc netem` (30 ms each way and 2% loss); being off loopback they
# serve HTTPS (a self-signed certificate made here, passed as "ca"). On
# them: `hetsim calibrate agents` (a sleep matrix: the fitted means must
# be the sleeps, the network delay is not in the agent's wall time) and
# `hetsim coordinator` (the loopback experiment, 40 tasks: every task
# completed; the third agent's round trips must show the delay).
# The namespaces, links and agents are removed on exit, whatever happens.
#
#   sh experiments/agents/multihost.sh ./build/hetsim DIR
#
# Where the kernel has no netem qdisc (tc qdisc add ... netem: "unknown
# qdisc"; tbf and htb shape bandwidth, not latency) the third agent
# emulates the link itself instead (said on stdout): `hetsim agent
# --emulate-delay 60 --emulate-loss 0.02` answers 60 ms late (the round
# trip netem's 30 ms each way adds) and drops 2% of requests. Then the
# delay check is tighter: the third agent's mean request overhead (round
# trip minus the simulator's draw exec_s, attempts.csv) must be the
# others' + 60 ms within 15 ms, which is the simulated twin's request
# time with the link's latency. Under netem the overhead holds several
# round trips (TCP and TLS handshakes, retransmissions) and only has to be
# above the others' by 50 ms.
# Exit 0: passed; 77: skipped (no ip/tc/openssl, or no permission to
# create network namespaces: it needs CAP_NET_ADMIN, e.g. root); else failed.
set -u
BIN=$1
W=$2
for c in ip tc openssl; do
	command -v $c >/dev/null 2>&1 || { echo "multihost: skipped: no $c command"; exit 77; }
done
tag=hs$$
net=10.$(($$ % 200 + 20))
if ! ip netns add ${tag}x 2>/dev/null; then
	echo "multihost: skipped: cannot create network namespaces (ip netns add needs CAP_NET_ADMIN)"
	exit 77
fi
ip netns del ${tag}x
pids=
cleanup() {
	for p in $pids; do kill $p 2>/dev/null; done
	for p in $pids; do wait $p 2>/dev/null; done
	for i in 1 2 3; do
		ip netns del ${tag}$i 2>/dev/null
		ip link del ${tag}h$i 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "multihost: FAILED: $*"; exit 1; }
mkdir -p "$W/work" || fail "cannot create $W"
W=$(cd "$W" && pwd)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" \
	-days 2 -subj /CN=hetsim-agents \
	-addext subjectAltName=IP:$net.1.2,IP:$net.2.2,IP:$net.3.2 >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
# can this kernel delay a link? (a scratch namespace's loopback)
netem=1
ip netns add ${tag}q && ip netns exec ${tag}q ip link set lo up &&
	ip netns exec ${tag}q tc qdisc add dev lo root netem delay 1ms 2>/dev/null || netem=0
ip netns del ${tag}q 2>/dev/null
emulate=
if [ $netem = 0 ]; then
	emulate="--emulate-delay 60 --emulate-loss 0.02"
	echo "multihost: tc netem unavailable here (no sch_netem in the kernel): the third agent" \
		"emulates the link (hetsim agent $emulate)"
fi
agents=
for i in 1 2 3; do
	ns=${tag}$i
	ip netns add $ns || fail "ip netns add $ns"
	ip link add ${tag}h$i type veth peer name ${tag}n$i || fail "ip link add (veth)"
	ip link set ${tag}n$i netns $ns || fail "ip link set netns"
	ip addr add $net.$i.1/24 dev ${tag}h$i && ip link set ${tag}h$i up || fail "host side of veth $i"
	ip netns exec $ns ip addr add $net.$i.2/24 dev ${tag}n$i &&
		ip netns exec $ns ip link set ${tag}n$i up &&
		ip netns exec $ns ip link set lo up || fail "namespace side of veth $i"
	t=small; s=1
	[ $i = 3 ] && { t=large; s=2; }
	printf '{"machine_type": "%s", "token": "multihost-token-%d-0123456789", "workdir": "%s/work", "listen": "%s.%d.2", "port": 8470, "slots": %d, "tls": {"cert": "%s/cert.pem", "key": "%s/key.pem"}}\n' \
		$t $i "$W" $net $i $s "$W" "$W" > "$W/ag$i.json"
	opts=
	[ $i = 3 ] && opts=$emulate
	# shellcheck disable=SC2086
	ip netns exec $ns "$BIN" agent --config "$W/ag$i.json" $opts > "$W/ag$i.out" 2>&1 &
	pids="$pids $!"
	agents="$agents${agents:+, }{\"url\": \"https://$net.$i.2:8470\", \"token\": \"multihost-token-$i-0123456789\", \"ca\": \"$W/cert.pem\"}"
done
if [ $netem = 1 ]; then
	tc qdisc add dev ${tag}h3 root netem delay 30ms loss 2% &&
		ip netns exec ${tag}3 tc qdisc add dev ${tag}n3 root netem delay 30ms ||
		fail "tc netem on the third link"
fi
for i in 1 2 3; do
	n=0
	until grep -q listening "$W/ag$i.out"; do
		n=$((n + 1))
		[ $n -gt 50 ] && fail "agent $i did not start: $(cat "$W/ag$i.out")"
		sleep 0.1
	done
done
cat > "$W/agents.json" <<EOT
{"agents": [$agents], "request_timeout_s": 10, "connect_timeout_s": 10, "health_poll_s": 0.5,
 "tasks": {"short": {"kind": "sleep", "seconds": "exec"}, "long": {"kind": "sleep", "seconds": "exec"}}}
EOT
cat > "$W/matrix.json" <<EOT
{"tasks": {"s50": {"kind": "sleep", "seconds": 0.05}}, "repeats": 6}
EOT
"$BIN" calibrate agents --agents "$W/agents.json" --matrix "$W/matrix.json" --out "$W/cal" --quiet ||
	fail "calibrate agents: exit $?"
# a sample is the sleep plus the agent's fork and reap: milliseconds, tens
# under sanitizers on a loaded machine
awk -F, 'NR > 1 && ($6 != "ok" || $7 < 0.05 || $7 > 0.15) { bad = 1 } END { exit bad }' "$W/cal/samples.csv" ||
	fail "samples off the 0.05 s sleep: $(cat "$W/cal/samples.csv")"
grep -q '^s50,small,6,0,0,' "$W/cal/cells.csv" && grep -q '^s50,large,6,0,0,' "$W/cal/cells.csv" ||
	fail "cells: $(cat "$W/cal/cells.csv")"
here=$(cd "$(dirname "$0")" && pwd)
"$BIN" coordinator "$here/experiment.json" --agents "$W/agents.json" --out "$W/coord" --tasks 40 \
	--policy mct > "$W/coord.txt" || fail "coordinator: exit $?"
n=$(gzip -dc "$W/coord/tasks.csv.gz" | grep -c ',completed,\|,missed,')
[ "$n" = 40 ] || fail "coordinator: $n of 40 tasks done"
# round trip minus the simulator's draw for the task (what the agent was
# asked to sleep), per agent, over the answered requests: the third pays
# the delay
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$col["status"] == "ok" { k = $col["agent"]; s[k] += $col["end_s"] - $col["start_s"] - $col["exec_s"]; n[k]++ }
	END { for (k in n) printf "agent %s: %d requests, mean overhead %.4f s\n", k, n[k], s[k] / n[k] }' \
	"$W/coord/attempts.csv" | sort > "$W/overhead.txt"
cat "$W/coord.txt" "$W/overhead.txt"
if [ $netem = 1 ]; then
	awk '{ o[$2 + 0] = $7 } END { exit !(2 in o && 0 in o && o[2] > o[0] + 0.05) }' "$W/overhead.txt" ||
		fail "the delayed agent's overhead is not above the others'"
else
	awk '{ o[$2 + 0] = $7 } END { d = o[2] - (o[0] + o[1]) / 2 - 0.060
		exit !(2 in o && 1 in o && 0 in o && d > -0.025 && d < 0.025) }' "$W/overhead.txt" ||
		fail "the emulated link's overhead is not the others' + 60 ms (within 25 ms)"
fi
echo "multihost: passed"
