#!/bin/bash
# real/agent/soak.sh HETSIM REQUESTS TASKS — `make soak-agent`
# (real/agent/module.mk). Needs bash (its /dev/tcp) and nothing else.
set -u
bin=$1 requests=$2 tasks=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/hetsim-soak.XXXXXX")
trap 'kill $pids 2>/dev/null; rm -rf "$dir"' EXIT
mkdir -p "$dir/work"
echo x >"$dir/work/input.txt"
token=soak-token-0123456789abcdef
pids="" ports=""
for i in 1 2 3; do
	type=small slots=1
	[ $i = 3 ] && type=large slots=2
	printf '{"machine_type": "%s", "token": "%s", "workdir": "work", "port": 0, "slots": %d, "max_body_bytes": 4096}\n' \
		$type $token $slots >"$dir/a$i.json"
	"$bin" agent --config "$dir/a$i.json" >"$dir/a$i.out" 2>"$dir/a$i.err" &
	pids="$pids $!"
done
sleep 1
for i in 1 2 3; do
	p=$(sed -n 's/.*:\([0-9]*\) (.*/\1/p' "$dir/a$i.out")
	[ -n "$p" ] || { echo "soak: agent $i did not start: $(cat "$dir/a$i.err")"; exit 1; }
	ports="$ports $p"
done
set -- $ports
# one raw request; prints the status code (000: none)
req() { # port text
	exec 3<>/dev/tcp/127.0.0.1/$1 || { echo 000; return; }
	printf '%b' "$2" >&3
	timeout 10 head -c 12 <&3 | sed -n 's/^HTTP\/1\.[01] \([0-9]*\).*/\1/p'
	exec 3<&- 3>&-
}
auth="Authorization: Bearer $token\r\n"
bodies=('{"kind":' '[]' '{"kind":"shell"}' '{"kind":"sleep","seconds":-1}'
	'{"kind":"transcode","input":"../../etc/passwd","outputs":["codec=vp9"]}'
	'{"kind":"sleep","seconds":0.01}' '{"kind":"burn","seconds":0.01}'
	'{"kind":"sleep","seconds":5,"timeout_s":0.05}' '\x00\xff\xfe{')
bad=0
for ((k = 0; k < requests; k++)); do
	p=$(echo $ports | cut -d' ' -f$((k % 3 + 1)))
	b=${bodies[$((k % ${#bodies[@]}))]}
	blen=$(printf '%b' "$b" | wc -c)
	case $((k % 7)) in
	0) text="GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" ;;
	1) text="POST /task HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n${auth}Connection: close\r\n\r\n" ;;
	2) text="POST /task HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n${auth}\r\n{\"kind\"" ;; # truncated
	3) text="GARBAGE\r\n\r\n" ;;
	*) text="POST /task HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: $blen\r\nConnection: close\r\n\r\n$b" ;;
	esac
	if [ $((k % 7)) = 2 ]; then # send half a request and hang up
		exec 3<>/dev/tcp/127.0.0.1/$p && printf '%b' "$text" >&3
		exec 3<&- 3>&-
		continue
	fi
	code=$(req "$p" "$text")
	case $code in 200 | 400 | 401 | 413 | 429 | "") ;; *) bad=$((bad + 1)) ;; esac
done
for i in 1 2 3; do
	p=$(echo $ports | cut -d' ' -f$i)
	c=$(req "$p" "GET /health HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n")
	[ "$c" = 200 ] || { echo "soak: agent $i no longer answers /health ($c)"; exit 1; }
done
echo "soak: $requests requests, $bad unexpected answers; agents up"
printf '{"agents": [{"url": "http://127.0.0.1:%s", "token": "%s"}, {"url": "http://127.0.0.1:%s", "token": "%s"}, {"url": "http://127.0.0.1:%s", "token": "%s"}], "tasks": {"short": {"kind": "sleep", "seconds": "exec"}, "long": {"kind": "burn", "seconds": "exec"}}}\n' \
	$1 $token $2 $token $3 $token >"$dir/agents.json"
here=$(cd "$(dirname "$0")/../.." && pwd)
"$bin" coordinator "$here/experiments/agents/experiment.json" --agents "$dir/agents.json" \
	--out "$dir/out" --tasks "$tasks" || exit 1
status=0
for pid in $pids; do
	kill -TERM "$pid"
	wait "$pid" || { echo "soak: agent $pid exited with status $?"; status=1; }
done
pids=""
for i in 1 2 3; do
	[ -s "$dir/a$i.err" ] && { echo "soak: agent $i stderr:"; cat "$dir/a$i.err"; status=1; }
done
[ $bad = 0 ] || status=1
[ $status = 0 ] && echo "soak: passed"
exit $status
