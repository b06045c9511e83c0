/*
 * real/agent/agent.h — `hetsim agent`: a small HTTP/JSON server (libevent
 * evhttp) that runs whitelisted tasks on this machine and says how long
 * they took, so that `hetsim coordinator` (real/agent/coord.h) can drive
 * an experiment's workload against real machines.
 *
 * Config (agent.json; paths relative to the file):
 *   {"machine_type": "t2.large",   what this machine is (required): the
 *                                  coordinator maps it to the profile's
 *                                  machine type of that name
 *    "token": "16-254 visible ASCII chars" or "token_file": "secret.txt"
 *                                  (one required; its first line)
 *    "workdir": "work",            the only directory task paths may name
 *                                  (required, must exist)
 *    "listen": "127.0.0.1",        numeric IPv4/IPv6 address (default
 *                                  loopback); any other than 127.0.0.0/8 or
 *                                  ::1 needs "tls", else the agent refuses
 *                                  to start
 *    "port": 8470,                 0: an ephemeral port
 *    "slots": 1,                   tasks run at once (1..256)
 *    "max_body_bytes": 65536,      larger request bodies get 413
 *    "task_timeout_s": 300,        the longest a task may run; a request
 *                                  may ask less ("timeout_s")
 *    "kinds": ["sleep", "burn", "transcode", "infer"],   allowed (default
 *                                  all)
 *    "ffmpeg": "/usr/bin/ffmpeg",  default $HETSIM_FFMPEG or PATH
 *    "tls": {"cert": "cert.pem", "key": "key.pem"}}   PEM files: HTTPS
 *                                  (libevent's OpenSSL bufferevents, TLS
 *                                  1.2 or later)
 *
 * HTTP (every request needs "Authorization: Bearer TOKEN", compared in
 * constant time; else 401):
 *   POST /task   a JSON body, one task (below). 200 with its result
 *                {"status": "ok"|"failed"|"timeout", "kind", "id",
 *                 "wall_s", "cpu_s", "exit_code", "signal", "detail",
 *                 "machine_type"} when it ran (a task that failed or ran
 *                out of time is a result, not an HTTP error); 400
 *                {"error": "..."} for malformed JSON, an unknown or
 *                disallowed kind, a bad parameter or a path outside the
 *                work directory; 413 for a body over max_body_bytes; 429
 *                (Retry-After: 1) when every slot is busy: the agent keeps
 *                no queue, the coordinator does.
 *   GET /health  200 {"status": "ok", "machine_type", "slots", "busy",
 *                "uptime_s", "machine": {"cpu_model", "cores", "mem_bytes",
 *                "gpu"}}
 *   GET /metrics Prometheus text format (version 0.0.4): requests by code,
 *                tasks by kind and status, wall and CPU seconds by kind,
 *                busy slots, slots, uptime
 *   Other paths 404, other methods 405.
 *
 * Tasks (the body's members; unknown members are a 400):
 *   {"kind": "sleep", "seconds": 0.2}    sleep (0 <= seconds <= 86400)
 *   {"kind": "burn", "seconds": 0.2}     spin on the CPU for that much CPU
 *                                        time
 *   {"kind": "transcode", "input": "segments/seg_0001.mp4",
 *    "outputs": ["bitrate=768k", "framerate=24;resolution=640x360"]}
 *        one ffmpeg run (real/transcode.h) on a file inside the work
 *        directory: one output per string (several: a merged run), each
 *        with its operation(s); outputs are written to the work
 *        directory's .agent-out/ and removed once measured (detail: bytes)
 *   {"kind": "infer", "model": "firenet", "batch": 1, "threads": 1,
 *    "runs": 1, "seed": 1}
 *        forward passes of a zoo model (real/nn/zoo.h) on oneDNN with
 *        random weights (detail: the mean forward time)
 *   Every task may add "id" (1-64 characters of [A-Za-z0-9._:-], echoed)
 *   and "timeout_s" (> 0, at most task_timeout_s).
 *
 * Paths: relative, no ".." component, no empty component, resolved with
 * realpath and refused unless the result is inside the work directory (a
 * symbolic link that leads out is refused too).
 *
 * Each task runs in a child process of its own (fork; its own process
 * group; it dies with the agent): a crash or a hang of the task never
 * takes the agent down. At its timeout the whole group is killed. Wall
 * time runs from fork to reap; CPU time is the child's and its waited-for
 * descendants' (ffmpeg's) user + system time from wait4. When the client
 * closes its connection before the answer, the task is killed. No shell
 * is ever used.
 */
#ifndef HETSIM_REAL_AGENT_AGENT_H
#define HETSIM_REAL_AGENT_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include "sim/io/io.h"

enum {
	REAL_AGENT_MAX_SLOTS = 256,
	REAL_AGENT_MAX_ID = 64,
	REAL_AGENT_MAX_PATH = 1024,
	REAL_AGENT_MAX_MODEL = 32,
	REAL_AGENT_MAX_OUTPUTS = 16,
	REAL_AGENT_MAX_OPS_TEXT = 256,
};

typedef enum real_agent_kind {
	REAL_AGENT_SLEEP,
	REAL_AGENT_BURN,
	REAL_AGENT_TRANSCODE,
	REAL_AGENT_INFER,
	REAL_AGENT_KINDS
} real_agent_kind;

/* "sleep", "burn", "transcode", "infer". */
const char *real_agent_kind_name(real_agent_kind k);

/* A token's longest length (real_agent_token_bad). */
#define REAL_AGENT_MAX_TOKEN 254

typedef struct real_agent_config {
	char machine_type[128];
	char token[REAL_AGENT_MAX_TOKEN + 2]; /* + 1: a longer one is seen */
	char workdir[REAL_AGENT_MAX_PATH]; /* realpath'd */
	char listen[64];
	int port;
	int slots;
	size_t max_body_bytes;
	double task_timeout_s;
	unsigned kinds; /* bit k: kind k allowed */
	char ffmpeg[REAL_AGENT_MAX_PATH];  /* "" = default */
	char tls_cert[REAL_AGENT_MAX_PATH], tls_key[REAL_AGENT_MAX_PATH];
	int tls;
	/* An emulated slow or lossy link, for tests where tc netem is not
	 * available (never from the config file: `hetsim agent
	 * --emulate-delay MS --emulate-loss P --emulate-seed N`): every
	 * answer is sent delay_s after it is ready (a task's wall time does
	 * not include it, as it would not include a network's delay); each
	 * request is dropped with probability loss (its connection shut
	 * without an answer, before any task runs), drawn from a generator
	 * seeded with seed, in the order the requests arrive. */
	double emulate_delay_s, emulate_loss;
	uint64_t emulate_seed;
} real_agent_config;

/* Defaults, for tests and for real_agent_config_load. */
void real_agent_config_defaults(real_agent_config *c);
/* Read agent.json. IO_EINPUT naming the file and line for a bad value, a
 * missing work directory, a short token, or a non-loopback address
 * without "tls". */
int real_agent_config_load(real_agent_config *c, const char *path,
			   io_err *err);
/* 1 when text is a numeric loopback address (127.0.0.0/8, ::1). */
int real_agent_is_loopback(const char *text);

/* A validated task. */
typedef struct real_agent_task {
	real_agent_kind kind;
	char id[REAL_AGENT_MAX_ID + 1];
	double timeout_s;
	double seconds;                       /* sleep, burn */
	char input[REAL_AGENT_MAX_PATH];      /* transcode: realpath'd */
	char outputs[REAL_AGENT_MAX_OUTPUTS][REAL_AGENT_MAX_OPS_TEXT];
	int n_outputs;
	char model[REAL_AGENT_MAX_MODEL + 1]; /* infer */
	int64_t batch;
	int threads, runs;
	uint64_t seed;
} real_agent_task;

/* Parse and validate a request body (len bytes, need not be NUL-ended)
 * against the config: IO_EINPUT with a message for the client on any
 * problem. */
int real_agent_task_parse(const real_agent_config *c, const char *body,
			  size_t len, real_agent_task *t, io_err *err);

/* Resolve rel (relative, no "..") inside dir (a realpath): 0 and the real
 * path in out when the file exists inside dir; IO_EINPUT otherwise. */
int real_agent_confine(const char *dir, const char *rel, char *out,
		       size_t cap, io_err *err);

/* Run a task in this process (the agent calls it in the forked child):
 * 0 when it succeeded, -1 when it failed; what it measured or why it
 * failed as one JSON object text in detail (at most cap bytes). */
int real_agent_task_exec(const real_agent_config *c, const real_agent_task *t,
			 char *detail, size_t cap);

/* Constant-time comparison of a presented token with the expected one
 * (time depends only on the expected token's length): 1 when equal. */
int real_agent_token_ok(const char *expected, const char *given);

/* Can t be a token, an agent's and its clients' alike: 16-254 visible
 * ASCII characters (it travels in an HTTP header: no space, no control
 * character). NULL when it can, else why not (a static string). */
const char *real_agent_token_bad(const char *t);

/* Facts of this machine, as a JSON object {"cpu_model", "cores",
 * "mem_bytes", "gpu"} (gpu: the NVIDIA model names from
 * /proc/driver/nvidia/gpus/ or nvidia-smi, null when none). New reference. */
json_t *real_agent_machine_facts(void);

/* Serve until SIGINT or SIGTERM: the port it listens on is printed as one
 * line "hetsim agent: listening on ADDR:PORT" on stdout (flushed) first.
 * Returns 0 after a clean stop, IO_EINPUT when it cannot bind or load the
 * TLS files, IO_EIO on other system errors. */
int real_agent_serve(const real_agent_config *c, io_err *err);

#endif
