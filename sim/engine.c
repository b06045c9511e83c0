/*
 * sim/engine.c — the event loop of one run.
 *
 * Two kinds of events: an arrival (the workload's next task; exactly one is
 * pending at a time, so arrivals are generated lazily) and a completion.
 * Arrival -> policy decision -> start on a free slot, or the machine's local
 * queue, or the mapper's FIFO wait queue (or rejection) -> completion ->
 * metrics and the task row -> the machine takes its next queued task and the
 * mapper offers waiting tasks again. Tasks live in a pool recycled through a
 * free list, so memory follows the tasks in flight, not those finished.
 * A straight run (independent tasks, no merging, serving, batch mapping,
 * per-task times, deadline rule, drops in queues or rank correlation of
 * the times below 1: engine.straight) runs
 * its own instance of the loop (run_loop_as), compiled without the tests
 * of what it lacks; both instances make the same schedule.
 *
 * Workflows (x->wf, "workflows" below) run through the same loop, heap,
 * machines, slots, policies and statistics: independent tasks are the DAG
 * without edges. A job becomes a task when it reaches the mapper, after
 * the phases its WMS model gives it; the few extra events (phases, the
 * network's flows) have kinds of their own, and the task path pays one
 * unlikely branch on e->wf where a job differs (start, end). A job's
 * state is a record recycled like the tasks, live from its first event to
 * its end (wf_job_open): 24 bytes per job and 12 per input stay for the
 * whole run. sim/dag.h's sim_dag_run is a front of the same kernel.
 */
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* slot_least */
#endif
#include "sim/dag.h"
#include "sim/engine.h"
#include "sim/exp_model.h"
#include "sim/heap.h"
#include "sim/net.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/stats.h"
#include "policies/prune.h"
#include "workloads/workload.h"
#include "sim/base/clock.h"
#include "sim/base/mem.h"
#include "sim/base/thread.h"

/* EV_ABORT: a task that would run past its deadline with drop.while_running
 * set ends at its deadline instead (the engine knows the drawn time, so no
 * separate deadline event is needed). */
enum { EV_ARRIVAL = 1, EV_DONE = 2, EV_ABORT = 3,
       /* workflows (see "workflows" below); the network's from EV_NET */
       EV_WF_SUBMIT = 4, EV_WF_QUEUED = 5, EV_WF_STAGE = 6, EV_WF_POST = 7,
       EV_WF_LOSS = 8, EV_NET = 16 };
/* OUT_EVICTED: a dropped task's row when it was evicted (DROP_EVICTED) */
enum outcome { OUT_COMPLETED, OUT_MISSED, OUT_DROPPED, OUT_EVICTED };
enum drop_reason {
	DROP_QUEUE_FULL, /* no machine accepted it and queue.when_full = reject */
	DROP_MAPPING,    /* deadline passed while waiting to be mapped */
	DROP_QUEUE,      /* deadline passed in a machine's queue */
	DROP_RUNNING,    /* deadline passed while running */
	DROP_POLICY,     /* the policy dropped it (e.g. drop_infeasible) */
	DROP_PRUNED,     /* chance to meet the deadline below the threshold */
	DROP_UNMAPPED,   /* still waiting to be mapped when the run ended */
	DROP_EVICTED,    /* evicted from a machine's queue (sim_evict_onto) */
	DROP_REASONS
};
static const char *const drop_names[DROP_REASONS] = {
	"queue_full", "mapping", "queue", "running", "policy", "pruned",
	"unmapped", "evicted"};

typedef struct task {
	/* what an immediate policy sees of it (choose): its fields, by their
	 * names, are the task's own (the layout is checked below) */
	union {
		sim_task_view view;
		struct {
			uint64_t id;
			uint32_t type;
			double arrival_s, deadline_s;
			double size; /* work: its time is size x the unit draw */
			/* [machine types] what policies expect it to take on
			 * each: the type's row of the ETC matrix unless its
			 * size, or clairvoyance, makes it its own (then in
			 * store) */
			const double *etc;
		};
	};
	double start_s, expected_s;
	union {
		double exec_s;
		/* before its start, in a straight run where its type is
		 * lognormal on every machine type (engine.type_z): the
		 * normal quantile of its uniform, drawn at its arrival
		 * (plain_exec_time) */
		double z;
	};
	const double *replay; /* [machine types] replayed times (NAN: draw
				 from the model), or NULL: none */
	double *store; /* room for its own etc and replay (2 x machine types
			  doubles), NULL when the run needs none */
	uint32_t machine, slot;
	struct task *next; /* queue link, member link, or free-list link */
	/* Merging (policies/merge.h): a queued task may lead a run that also
	 * serves the requests in members (linked through next); expected_s
	 * and, once started, exec_s are then the whole run's. */
	uint32_t key;	  /* input it works on, WL_NO_KEY if none */
	uint32_t n_group; /* requests its run serves (1 + members) */
	uint32_t job;	  /* workflow job index (workflow runs only) */
	uint8_t started;  /* ran (or runs) on a machine: its row has start
			     and end */
	uint8_t member;	  /* served by another task's run */
	struct task *members;
} task;
/* Two cache lines, the pool's tasks aligned on them (task_pool_grow): a
 * task touched after a long wait (a job queued behind thousands) costs
 * two misses, not three. */
_Static_assert(sizeof(task) == 128, "a task is two cache lines");

#define TASK_AS_VIEW(f)                                                        \
	_Static_assert(offsetof(task, f) == offsetof(sim_task_view, f) &&      \
			       sizeof(((task *)0)->f) ==                       \
				       sizeof(((sim_task_view *)0)->f),        \
		       "task." #f " is sim_task_view." #f)
TASK_AS_VIEW(id);
TASK_AS_VIEW(type);
TASK_AS_VIEW(arrival_s);
TASK_AS_VIEW(deadline_s);
TASK_AS_VIEW(size);
TASK_AS_VIEW(etc);
_Static_assert(sizeof(sim_task_view) == offsetof(task, etc) + sizeof(double *),
	       "sim_task_view has no field the task lacks");

typedef struct machine {
	task *head, *tail; /* local FIFO queue */
	double *run_end;   /* writable aliases of the view's per-slot arrays */
	double *run_start;
	uint32_t *run_type;
	double *run_deadline;
	uint32_t slot0;    /* index of its first slot among all machines' */
	double busy_slot_s;
	uint64_t completed;
	uint32_t last_type1; /* "serving" mix: type of its last request + 1,
				0: none yet */
} machine;

/* A task type's counts (its arrivals: engine.type_arrived, which
 * policies see) */
typedef struct type_stats {
	uint64_t completed, dropped, missed;
	sim_stat response;
} type_stats;

#define POOL_CHUNK 4096

/* What a job keeps for the whole run, side by side: the steps that read
 * one of these read the others soon after (a parent's end counts a child
 * down, which then opens its record, takes its type and inputs, and is
 * mapped; a job's post end reads its children), one cache line where six
 * arrays (three of them the DAG's) took six. in0 and ch0 copy the DAG's
 * in_off and child_off: job j's inputs are [in0, wf_js[j + 1].in0), its
 * children [ch0, wf_js[j + 1].ch0) (an entry more, for the last job). */
typedef struct wf_js {
	uint32_t machine; /* where its output is read: set when it is mapped
			     (or planned by heft) */
	uint32_t rec;     /* its live record + 1 (0: none) */
	uint32_t left;    /* DAG jobs: parents not ended yet */
	uint32_t type;    /* its task type (wf_type) */
	uint32_t in0, ch0; /* DAG jobs: its first input, child */
} wf_js;

/* A DAG job's input (in the DAG's in_off / in_file order), what the run
 * reads of it side by side: the job's inputs on one or two cache lines,
 * where the file's size and producer took two reads each, elsewhere.
 * Packed: 12 bytes, not 16 (an unaligned load of bytes costs nothing on
 * the machines this runs on; no member's address is taken). */
typedef struct __attribute__((packed)) wf_input {
	double bytes;
	uint32_t producer; /* job, or WL_NONE: an initial input */
} wf_input;
_Static_assert(sizeof(wf_input) == 12, "an input takes 12 bytes");

/* heft: a file a DAG job pushes at its end, to one reader (wf_push). */
typedef struct __attribute__((packed)) wf_push {
	double bytes;
	uint32_t reader;
} wf_push;
_Static_assert(sizeof(wf_push) == 12, "a push takes 12 bytes");

typedef struct engine {
	const sim_experiment *x;
	const prof_profile *prof;
	uint64_t seed;
	uint64_t task_key; /* sim_task_key(seed) */
	double rho;
	sim_heap heap;
	sim_view view;
	sim_machine_view *mviews;
	sim_ready *ready; /* [machines], the view's (ready_refresh) */
	double *run_end, *run_start, *run_deadline; /* all machines' slots */
	uint32_t *run_type;
	double *etc;
	uint8_t *type_used; /* [machine types] present in the experiment */
	/* [task types] lognormal on every machine type present, in a
	 * straight run: a task's z is drawn at its arrival, where it costs
	 * no wait (the mapping does not need it, and runs beside it), its
	 * start then needs only the exp; else NULL */
	uint8_t *type_z;
	uint64_t *type_arrived, *type_on_time, *type_failed;
	uint64_t dropped_by[DROP_REASONS];
	/* batch mode scratch, grown as needed */
	sim_task_view *batch;
	task **batch_tasks;
	sim_decision *decisions;
	uint32_t *batch_index; /* batch[i] is batch_tasks[batch_index[i]] */
	size_t batch_cap;
	pol_prune *pruner;
	machine *machines;
	const sim_policy *policy;
	void *pstate;
	int pinit;
	wl_source *src;
	wl_task pending;
	int has_pending;
	int offer_full; /* batch: call the policy even when nothing has room
			   (sim_policy.sees_full) */
	/* A task's start needs only its draw and its end event: no workflow,
	 * serving, merging, clairvoyance, per-task times (size, replay) or
	 * abort at the deadline; start_task then skips their tests. */
	int plain_start;
	/* A task reaching the mapper needs only the policy's decision: no
	 * merging, batch mapping, drop at mapping or pruning. */
	int plain_admit;
	/* Every task type can run on every machine type present (no
	 * INFINITY in their rows of the ETC matrix): decide_place need not
	 * look. */
	int runs_anywhere;
	/* A plain start's draw cannot leave [0, SIM_MAX_TIME_S] (the models'
	 * bounds, prof_model_bounds, say so): it is not checked. */
	int draws_in_range;
	/* A straight run: independent tasks only (no workflow), plain_start
	 * and plain_admit, no deadlines of the run's own rule, nothing
	 * dropped in a queue, rho >= 1: the event loop is the instance of
	 * run_loop_as compiled with these known (straight = 1), without
	 * their tests. */
	int straight;
	int one_slot; /* every machine has one slot */
	/* A straight run with few slots in all (SLOTTED_MAX) keeps its
	 * events (each busy slot's task end) by slot, not in the heap (see
	 * slot_push): their ends (INFINITY: idle; padded with INFINITY to a
	 * multiple of 8), the sequence numbers the heap would have given
	 * them, their tasks, and the earliest (next_end INFINITY: none) */
	int slotted;
	uint32_t slots_total, n_slot_ev;
	double *slot_end;
	uint64_t *slot_seq;
	task **slot_task;
	double next_end;
	uint32_t next_slot;
	/* The next arrival is kept out of the heap (one pending at a time):
	 * its time and the insertion number a push would have given it, so
	 * that events pop in exactly the heap's (time, seq) order. */
	double arrival_at;
	uint64_t arrival_seq;
	/* task pool; with task_doubles > 0 each task has that many doubles of
	 * its own (task_times) after its chunk's tasks */
	uint32_t task_doubles;
	task *free_tasks;
	task **chunks;
	size_t n_chunks, cap_chunks;
	/* mapper wait queue */
	task *wait_head, *wait_tail;
	uint64_t waiting;
	uint64_t serving_draws; /* "serving" "queue": "random" picks so far */
	/* "serving" "retry": the picked task and the idle time it adds */
	const struct task *retry_task;
	double retry_idle_s;
	const sim_serving *serving; /* x->serving: NULL when off */
	double serving_last_s; /* with serving: the latest response */
	/* metrics */
	uint64_t in_system, peak_in_system, events;
	double area_in_system; /* up to view.now, the last event's time */
	type_stats *types;
	/* the run's response times: while it runs only their sum (in the
	 * order they end), the rest kept by each type's (type_stats) and
	 * added in when it ends (merge_response) */
	sim_stat response;
	sim_stat wait;
	uint64_t arrived, completed, dropped, missed;
	double last_done_s;
	sim_gzout *csv;
	uint8_t *name_len; /* of the type names in tasks.csv.gz rows */
	/* merging: the queued task each input's requests may join (NULL:
	 * none), scratch for the adaptive test, and the counts */
	task **leader_of;
	uint32_t n_keys;
	pol_queued *mq;
	double *mscratch;
	size_t mq_cap;
	uint64_t merged;
	double saved_s;
	char label[64];
	io_err *err;
	/* workflow runs (x->wf): per-job state, the network, heft's plan */
	const exp_workflow *wf;
	/* per job for the whole run (wf_js, 24 B; wf_in, 12 B per input:
	 * what the run reads of the DAG, side by side). The rest of a job's
	 * state lives in a record (struct wjob) from the job's first event
	 * to its post end only: records come in chunks of WF_REC_CHUNK,
	 * recycled through a free list, so they follow the jobs in flight,
	 * not the DAG's size. */
	wf_js *wf_js; /* [job] */
	wf_input *wf_in; /* [DAG input edge] */
	struct wjob **wf_rec_chunks;
	uint32_t wf_n_rec_chunks, wf_cap_rec_chunks, wf_rec_free;
	uint64_t wf_rec_live, wf_rec_peak; /* records live now, at most */
	int wf_rows; /* jobs.csv.gz: records keep all WT_N times */
	uint32_t wf_n_dag, wf_n_first, wf_first_left, wf_n_jobs;
	/* after_sinks aux jobs: n of them, how many are not done, and per
	 * job the sinks of its share not done; per DAG job, the share its
	 * sink belongs to (WF_NONE: not a sink) */
	uint32_t wf_n_after, wf_after_left, wf_n_sinks;
	uint8_t wf_phase_on[WMS_PHASES]; /* the WMS model has the phase */
	/* steps that take no time in this run (wf_setup): a job goes from
	 * ready to the mapper, from its start to its stage-in, from its end
	 * to its post end in the same call, without wf_after's round trip */
	uint8_t wf_direct_ready, wf_direct_start, wf_direct_post;
	uint32_t *wf_group_left, *wf_sink_group;
	uint32_t *wf_aux_of; /* [aux jobs] index in the WMS model's aux_jobs */
	/* per_machine aux jobs: kinds, how many ran, and per machine when its
	 * ones end (NAN: none ran yet); job wf_n_jobs + k nm + m is kind k's
	 * on machine m */
	uint32_t wf_n_pm, wf_pm_used;
	double *wf_pm_end;
	uint64_t wf_done, wf_dag_done, wf_transfers, wf_local_reads;
	uint32_t wf_running, wf_hold_head, wf_hold_tail;
	/* the submit host's dispatch servers: when each is free next */
	double *wf_submit_free;
	uint32_t wf_submit_slots;
	uint32_t wf_storage; /* its network node, or none */
	sim_net *net;
	double *wf_inv_up, *wf_inv_down;
	/* every machine's downlink is the same (wf_down_same): a file from
	 * a node takes as long to any machine but its own, so eft and heft
	 * time each input once per job, not once per candidate machine */
	int wf_down_same;
	double *wf_bytes_up, *wf_bytes_down; /* [nodes] bytes sent / received */
	double *wf_compute_s; /* [machines] job-seconds of computation */
	uint32_t *wf_src_stamp, *wf_src_pos, *wf_src_list, wf_stamp;
	/* with anomalies: per machine, the staged stage-ins opened there, a
	 * list through wjob.stage_next (WF_NONE ends it; NULL until the
	 * first): wf_anomaly_stage counts the open ones */
	uint32_t *wf_stage_head;
	double *wf_src_bytes;
	double *wf_fin; /* wf_eft_pick's finishes per machine, padded with NaN
			   to a multiple of four (fin_least) */
	uint32_t *wf_plan, *wf_plan_off, *wf_plan_at;
	/* heft: what each DAG job pushes at its end, one entry per reader of
	 * each of its files (in out_file, then cons order), job j's
	 * wf_push[wf_push_off[j] .. wf_push_off[j + 1]) side by side: its
	 * end reads them there, where the DAG's lists take four reads one
	 * after the other (out_off, out_file, cons_off, cons) and a fifth
	 * for the size */
	uint32_t *wf_push_off;
	wf_push *wf_push;
	/* heft: bit j set where DAG job j reads an initial file (from
	 * storage), the only inputs it fetches itself: the others' entries
	 * in wf_in are not looked at */
	uint64_t *wf_stored;
	/* Each DAG job's normal quantile of its uniform (prof_normal_z),
	 * worked out ahead on a second processor (wf_z_run) where draws are
	 * lognormal, else NULL: jobs [0, wf_z_done) have theirs. Task type
	 * tt's jobs take theirs where wf_z_type[tt] (lognormal on every
	 * machine type present). Under heft, each job's whole draw on its
	 * planned machine instead (wf_z_whole). */
	double *wf_z;
	uint8_t *wf_z_type;
	atomic_uint wf_z_done;
	atomic_int wf_z_stop;
	sim_bg wf_z_bg; /* running where wf_z is set */
	/* heft under max_running: each job's place in wf_plan, and per machine
	 * the place of the next job to submit */
	uint32_t *wf_plan_pos, *wf_plan_sub;
	/* sim_dag_run's callback at each job's end, or NULL */
	void (*on_job)(void *ctx, const sim_dag_job_row *row);
	void *on_job_ctx;
	/* loss anomalies: their window edges in time order (2 a = start of
	 * anomaly a, 2 a + 1 its end), the next to apply, its event */
	uint32_t *wf_loss_edge, wf_n_loss_edges, wf_loss_next;
	/* per machine at the last edge: loss, flow cap (bytes/s), Mathis
	 * model?; the network's MSS as set (wf_loss_apply) */
	double *wf_loss_p, *wf_loss_cap, wf_loss_mss;
	uint8_t *wf_loss_mathis;
	sim_handle wf_loss_ev;
} engine;

/* The workflow hooks of the task path (defined under "workflows"): kept
 * out of line, behind one unlikely branch each, so that independent tasks
 * pay a test of e->wf and nothing else. */
#define WF_HOOK __attribute__((noinline))
#define HOT_INLINE inline __attribute__((always_inline))
static WF_HOOK int wf_start(engine *e, task *t);
static WF_HOOK int wf_end(engine *e, uint32_t j);
static WF_HOOK int wf_event(engine *e, uint32_t kind, void *data);

/* One more chunk of tasks on the free list; -1 out of memory. */
static __attribute__((noinline)) int task_pool_grow(engine *e)
{
	if (e->n_chunks == e->cap_chunks) {
		size_t cap = e->cap_chunks ? 2 * e->cap_chunks : 16;
		task **c = realloc(e->chunks, cap * sizeof *c);
		if (!c)
			return -1;
		e->chunks = c;
		e->cap_chunks = cap;
	}
	size_t own = (size_t)e->task_doubles * sizeof(double);
	size_t bytes = POOL_CHUNK * (sizeof(task) + own);
	task *chunk = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	if (!chunk)
		return -1;
	sim_prefault(chunk, bytes); /* see mem.h */
	e->chunks[e->n_chunks++] = chunk;
	double *store = (double *)(void *)(chunk + POOL_CHUNK);
	for (size_t i = 0; i < POOL_CHUNK; i++) {
		chunk[i].store = own ? store + i * e->task_doubles : NULL;
		chunk[i].next = e->free_tasks;
		e->free_tasks = &chunk[i];
	}
	return 0;
}

static inline task *task_alloc(engine *e)
{
	if (!e->free_tasks && task_pool_grow(e))
		return NULL;
	task *t = e->free_tasks;
	e->free_tasks = t->next;
	return t;
}

static inline void task_free(engine *e, task *t)
{
	t->next = e->free_tasks;
	e->free_tasks = t;
}

/* Energy above idle that task t drew while it ran until end_s: the
 * engine's power model is linear in the busy slots. */
static inline double task_energy_j(const engine *e, const task *t, double end_s)
{
	const sim_machine_view *mv = &e->mviews[t->machine];
	const prof_machine_type *mt = &e->prof->machines[mv->type];
	return (mt->busy_w - mt->idle_w) / mv->slots * (end_s - t->start_s);
}

/* One row of tasks.csv.gz:
 * id,task_type,arrival_s,start_s,end_s,deadline_s,machine,machine_type,outcome,
 * energy_j (power above idle while it ran: (busy_w - idle_w) / slots) */
#define NAME_MAX_BYTES 200 /* task / machine type names are cut here */
/* bounded whatever the values: 2 integers, 2 names, 5 times, the outcome
 * and 10 separators */
#define ROW_MAX_BYTES                                                          \
	(2 * SIM_FMT_U64_MAX + 2 * NAME_MAX_BYTES + 5 * SIM_FMT_TIME_MAX + 16 + \
	 10)

/* The lengths of the task and machine type names as written in rows
 * (cut at NAME_MAX_BYTES), measured once: e->name_len[type] for task
 * types, e->name_len[n_tasks + type] for machine types. */
static int row_names_init(engine *e, io_err *err)
{
	const prof_profile *p = e->prof;
	size_t n = (size_t)p->n_tasks + p->n_machines;
	e->name_len = malloc(n ? n : 1);
	if (!e->name_len)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *name = i < p->n_tasks
					   ? p->tasks[i].name
					   : p->machines[i - p->n_tasks].name;
		size_t len = strlen(name);
		e->name_len[i] =
			(uint8_t)(len > NAME_MAX_BYTES ? NAME_MAX_BYTES : len);
	}
	return 0;
}

_Static_assert(NAME_MAX_BYTES <= UINT8_MAX, "name_len holds the lengths");

static size_t put_name(char *at, const char *name, size_t len)
{
	memcpy(at, name, len);
	at[len] = ',';
	return len + 1;
}

/* Formatted straight into the output block when it has room for any row
 * (else into row and copied, so that blocks still end to the byte). */
static void write_row(engine *e, const task *t, double end_s,
		      enum outcome outcome)
{
	/* copied whole (16 bytes, within ROW_MAX_BYTES), counted by length */
	static const char outcomes[][16] = {"completed,", "missed,",
					    "dropped,", "evicted,"};
	static const uint8_t outcome_len[] = {10, 7, 8, 8};
	char spill[ROW_MAX_BYTES];
	char *in_block = sim_gzout_room(e->csv, ROW_MAX_BYTES);
	char *row = in_block ? in_block : spill;
	const prof_profile *p = e->prof;
	size_t n = sim_fmt_u64(row, t->id);
	row[n++] = ',';
	n += put_name(row + n, p->tasks[t->type].name, e->name_len[t->type]);
	n += sim_fmt_time(row + n, t->arrival_s);
	row[n++] = ',';
	int started = t->started;
	if (started)
		n += sim_fmt_time(row + n, t->start_s);
	row[n++] = ',';
	if (started)
		n += sim_fmt_time(row + n, end_s);
	row[n++] = ',';
	if (isfinite(t->deadline_s))
		n += sim_fmt_time(row + n, t->deadline_s);
	row[n++] = ',';
	if (started) {
		n += sim_fmt_u64(row + n, t->machine);
		row[n++] = ',';
		uint32_t mt = e->mviews[t->machine].type;
		n += put_name(row + n, p->machines[mt].name,
			      e->name_len[p->n_tasks + mt]);
	} else {
		memcpy(row + n, ",,", 2);
		n += 2;
	}
	memcpy(row + n, outcomes[outcome], sizeof outcomes[0]);
	n += outcome_len[outcome];
	if (started) /* a merged request's energy is in its run's row */
		n += sim_fmt_time(row + n,
				  t->member ? 0.0 : task_energy_j(e, t, end_s));
	row[n++] = '\n';
	if (in_block)
		sim_gzout_commit(e->csv, n);
	else
		sim_gzout_write(e->csv, spill, n);
}

/* Bring e->ready[m] (sim_ready in policies/policy.h) up to date after
 * machine m changed. */
static HOT_INLINE void ready_refresh(engine *e, uint32_t m)
{
	const sim_machine_view *mv = &e->mviews[m];
	sim_ready *r = &e->ready[m];
	r->backlog_s = 0.0;
	if (mv->busy < mv->slots) {
		r->from_s = -INFINITY;
		return;
	}
	if (mv->queued >= mv->queue_cap) {
		r->from_s = INFINITY;
		return;
	}
	double first_end = mv->run_end_s[0];
	if (e->one_slot) { /* x / 1 is x: the same values without the divide */
		r->from_s = first_end;
		r->backlog_s = mv->queued_expected_s;
		return;
	}
	for (uint32_t s = 1; s < mv->slots; s++)
		if (mv->run_end_s[s] < first_end)
			first_end = mv->run_end_s[s];
	r->from_s = first_end;
	r->backlog_s = mv->queued_expected_s / mv->slots;
}

/* The clock moves to now (view.now is also the time of the last event:
 * summarise reads it as such). */
static inline void advance(engine *e, double now)
{
	/* in_system < 2^63: as a signed integer it converts in one
	 * instruction, to the same double */
	e->area_in_system +=
		(double)(int64_t)e->in_system * (now - e->view.now);
	e->view.now = now;
}

/* ------------------------------------------------------------ merging */

/* Does a request of type `type` come before `upto` in t's run (t itself or
 * an earlier member)? Its output is then one the run makes already. */
static int type_in_run(const task *t, uint32_t type, const task *upto)
{
	if (t->type == type)
		return 1;
	for (const task *m = t->members; m && m != upto; m = m->next)
		if (m->type == type)
			return 1;
	return 0;
}

/* Expected time request r adds to t's run on mtype (policies/merge.h). */
static double expected_part(const engine *e, const task *t, const task *r,
			    uint32_t mtype)
{
	if (type_in_run(t, r->type, NULL))
		return 0.0;
	double state = pol_merge_lead(e->prof, t->type, t->etc[mtype]);
	for (const task *m = t->members; m && e->prof->merge_frac; m = m->next)
		if (!type_in_run(t, m->type, m))
			pol_merge_part(e->prof, mtype, m->type, m->etc[mtype], &state);
	return pol_merge_part(e->prof, mtype, r->type, r->etc[mtype], &state);
}

/* Expected time of t's whole run on mtype. */
static double run_expected(const engine *e, const task *t, uint32_t mtype)
{
	double x = t->etc[mtype];
	double state = pol_merge_lead(e->prof, t->type, x);
	for (const task *m = t->members; m; m = m->next)
		if (!type_in_run(t, m->type, m))
			x += pol_merge_part(e->prof, mtype, m->type, m->etc[mtype], &state);
	return x;
}

/* A drawn execution time beyond SIM_MAX_TIME_S (or not finite) is an input
 * error: the profile (or the task's size), not the run, is wrong. Returns
 * -1 with err set. */
static __attribute__((cold, noinline)) int
exec_error(engine *e, const task *t, uint32_t mtype, double x)
{
	const io_jdoc *doc = &e->x->doc;
	const char *tn = e->prof->tasks[t->type].name;
	const char *mn = e->prof->machines[mtype].name;
	if (t->size != 1.0)
		io_jerr(e->err, doc, e->x->workload,
			  "workload: task %llu (type \"%s\", size %g) takes "
			  "%g s on machine type \"%s\" (size x the drawn "
			  "time), beyond the limit of %g s",
			  (unsigned long long)t->id, tn, t->size, x, mn,
			  SIM_MAX_TIME_S);
	else
		io_jerr(e->err, doc, json_object_get(doc->root, "profile"),
			  "profile: task type \"%s\" on machine type \"%s\" "
			  "drew an execution time of %g s, beyond the limit "
			  "of %g s",
			  tn, mn, x, SIM_MAX_TIME_S);
	return -1;
}

static inline int check_exec(engine *e, const task *t, uint32_t mtype,
			     double x)
{
	return x >= 0 && x <= SIM_MAX_TIME_S ? 0 : exec_error(e, t, mtype, x);
}

/* The time t takes on machine type mtype: its replayed time there, else
 * size x the model's draw on its common random number (a function of the
 * seed, the task and the machine type: the same draw whenever asked). */
static inline double task_uniform(const engine *e, const task *t,
				  uint32_t mtype)
{
	return e->rho >= 1.0 ? sim_task_uniform_keyed(e->task_key, t->id)
			     : sim_task_uniform_on(e->seed, t->id, mtype, e->rho);
}

static inline int exec_time(engine *e, const task *t, uint32_t mtype,
			    double *x)
{
	if (t->replay && !isnan(t->replay[mtype])) {
		*x = t->replay[mtype]; /* the trace reader checked it */
		return 0;
	}
	*x = t->size * prof_sample(e->prof, t->type, mtype, task_uniform(e, t, mtype));
	return check_exec(e, t, mtype, *x);
}

/* exec_time for a plain start (no replayed times, size 1), checked only
 * where setup could not rule a bad draw out (draws_in_range). */
static inline int plain_exec_time(engine *e, const task *t, uint32_t mtype,
				  double *x, const int straight)
{
	/* straight: e->rho >= 1 (one uniform for all machine types) */
	if (straight && e->type_z && e->type_z[t->type]) {
		*x = prof_lognormal_at(prof_model_at(e->prof, t->type, mtype),
				       t->z);
		return e->draws_in_range ? 0 : check_exec(e, t, mtype, *x);
	}
	double u = straight ? sim_task_uniform_keyed(e->task_key, t->id)
			    : task_uniform(e, t, mtype);
	*x = prof_sample(e->prof, t->type, mtype, u);
	return e->draws_in_range ? 0 : check_exec(e, t, mtype, *x);
}

/* t's time when it starts on mtype: with "clairvoyant", the time its
 * policy planned with (task_times took it from exec_time), else
 * exec_time's. */
static inline int start_time(engine *e, const task *t, uint32_t mtype,
			     double *x)
{
	if (e->x->clairvoyant) {
		*x = t->etc[mtype];
		return 0;
	}
	return exec_time(e, t, mtype, x);
}

/* t's expected times and replayed times from its workload row w: what
 * policies see (sim_task_view.etc) is the type's row of the ETC matrix
 * (profile means) times size, or with "clairvoyant" the time t will take
 * on each machine type present. */
static int task_times(engine *e, task *t, const wl_task *w)
{
	uint32_t nmt = e->view.n_machine_types;
	const double *row = e->etc + (size_t)t->type * nmt;
	t->etc = row;
	t->replay = NULL;
	if (!t->store) /* a source whose tasks have no size or times of
			  their own (wl_task_data), no clairvoyance */
		return 0;
	if (w->exec_s) {
		double *replay = t->store + nmt;
		memcpy(replay, w->exec_s, nmt * sizeof *replay);
		t->replay = replay;
	}
	int clairvoyant = e->x->clairvoyant;
	if (!clairvoyant && t->size == 1.0)
		return 0;
	double *etc = t->store;
	for (uint32_t mt = 0; mt < nmt; mt++) {
		if (clairvoyant && isfinite(row[mt]) && e->type_used[mt]) {
			if (exec_time(e, t, mt, &etc[mt]))
				return -1;
		} else { /* INFINITY (cannot run there) stays */
			etc[mt] = t->size * row[mt];
		}
	}
	t->etc = etc;
	return 0;
}

/* t starts: draw each member's own time, add its part to the run, and mark
 * it started with t. Returns the latest deadline of the run's requests
 * (a run is aborted only when none of them can still be served). */
static double start_members(engine *e, task *t, int *bad)
{
	uint32_t mtype = e->mviews[t->machine].type;
	double state = pol_merge_lead(e->prof, t->type, t->exec_s);
	double deadline = t->deadline_s;
	for (task *m = t->members; m; m = m->next) {
		double own;
		if (start_time(e, m, mtype, &own))
			*bad = 1;
		double add = type_in_run(t, m->type, m)
				     ? 0.0
				     : pol_merge_part(e->prof, mtype, m->type, own, &state);
		t->exec_s += add;
		e->saved_s += own - add;
		m->start_s = t->start_s;
		m->machine = t->machine;
		m->slot = t->slot;
		m->started = 1;
		if (m->deadline_s > deadline)
			deadline = m->deadline_s;
	}
	return deadline;
}

/* Earliest deadline among the requests of t's run. */
static double run_deadline(const task *t)
{
	double d = t->deadline_s;
	for (const task *m = t->members; m; m = m->next)
		if (m->deadline_s < d)
			d = m->deadline_s;
	return d;
}

/* The adaptive test for r joining leader on its machine. */
static int adaptive_ok(engine *e, const task *leader, const task *r,
		       double extra)
{
	uint32_t m = leader->machine;
	const sim_machine_view *mv = &e->mviews[m];
	size_t n = mv->queued, need = n + mv->slots;
	if (need > e->mq_cap) {
		size_t cap = 2 * need;
		pol_queued *q = realloc(e->mq, cap * sizeof *q);
		if (!q)
			return -1;
		e->mq = q;
		double *sc = realloc(e->mscratch, 3 * cap * sizeof *sc);
		if (!sc)
			return -1;
		e->mscratch = sc;
		e->mq_cap = cap;
	}
	size_t i = 0, at = n;
	for (const task *q = e->machines[m].head; q && i < n; q = q->next, i++) {
		if (q == leader)
			at = i;
		e->mq[i] = (pol_queued){q->expected_s, run_deadline(q)};
	}
	if (at == n)
		return 0; /* not queued there any more */
	/* the running slots' expected ends (free slots and overruns: now),
	 * after the test's own scratch of 2 (n + slots) doubles */
	double *sf = e->mscratch + 2 * e->mq_cap;
	for (uint32_t k = 0; k < mv->slots; k++) {
		double end = mv->run_end_s[k];
		sf[k] = end > e->view.now ? end : e->view.now;
	}
	return pol_merge_adaptive_ok(sf, mv->slots, e->mq, n, at, extra,
				     r->deadline_s, e->mscratch);
}

/* A new request t: join the queued run on its input if the strategy lets
 * it. Returns 1 if merged, 0 if not, <0 on no memory. */
static int try_merge(engine *e, task *t)
{
	task *leader = e->leader_of[t->key];
	if (!leader || leader->n_group >= e->x->merge_max_degree)
		return 0;
	sim_machine_view *mv = &e->mviews[leader->machine];
	if (!prof_can_run(e->prof, t->type, mv->type))
		return 0;
	double extra = expected_part(e, leader, t, mv->type);
	if (e->x->merge_strategy == POL_MERGE_ADAPTIVE) {
		int ok = adaptive_ok(e, leader, t, extra);
		if (ok <= 0)
			return ok;
	}
	t->member = 1;
	t->machine = leader->machine;
	t->next = leader->members;
	leader->members = t;
	leader->n_group++;
	leader->expected_s += extra;
	mv->queued_expected_s += extra;
	mv->version++;
	ready_refresh(e, leader->machine);
	e->merged++;
	return 1;
}

/* A queued run's leader is dropped: its first member leads the rest (and
 * takes its place at the head of machine m's queue). Returns the heir or
 * NULL. */
static task *promote(engine *e, task *t)
{
	task *heir = t->members;
	if (!heir)
		return NULL;
	heir->members = heir->next;
	heir->member = 0;
	heir->n_group = t->n_group - 1;
	heir->machine = t->machine;
	heir->expected_s = run_expected(e, heir, e->mviews[t->machine].type);
	t->members = NULL;
	t->n_group = 1;
	if (e->leader_of[t->key] == t)
		e->leader_of[t->key] = heir;
	return heir;
}

/* "serving" (sim/serving.h): t's time on machine m scaled by the factor
 * of its type after the instance's previous one, plus the hold. */
static __attribute__((noinline)) void serving_start(engine *e, task *t,
						    uint32_t m)
{
	const sim_serving *s = e->serving;
	machine *mc = &e->machines[m];
	uint32_t prev = mc->last_type1 ? mc->last_type1 - 1 : s->n_tasks;
	double hold = s->has_retry ? s->retry_hold_s
				   : sim_serving_hold(s, e->seed, t->id);
	if (t == e->retry_task) {
		hold += e->retry_idle_s;
		e->retry_task = NULL;
	}
	t->exec_s = t->exec_s *
			    sim_serving_factor(s, e->mviews[m].type, prev,
					       t->type) +
		    hold;
	mc->last_type1 = t->type + 1;
}

/* t takes slot `slot` of machine m now, with its time drawn; deadline is
 * the latest of its run's requests. */
static HOT_INLINE void occupy(engine *e, task *t, uint32_t m, uint32_t slot,
			      double deadline)
{
	double now = e->view.now;
	t->start_s = now;
	t->machine = m;
	t->slot = slot;
	t->started = 1;
	machine *mc = &e->machines[m];
	mc->run_end[slot] = now + t->expected_s;
	mc->run_start[slot] = now;
	mc->run_type[slot] = t->type;
	mc->run_deadline[slot] = deadline;
	sim_machine_view *mv = &e->mviews[m];
	mv->busy++;
	mv->version++;
	ready_refresh(e, m);
	/* the wait is kept without quantiles (setup) */
	sim_stat_moments_add(&e->wait, now - t->arrival_s);
}

/* start_task with any of what e->plain_start rules out. */
/* ---- a straight run's events by slot ----------------------------------
 *
 * In a straight run every pending event is the end of a task in a slot
 * (EV_DONE, one per busy slot). With few slots in all (SLOTTED_MAX) the
 * loop keeps each slot's end where a heap would keep them all, and finds
 * the earliest by a scan of compares without a branch on which slot it
 * is, where a heap's push and pop branch at each level on which way to
 * go, a coin toss to the branch predictor (about one mispredicted branch
 * a task). Each end keeps the sequence number the heap would have given
 * it (e->heap.seq): the events come in the heap's (time, seq) order, and
 * a run is the same to the bit (HETSIM_EVENTS=heap keeps the heap: the
 * tests compare the two). */
#define SLOTTED_MAX 64

/* t starts in slot s (among all machines'), to end at end. */
static inline void slot_push(engine *e, uint32_t s, double end, task *t)
{
	e->slot_end[s] = end;
	e->slot_seq[s] = e->heap.seq++;
	e->slot_task[s] = t;
	/* before the earliest? (at an equal time its seq is later) */
	int lt = end < e->next_end;
	e->next_end = lt ? end : e->next_end;
	e->next_slot = lt ? s : e->next_slot;
}

/* slot_rescan's least end and the mask of the slots holding it, two at a
 * time (SSE2) or one by one. */
static double slot_least(const double *end, uint32_t n, uint64_t *hits)
{
	uint64_t h = 0;
#if defined(__SSE2__)
	__m128d m0 = _mm_loadu_pd(end), m1 = _mm_loadu_pd(end + 2),
		m2 = _mm_loadu_pd(end + 4), m3 = _mm_loadu_pd(end + 6);
	for (uint32_t i = 8; i < n; i += 8) {
		m0 = _mm_min_pd(m0, _mm_loadu_pd(end + i));
		m1 = _mm_min_pd(m1, _mm_loadu_pd(end + i + 2));
		m2 = _mm_min_pd(m2, _mm_loadu_pd(end + i + 4));
		m3 = _mm_min_pd(m3, _mm_loadu_pd(end + i + 6));
	}
	m0 = _mm_min_pd(_mm_min_pd(m0, m1), _mm_min_pd(m2, m3));
	m0 = _mm_min_pd(m0, _mm_unpackhi_pd(m0, m0));
	double least = _mm_cvtsd_f64(m0);
	m0 = _mm_unpacklo_pd(m0, m0);
	for (uint32_t i = 0; i < n; i += 2)
		h |= (uint64_t)_mm_movemask_pd(_mm_cmpeq_pd(_mm_loadu_pd(end + i), m0))
		     << i;
#else
	double least = INFINITY;
	for (uint32_t i = 0; i < n; i++)
		least = end[i] < least ? end[i] : least;
	for (uint32_t i = 0; i < n; i++)
		h |= (uint64_t)(end[i] == least) << i;
#endif
	*hits = h;
	return least;
}

/* The earliest end after a pop: the least end (exact: a minimum rounds
 * nothing), the slot holding it (of the ends equal to it, the least seq:
 * the heap's order). */
static void slot_rescan(engine *e, uint32_t skip)
{
	e->slot_end[skip] = INFINITY;
	uint64_t hits;
	double least = slot_least(e->slot_end, e->n_slot_ev, &hits);
	e->next_end = least;
	if (!(least < INFINITY)) /* none busy (the mask holds all idle) */
		return;
	uint32_t best = (uint32_t)__builtin_ctzll(hits);
	for (hits &= hits - 1; __builtin_expect(hits != 0, 0); hits &= hits - 1) {
		uint32_t k = (uint32_t)__builtin_ctzll(hits); /* a tie */
		if (e->slot_seq[k] < e->slot_seq[best])
			best = k;
	}
	e->next_slot = best;
}

/* arrival_first with the events by slot. */
static inline int arrival_first_slotted(const engine *e)
{
	return e->arrival_at < e->next_end ||
	       (e->arrival_at == e->next_end &&
		e->arrival_seq < e->slot_seq[e->next_slot]);
}

/* Does wf_z hold whole draws (heft: each job's machine is planned)? */
static inline int wf_z_whole(const engine *e)
{
	return e->policy == &sim_wf_heft;
}

/* A job of type tt and work size's draw on mtype from its z. */
static inline double wf_z_draw(const engine *e, uint32_t tt, uint32_t mtype,
			       double size, double z)
{
	return size * prof_lognormal_at(prof_model_at(e->prof, tt, mtype), z);
}

/* start_time for a workflow's DAG job whose z the second processor has
 * worked out (wf_z_run): its exp only, the same draw to the bit
 * (prof_lognormal_at). 1 with *x; 0 where it leaves the draw to
 * start_time: a job not reached yet, a type not lognormal everywhere, a
 * draw out of range (reported there). */
static inline int wf_z_time(engine *e, const task *t, uint32_t mtype,
			    double *x)
{
	uint64_t j = t->id; /* the job (wf_task) */
	if (j >= atomic_load_explicit(&e->wf_z_done, memory_order_acquire) ||
	    !e->wf_z_type[t->type])
		return 0;
	double v = e->wf_z[j];
	if (!wf_z_whole(e))
		v = wf_z_draw(e, t->type, mtype, t->size, v);
	else if (mtype != e->mviews[e->wf_js[j].machine].type)
		return 0;
	if (!(v >= 0 && v <= SIM_MAX_TIME_S))
		return 0;
	*x = v;
	return 1;
}

static __attribute__((noinline)) int start_task_general(engine *e, task *t,
							 uint32_t m,
							 uint32_t slot)
{
	double now = e->view.now;
	if (!(e->wf_z && wf_z_time(e, t, e->mviews[m].type, &t->exec_s)) &&
	    start_time(e, t, e->mviews[m].type, &t->exec_s))
		return -1;
	if (__builtin_expect(e->serving != NULL, 0))
		serving_start(e, t, m);
	double deadline = t->deadline_s;
	if (e->leader_of && t->key < e->n_keys) {
		if (e->leader_of[t->key] == t)
			e->leader_of[t->key] = NULL;
		int bad = 0;
		t->start_s = now; /* the members start with it */
		t->machine = m;
		t->slot = slot;
		t->started = 1;
		deadline = start_members(e, t, &bad);
		if (bad)
			return -1;
	}
	occupy(e, t, m, slot, deadline);
	if (__builtin_expect(e->wf != NULL, 0))
		return wf_start(e, t);
	double end = now + t->exec_s;
	if (e->x->drop_while_running && end > deadline)
		return sim_heap_push(&e->heap, deadline > now ? deadline : now,
				     EV_ABORT, t) ? 0 : -1;
	return sim_heap_push(&e->heap, end, EV_DONE, t) ? 0 : -1;
}

/* Start t on machine m (a slot is free); straight: e->straight is known
 * to be set (the instances of run_loop_as). */
static HOT_INLINE int start_task_as(engine *e, task *t, uint32_t m,
				    const int straight, const int into_root)
{
	sim_machine_view *mv = &e->mviews[m];
	uint32_t slot = 0;
	if (!e->one_slot)
		while (mv->run_end_s[slot] != -INFINITY)
			slot++;
	if (!straight && __builtin_expect(!e->plain_start, 0))
		return start_task_general(e, t, m, slot);
	if (plain_exec_time(e, t, mv->type, &t->exec_s, straight))
		return -1;
	occupy(e, t, m, slot, t->deadline_s);
	double end = e->view.now + t->exec_s;
	if (e->slotted) { /* straight, whichever start this is (a task
			     from the wait queue too) */
		slot_push(e, e->machines[m].slot0 + slot, end, t);
		return 0;
	}
	return (straight && into_root ? sim_heap_push_root(&e->heap, end, EV_DONE, t)
				      : sim_heap_push(&e->heap, end, EV_DONE, t))
		       ? 0
		       : -1;
}

static HOT_INLINE int start_task(engine *e, task *t, uint32_t m)
{
	return start_task_as(e, t, m, 0, 0);
}

/* t joins machine m's queue (m is full and its queue has room). */
static HOT_INLINE void enqueue(engine *e, task *t, uint32_t m,
			       const int straight)
{
	sim_machine_view *mv = &e->mviews[m];
	machine *mc = &e->machines[m];
	t->next = NULL;
	/* the link to t: its predecessor's, or the head's, selected by a mask
	 * rather than a branch (whether the queue was empty changes from task
	 * to task: the compiler, left to itself, may branch) */
	uintptr_t to_head = (uintptr_t)&mc->head,
		  to_tail = (uintptr_t)mc->tail + offsetof(task, next),
		  queued = -(uintptr_t)(mc->head != NULL);
	*(task **)(to_head ^ ((to_head ^ to_tail) & queued)) = t;
	mc->tail = t;
	mv->queued++;
	mv->queued_expected_s += t->expected_s;
	mv->version++;
	ready_refresh(e, m);
	if (!straight && e->leader_of && t->key < e->n_keys)
		e->leader_of[t->key] = t; /* later requests on it may join */
}

/* Carry out the policy's decision for t: start, queue, or wait / reject.
 * Returns 1 if placed, 0 if deferred, <0 on no memory. */
static HOT_INLINE int place(engine *e, task *t, int32_t m)
{
	if (m < 0)
		return 0;
	sim_machine_view *mv = &e->mviews[m];
	t->expected_s = t->etc[mv->type];
	t->machine = (uint32_t)m;
	if (mv->busy < mv->slots)
		return start_task(e, t, (uint32_t)m) ? -1 : 1;
	enqueue(e, t, (uint32_t)m, 0);
	return 1;
}

/* The machine t's policy picks, unchecked. */
static HOT_INLINE int32_t choose(engine *e, const task *t)
{
	return e->policy->on_arrival(e->pstate, &e->view, &t->view);
}

static HOT_INLINE int32_t decide(engine *e, const task *t)
{
	int32_t m = choose(e, t);
	if (m >= 0 && ((uint32_t)m >= e->view.n_machines ||
		       !sim_accepts(&e->view, t->type, (uint32_t)m)))
		m = SIM_DEFER; /* a policy bug must not corrupt the run */
	return m;
}

/* place(e, t, decide(e, t)) with decide's check (sim_accepts) made on the
 * way: admit's common path. */
static HOT_INLINE int decide_place(engine *e, task *t, const int straight)
{
	int32_t m = choose(e, t);
	if ((uint32_t)m >= e->view.n_machines) /* SIM_DEFER too */
		return 0;
	sim_machine_view *mv = &e->mviews[m];
	if (!e->runs_anywhere &&
	    !isfinite(e->etc[(size_t)t->type * e->view.n_machine_types +
			     mv->type]))
		return 0; /* cannot run there: the policy's bug */
	int free_slot = mv->busy < mv->slots;
	/* one branch, never taken (free_slot itself is unpredictable) */
	if (__builtin_expect(!free_slot & (mv->queued >= mv->queue_cap), 0))
		return 0; /* full: the policy's bug */
	t->expected_s = t->etc[mv->type];
	t->machine = (uint32_t)m;
	if (free_slot)
		return start_task_as(e, t, (uint32_t)m, straight, 0) ? -1 : 1;
	enqueue(e, t, (uint32_t)m, straight);
	return 1;
}

/* finish's body: inline where a task completes (on_end), out of line
 * (finish) everywhere else. */
static HOT_INLINE void finish_body(engine *e, task *t, double end_s,
				   enum outcome outcome, enum drop_reason why,
				   const int straight)
{
	if (!straight && e->leader_of && t->key < e->n_keys &&
	    e->leader_of[t->key] == t)
		e->leader_of[t->key] = NULL; /* no request may join it now */
	type_stats *ts = &e->types[t->type];
	if (outcome == OUT_DROPPED) {
		e->dropped++;
		ts->dropped++;
		e->dropped_by[why]++;
		e->type_failed[t->type]++;
		if (why == DROP_EVICTED) /* its row says so */
			outcome = OUT_EVICTED;
	} else {
		if (!straight && __builtin_expect(e->serving != NULL, 0)) {
			/* the response reaches the client later (so responses
			 * may end out of order: the latest is kept apart) */
			end_s += sim_serving_delay(e->serving, e->seed, t->id);
			if (end_s > e->serving_last_s)
				e->serving_last_s = end_s;
		}
		double resp = end_s - t->arrival_s;
		e->response.sum += resp;
		sim_stat_add(&ts->response, resp);
		e->completed++;
		ts->completed++;
		if (outcome == OUT_MISSED) {
			e->missed++;
			ts->missed++;
			e->type_failed[t->type]++;
		} else {
			e->type_on_time[t->type]++;
		}
		e->last_done_s = end_s;
	}
	if (e->csv && (straight || !e->wf))
		write_row(e, t, end_s, outcome);
	e->in_system--;
	task_free(e, t);
}

static void finish(engine *e, task *t, double end_s, enum outcome outcome,
		   enum drop_reason why)
{
	finish_body(e, t, end_s, outcome, why, 0);
}

static inline int expired(const engine *e, const task *t)
{
	return e->view.now >= t->deadline_s;
}

/* Below the pruning threshold on machine m (m < 0: on every machine that
 * accepts the task; none accepting it now is no reason to prune)? */
static int pruned_on(engine *e, const task *t, int32_t m)
{
	double best = m >= 0 ? 0 : 1;
	int any = 0;
	for (uint32_t k = m >= 0 ? (uint32_t)m : 0;
	     k < (m >= 0 ? (uint32_t)m + 1 : e->view.n_machines); k++)
		if (sim_accepts(&e->view, t->type, k)) {
			double p = pol_prune_success(e->pruner, &e->view, k, t->type,
						     t->deadline_s);
			if (!any++)
				best = 0;
			if (isnan(p) || p > best) /* unknown: never prune on it */
				best = isnan(p) ? 1 : p;
		}
	return best < e->x->prune_threshold;
}

/* Inline: without pruning, the test of e->pruner is all a task pays. */
static inline int pruned(engine *e, const task *t, int32_t m)
{
	return e->pruner && isfinite(t->deadline_s) && pruned_on(e, t, m);
}

static void wait_push(engine *e, task *t)
{
	t->next = NULL;
	if (e->wait_head)
		e->wait_tail->next = t;
	else
		e->wait_head = t;
	e->wait_tail = t;
	e->waiting++;
}

static task *wait_pop(engine *e)
{
	task *t = e->wait_head;
	e->wait_head = t->next;
	if (!e->wait_head)
		e->wait_tail = NULL;
	e->waiting--;
	return t;
}

/* Unlink t (whose predecessor in the wait queue is prev, NULL for the
 * head). */
static void wait_unlink(engine *e, task *prev, task *t)
{
	if (prev)
		prev->next = t->next;
	else
		e->wait_head = t->next;
	if (e->wait_tail == t)
		e->wait_tail = prev;
	e->waiting--;
}

/* "serving" "queue": "random": move a uniformly random waiting task to
 * the head of the wait queue and return it (a walk of the queue). */
static __attribute__((noinline)) task *serving_to_head(engine *e)
{
	uint64_t k = (uint64_t)(sim_task_uniform(e->seed ^ 0x0DDBA11CAFEull,
						 e->serving_draws++) *
				(double)e->waiting);
	if (k >= e->waiting)
		k = e->waiting - 1;
	task *prev = NULL, *t = e->wait_head;
	for (; k > 0; k--) {
		prev = t;
		t = t->next;
	}
	if (prev) {
		wait_unlink(e, prev, t);
		t->next = e->wait_head;
		e->wait_head = t;
		e->waiting++;
	}
	return t;
}

/* "serving" "retry": move the waiting task whose poll comes first to the
 * head (serving.h: each with probability its weight / the sum w) and note
 * the idle time before it, exponential with rate w / poll_s; none when it
 * arrives now, to a free instance. Each pick walks the queue twice. */
static __attribute__((noinline)) task *serving_retry_to_head(engine *e)
{
	const sim_serving *s = e->serving;
	double now = e->view.now, w = 0;
	for (const task *t = e->wait_head; t; t = t->next)
		w += sim_serving_retry_weight(s, now - t->arrival_s);
	uint64_t k = e->serving_draws++;
	double u = sim_task_uniform(e->seed ^ 0x0DDBA11CAFEull, k) * w;
	task *prev = NULL, *t = e->wait_head;
	for (; t->next; prev = t, t = t->next) {
		u -= sim_serving_retry_weight(s, now - t->arrival_s);
		if (u < 0)
			break;
	}
	if (prev) {
		wait_unlink(e, prev, t);
		t->next = e->wait_head;
		e->wait_head = t;
		e->waiting++;
	}
	e->retry_task = t;
	e->retry_idle_s =
		t->arrival_s < now
			? sim_serving_retry_idle(
				  s, w,
				  sim_task_uniform(e->seed ^ 0x1D1E5EC0DEull, k))
			: 0.0;
	return t;
}

/* Immediate mode: offer waiting tasks, head first, until the policy defers
 * one. Expired tasks are dropped first when drop.at_mapping is set. A task
 * below the pruning threshold on the machine its policy picks is dropped,
 * or with pruning.action = defer stays where it is while the tasks behind
 * it are offered (so that a hopeless head cannot starve the queue). */
static int drain_wait_queue(engine *e)
{
	task *prev = NULL;
	for (task *t = e->wait_head, *next; t; t = next) {
		if (__builtin_expect(e->serving != NULL, 0) && !prev &&
		    (e->serving->queue_random || e->serving->has_retry))
			t = e->serving->has_retry ? serving_retry_to_head(e)
						  : serving_to_head(e);
		next = t->next;
		if (e->x->drop_at_mapping && expired(e, t)) {
			wait_unlink(e, prev, t);
			finish(e, t, e->view.now, OUT_DROPPED, DROP_MAPPING);
			continue;
		}
		int32_t m = decide(e, t);
		if (m < 0)
			return 0;
		if (pruned(e, t, m)) {
			if (e->x->prune_defer) {
				prev = t;
				continue;
			}
			wait_unlink(e, prev, t);
			finish(e, t, e->view.now, OUT_DROPPED, DROP_PRUNED);
			continue;
		}
		wait_unlink(e, prev, t);
		if (place(e, t, m) < 0)
			return -1;
	}
	return 0;
}

static int grow_batch(engine *e, size_t need)
{
	if (need <= e->batch_cap)
		return 0;
	size_t cap = e->batch_cap ? 2 * e->batch_cap : 256;
	while (cap < need)
		cap *= 2;
	sim_task_view *b = realloc(e->batch, cap * sizeof *b);
	if (!b)
		return -1;
	e->batch = b;
	task **bt = realloc(e->batch_tasks, cap * sizeof *bt);
	if (!bt)
		return -1;
	e->batch_tasks = bt;
	sim_decision *d = realloc(e->decisions, cap * sizeof *d);
	if (!d)
		return -1;
	e->decisions = d;
	uint32_t *bi = realloc(e->batch_index, cap * sizeof *bi);
	if (!bi)
		return -1;
	e->batch_index = bi;
	e->batch_cap = cap;
	return 0;
}

static int queue_tail(const void *engine_ptr, uint32_t m, uint32_t *type,
		      double *expected_s);

/* Batch mode, the decision sim_evict_onto(m) for t (policies/policy.h):
 * m's last queued task is dropped ("evicted") and t queued in its place.
 * Returns 1 if done, 0 if not possible (t keeps waiting), <0 on no
 * memory. Walks m's queue to unlink its tail: O(queue), at evictions
 * only. */
static int evict_onto(engine *e, task *t, uint32_t m)
{
	uint32_t type;
	double expected;
	if (m >= e->view.n_machines || !sim_can_run(&e->view, t->type, m) ||
	    !queue_tail(e, m, &type, &expected))
		return 0;
	machine *mc = &e->machines[m];
	sim_machine_view *mv = &e->mviews[m];
	task *victim = mc->tail, *prev = NULL;
	if (mc->head != victim)
		for (prev = mc->head; prev->next != victim; prev = prev->next)
			;
	if (prev)
		prev->next = NULL;
	else
		mc->head = NULL;
	mc->tail = prev;
	mv->queued--;
	mv->version++;
	mv->queued_expected_s =
		mv->queued ? mv->queued_expected_s - victim->expected_s : 0.0;
	ready_refresh(e, m);
	finish(e, victim, e->view.now, OUT_DROPPED, DROP_EVICTED);
	return place(e, t, (int32_t)m) < 0 ? -1 : 1;
}

/* Batch mode: one mapping event over every waiting task. The waiting
 * tasks are detached into batch_tasks (in arrival order), the policy's
 * decisions are carried out one by one against the live machine state (a
 * decision that no longer fits leaves its task waiting), and the tasks
 * still waiting are linked back in their order. */
static int mapping_event(engine *e)
{
	if (!e->wait_head)
		return 0;
	int room = 0;
	for (uint32_t m = 0; m < e->view.n_machines && !room; m++) {
		const sim_machine_view *mv = &e->mviews[m];
		room = mv->busy < mv->slots || mv->queued < mv->queue_cap;
	}
	if (!room && !e->x->drop_at_mapping && !e->offer_full)
		return 0; /* nothing can be placed: spare the policy the scan */
	if (grow_batch(e, e->waiting))
		return -1;
	uint32_t n_all = 0, n = 0;
	for (task *t = e->wait_head, *next; t; t = next) {
		next = t->next;
		if (e->x->drop_at_mapping && expired(e, t)) {
			finish(e, t, e->view.now, OUT_DROPPED, DROP_MAPPING);
			continue;
		}
		int held = !room && !e->offer_full;
		if (room && pruned(e, t, -1)) {
			if (!e->x->prune_defer) {
				finish(e, t, e->view.now, OUT_DROPPED, DROP_PRUNED);
				continue;
			}
			held = 1;
		}
		if (!held) {
			e->batch_index[n] = n_all;
			e->batch[n++] = (sim_task_view){.id = t->id,
							.type = t->type,
							.arrival_s = t->arrival_s,
							.deadline_s = t->deadline_s,
							.size = t->size,
							.etc = t->etc};
		}
		e->batch_tasks[n_all++] = t;
	}
	e->wait_head = e->wait_tail = NULL;
	e->waiting = 0;
	int rc = 0;
	uint32_t nd = n ? e->policy->on_batch(e->pstate, &e->view, e->batch, n,
					      e->decisions)
			: 0;
	for (uint32_t i = 0; i < nd && i < n && rc == 0; i++) {
		const sim_decision *d = &e->decisions[i];
		if (d->task >= n)
			continue; /* a policy bug must not corrupt the run */
		uint32_t k = e->batch_index[d->task];
		task *t = e->batch_tasks[k];
		if (!t)
			continue; /* decided twice */
		if (d->machine == SIM_DROP) {
			e->batch_tasks[k] = NULL;
			finish(e, t, e->view.now, OUT_DROPPED, DROP_POLICY);
		} else if (d->machine <= SIM_EVICT_BASE) {
			int r = evict_onto(e, t, sim_evict_machine(d->machine));
			if (r)
				e->batch_tasks[k] = NULL;
			rc = r < 0 ? -1 : 0;
		} else if (d->machine >= 0 &&
			   (uint32_t)d->machine < e->view.n_machines &&
			   sim_accepts(&e->view, t->type, (uint32_t)d->machine)) {
			e->batch_tasks[k] = NULL;
			rc = place(e, t, d->machine) < 0 ? -1 : 0;
		}
	}
	for (uint32_t k = 0; k < n_all; k++)
		if (e->batch_tasks[k])
			wait_push(e, e->batch_tasks[k]);
	return rc;
}

/* After a machine or the mapper changed: map what waits. */
static HOT_INLINE int map_waiting(engine *e)
{
	if (e->policy->on_batch)
		return mapping_event(e);
	return e->wait_head ? drain_wait_queue(e) : 0; /* none: no call */
}

static HOT_INLINE int admit_as(engine *e, task *t, const int straight);

static HOT_INLINE int on_arrival(engine *e, const int straight)
{
	task *t = task_alloc(e);
	if (!t)
		return -1;
	const wl_task *w = &e->pending;
	t->id = w->id;
	t->type = w->type;
	t->arrival_s = w->arrival_s;
	t->size = w->size;
	t->started = 0;
	/* a slack deadline is slack x the task's expected time: its size x
	 * its type's reference mean */
	if (straight) { /* deadline rule none; no times of its own, no input */
		t->deadline_s = !isnan(w->deadline_s) ? w->deadline_s : INFINITY;
		t->etc = e->etc + (size_t)t->type * e->view.n_machine_types;
		t->replay = NULL;
		if (e->type_z && e->type_z[t->type])
			t->z = prof_normal_z(
				sim_task_uniform_keyed(e->task_key, t->id));
	} else {
		double offset = e->x->deadline_offset_s[w->type];
		if (e->x->deadline_rule == DEADLINE_SLACK)
			offset *= w->size;
		t->deadline_s = !isnan(w->deadline_s) ? w->deadline_s
				: e->x->deadline_rule == DEADLINE_NONE
					? INFINITY
					: w->arrival_s + offset;
		if (task_times(e, t, w)) {
			task_free(e, t);
			return -1;
		}
	}
	t->next = NULL;
	t->key = w->key;
	t->n_group = 1;
	t->member = 0;
	t->members = NULL;
	e->arrived++;
	e->type_arrived[t->type]++;
	e->in_system++;
	if (e->in_system > e->peak_in_system)
		e->peak_in_system = e->in_system;
	return admit_as(e, t, straight);
}

/* A task no machine took now: it waits for the mapper, or is rejected. */
static int wait_or_reject(engine *e, task *t)
{
	if (e->x->reject_when_full) {
		finish(e, t, e->view.now, OUT_DROPPED, DROP_QUEUE_FULL);
		return 0;
	}
	wait_push(e, t);
	return 0;
}

/* admit with any of what e->plain_admit rules out. */
static __attribute__((noinline)) int admit_general(engine *e, task *t)
{
	if (e->leader_of && t->key < e->n_keys) {
		int r = try_merge(e, t);
		if (r)
			return r < 0 ? r : 0;
	}
	if (e->policy->on_batch) {
		wait_push(e, t);
		return mapping_event(e);
	}
	if (!e->wait_head) {
		if (e->x->drop_at_mapping && expired(e, t)) {
			finish(e, t, e->view.now, OUT_DROPPED, DROP_MAPPING);
			return 0;
		}
		int32_t m = decide(e, t);
		if (m >= 0 && pruned(e, t, m)) {
			if (!e->x->prune_defer) {
				finish(e, t, e->view.now, OUT_DROPPED, DROP_PRUNED);
				return 0;
			}
			m = SIM_DEFER;
		}
		int r = place(e, t, m);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return wait_or_reject(e, t);
}

/* A task reaches the mapper: merge, batch, or an immediate decision. */
static HOT_INLINE int admit_as(engine *e, task *t, const int straight)
{
	if (!straight && __builtin_expect(!e->plain_admit, 0))
		return admit_general(e, t);
	if (!e->wait_head) {
		int r = decide_place(e, t, straight);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return wait_or_reject(e, t);
}

static HOT_INLINE int admit(engine *e, task *t)
{
	return admit_as(e, t, 0);
}

/* Are many jobs in flight (live records), more than the caches hold the
 * state of? The prefetches ahead of time (wf_queue_prefetch, the
 * producers' entries at a compute start and a post) pay only then: with
 * few, what they fetch is in the caches already. */
#define WF_MANY_RECORDS 4096
static inline int wf_many(const engine *e)
{
	return e->wf_rec_live > WF_MANY_RECORDS;
}

static inline void wf_queue_prefetch(const engine *e, const task *head);

/* A slot of m became free: start the next queued task that can still
 * make it (with drop.in_queue, expired ones are dropped on the way). */
static HOT_INLINE int start_next_queued(engine *e, uint32_t m,
					const int straight)
{
	sim_machine_view *mv = &e->mviews[m];
	machine *mc = &e->machines[m];
	while (mc->head) {
		task *q = mc->head;
		mc->head = q->next;
		/* what the next starts here read is cold when many jobs
		 * queue (workflows with many in flight): asked for now, it
		 * is there by then */
		if (!straight && e->wf && wf_many(e))
			wf_queue_prefetch(e, mc->head);
		/* none left: no tail (by a mask, not a branch: see enqueue) */
		mc->tail = (task *)((uintptr_t)mc->tail &
				    -(uintptr_t)(mc->head != NULL));
		mv->queued--;
		mv->version++;
		/* an empty queue resets the sum (+0.0, no floating-point
		 * drift): by a mask, not a branch (see enqueue) */
		double left = mv->queued_expected_s - q->expected_s;
		uint64_t bits;
		memcpy(&bits, &left, sizeof bits);
		bits &= -(uint64_t)(mv->queued != 0);
		memcpy(&mv->queued_expected_s, &bits, sizeof bits);
		if (!straight && e->x->drop_in_queue && expired(e, q)) {
			task *heir = q->members ? promote(e, q) : NULL;
			finish(e, q, e->view.now, OUT_DROPPED, DROP_QUEUE);
			if (heir) { /* the rest of the run keeps its place */
				heir->next = mc->head;
				mc->head = heir;
				if (!mc->tail)
					mc->tail = heir;
				mv->queued++;
				mv->queued_expected_s += heir->expected_s;
			}
			continue;
		}
		return start_task_as(e, q, m, straight, straight) < 0 ? -1 : 0;
	}
	if (straight && !e->slotted) /* the popped root is not refilled */
		sim_heap_settle(&e->heap);
	ready_refresh(e, m);
	return 0;
}

/* A task ends: completed (EV_DONE) or aborted at its deadline (EV_ABORT). */
static HOT_INLINE int on_end(engine *e, task *t, int aborted,
			     const int straight)
{
	uint32_t m = t->machine;
	sim_machine_view *mv = &e->mviews[m];
	machine *mc = &e->machines[m];
	/* the next to start here, read after finish() below: its line is
	 * often cold (a task queued long ago); t's (hot) when none waits, a
	 * select rather than a branch */
	__builtin_prefetch(mc->head ? mc->head : t);
	double now = e->view.now;
	mc->busy_slot_s += aborted ? now - t->start_s : t->exec_s;
	mc->completed += !aborted;
	mc->run_end[t->slot] = -INFINITY;
	mv->busy--;
	mv->version++; /* e->ready[m]: start_next_queued below refreshes it */
	task *members = straight ? NULL : t->members;
	uint32_t job =
		!straight && __builtin_expect(e->wf != NULL, 0) ? t->job : 0;
	if (aborted)
		finish(e, t, now, OUT_DROPPED, DROP_RUNNING);
	else
		finish_body(e, t, now,
			    now > t->deadline_s ? OUT_MISSED : OUT_COMPLETED, 0,
			    straight);
	while (members) { /* the requests merged into its run end with it */
		task *next = members->next;
		if (aborted)
			finish(e, members, now, OUT_DROPPED, DROP_RUNNING);
		else
			finish(e, members, now,
			       now > members->deadline_s ? OUT_MISSED
							 : OUT_COMPLETED,
			       0);
		members = next;
	}
	if (start_next_queued(e, m, straight) < 0)
		return -1;
	if (straight) /* immediate mode: the wait queue, if any waits */
		return e->wait_head ? drain_wait_queue(e) : 0;
	/* a job's end may make children ready at once (no post delay): after
	 * this machine took its next queued task into the freed slot */
	if (__builtin_expect(e->wf != NULL, 0) && wf_end(e, job))
		return -1;
	return map_waiting(e);
}

static __attribute__((cold, noinline)) int arrival_error(engine *e)
{
	io_jerr(e->err, &e->x->doc, e->x->workload,
		"workload: task %llu arrives at %g s, beyond the limit of %g s",
		(unsigned long long)e->pending.id, e->pending.arrival_s,
		SIM_MAX_TIME_S);
	return -1;
}

/* The workload's next task, pending (inline in run_loop: one a task). */
static HOT_INLINE int schedule_next_arrival(engine *e)
{
	int r = wl_next(e->src, &e->pending, e->err);
	e->has_pending = r > 0;
	if (r <= 0)
		return r;
	if (!(e->pending.arrival_s <= SIM_MAX_TIME_S)) /* or NaN */
		return arrival_error(e);
	e->arrival_at = e->pending.arrival_s;
	e->arrival_seq = e->heap.seq++;
	return 0;
}

/* Is the pending arrival the next event, before the heap's earliest in
 * (time, seq) order (e->has_pending set)? The loop goes from the answer
 * straight to the arrival's or the heap event's handler, no second branch
 * on the event's kind (which of the two comes next changes from event to
 * event: a branch that mispredicts often). */
static inline int arrival_first(engine *e)
{
	if (!sim_heap_settled_size(&e->heap))
		return 1;
	const sim_heap_entry *top = e->heap.entries;
	return e->arrival_at < top->time ||
	       (e->arrival_at == top->time && e->arrival_seq < top->seq);
}

/* ------------------------------------------------------------ workflows
 *
 * A workflow's jobs go through the same machines, slots, policies, heap
 * and statistics as independent tasks: a job becomes a task when it
 * reaches the mapper. Its life (wfspec.md, jobs.csv.gz):
 *   ready (parents' post_end) -> [submit host: dispatch, one job per
 *   submit slot, FIFO] -> WMS delay -> [max_running throttle]
 *   submit -> queue delay -> mapper (the run's policy: heft, eft or any
 *   registry policy on the jobs as they come) -> start (holds a slot) ->
 *   start-up -> stage-in (until its remote inputs have arrived; the
 *   transfers start as soon as the producer has ended and the job's
 *   machine is known, over the max-min network of sim/net.h) -> compute
 *   (its runtime; with staging "inside" the job ends at
 *   max(start-up end + runtime, stage-in end), with "outside" at stage-in
 *   end + runtime) -> end (slot released) -> post delay -> post_end
 *   (children may become ready).
 * There is no stage-out phase of its own: outputs are moved by their
 * readers' stage-in (its columns stay empty).
 * Aux jobs of the WMS model (profiles/wms.h) go through the same phases:
 * the first ones before the roots, the after_sinks ones after their
 * sinks, the last ones after everything; the per_machine ones are the
 * exception (wf_per_machine): they run, without phases or a slot, when a
 * machine starts its first DAG job, which waits for them.
 */

enum wf_time {
	WT_READY, WT_SUBMIT, WT_START, WT_SI_S, WT_SI_E, WT_C_S, WT_C_E,
	WT_END, WT_POST, WT_N
};
_Static_assert(WT_N == 9, "jobs.csv.gz's rows hold WT_N times");

/* A job's record (one 64 B cache line), live from its first event
 * (ready; under heft the first file pushed to it may come before) to its
 * post end (wf_job_open, wf_job_close): a job's steps touch one line of
 * state, wherever it was left while the job waited. Of its times the run
 * reads back three (the task's arrival, the stage-in start of anomalies
 * and staging_inside, the compute start of the per-machine busy time and
 * of sim_dag_run's callback); all WT_N of them are kept, for its row of
 * jobs.csv.gz, only when that file is written (wf_mark, wf_times): after
 * the chunk's records, WT_N doubles per record. */
typedef struct wjob {
	_Alignas(64) double ready;
	double si_s, c_s;
	task *task; /* while it holds a task */
	uint32_t flows_left;
	uint32_t next; /* throttle FIFO link; free-list link when free */
	uint32_t stage_next; /* link of its machine's open stage-ins (hdd) */
	uint8_t cls, staged, stage_open, queued, in_stage_list;
} wjob;
_Static_assert(sizeof(wjob) == 64, "a record is a cache line");

#define WF_NONE UINT32_MAX
#define WF_REC_CHUNK 1024u

/* Job j's live record. */
static inline wjob *wf_job(const engine *e, uint32_t j)
{
	uint32_t r = e->wf_js[j].rec - 1;
	return &e->wf_rec_chunks[r / WF_REC_CHUNK][r % WF_REC_CHUNK];
}
/* Prefetch job j's entry and the next one's offsets: j's lists of inputs
 * and children end where j + 1's begin (in0, ch0), on the next cache
 * line for two entries in three. */
static inline void wf_js_prefetch(const engine *e, uint32_t j)
{
	__builtin_prefetch(&e->wf_js[j]);
	__builtin_prefetch(&e->wf_js[j + 1].in0);
}
/* Prefetch inputs [i0, i1) (i0 < i1) of wf_in: 12 bytes each, a job's
 * few often straddle two cache lines. */
static inline void wf_in_prefetch(const engine *e, uint32_t i0, uint32_t i1)
{
	__builtin_prefetch(&e->wf_in[i0]);
	__builtin_prefetch((const char *)&e->wf_in[i1] - 1);
}
/* Prefetch the entries of the producers of DAG job j's inputs (what
 * wf_eft_pick reads of them: their machines). */
static inline void wf_producers_prefetch(const engine *e, uint32_t j)
{
	for (uint32_t i = e->wf_js[j].in0; i < e->wf_js[j + 1].in0; i++)
		if (e->wf_in[i].producer != WL_NONE)
			__builtin_prefetch(&e->wf_js[e->wf_in[i].producer]);
}
static inline void *wf_ptr(uint32_t j) { return (void *)(uintptr_t)(j + 1); }
static inline uint32_t wf_job_of(void *p) { return (uint32_t)((uintptr_t)p - 1); }

/* The WT_N times of job j's live record (with jobs.csv.gz only). */
static inline double *wf_times(const engine *e, uint32_t j)
{
	uint32_t r = e->wf_js[j].rec - 1;
	double *t = (double *)(void *)(e->wf_rec_chunks[r / WF_REC_CHUNK] + WF_REC_CHUNK);
	return t + (size_t)(r % WF_REC_CHUNK) * WT_N;
}

/* Job j reached time k (of enum wf_time) at t: kept for its row. */
static inline void wf_mark(engine *e, uint32_t j, int k, double t)
{
	if (e->wf_rows)
		wf_times(e, j)[k] = t;
}

static int nomem(engine *e)
{
	return io_errf(e->err, IO_ENOMEM, NULL, 0, "out of memory");
}

static uint32_t wf_aux_index(const engine *e, uint32_t j);

/* A new record for job j (its times NAN, nothing staged); NULL when out
 * of memory. */
static __attribute__((noinline)) wjob *wf_job_new(engine *e, uint32_t j)
{
	if (e->wf_rec_free == WF_NONE) { /* a chunk more, its records free */
		if (e->wf_n_rec_chunks == e->wf_cap_rec_chunks) {
			uint32_t cap = e->wf_cap_rec_chunks ? 2 * e->wf_cap_rec_chunks : 16;
			wjob **c = realloc(e->wf_rec_chunks, cap * sizeof *c);
			if (!c)
				return NULL;
			e->wf_rec_chunks = c;
			e->wf_cap_rec_chunks = cap;
		}
		size_t bytes = WF_REC_CHUNK * (sizeof(wjob) +
					       (e->wf_rows ? WT_N * sizeof(double) : 0));
		wjob *chunk = aligned_alloc(_Alignof(wjob), bytes);
		if (!chunk)
			return NULL;
		sim_prefault(chunk, bytes); /* see mem.h */
		uint32_t base = e->wf_n_rec_chunks * WF_REC_CHUNK;
		e->wf_rec_chunks[e->wf_n_rec_chunks++] = chunk;
		for (uint32_t k = WF_REC_CHUNK; k-- > 0;) {
			chunk[k].next = e->wf_rec_free;
			e->wf_rec_free = base + k;
		}
	}
	uint32_t r = e->wf_rec_free;
	wjob *s = &e->wf_rec_chunks[r / WF_REC_CHUNK][r % WF_REC_CHUNK];
	e->wf_rec_free = s->next;
	e->wf_js[j].rec = r + 1;
	if (++e->wf_rec_live > e->wf_rec_peak)
		e->wf_rec_peak = e->wf_rec_live;
	s->ready = s->si_s = s->c_s = NAN;
	s->task = NULL;
	s->flows_left = 0;
	s->next = s->stage_next = WF_NONE;
	s->cls = j < e->wf_n_dag
			 ? WMS_COMPUTE
			 : (uint8_t)e->wf->wms.aux[e->wf_aux_of[wf_aux_index(e, j)]].cls;
	s->staged = s->stage_open = s->queued = s->in_stage_list = 0;
	if (e->wf_rows)
		for (int k = 0; k < WT_N; k++)
			wf_times(e, j)[k] = NAN;
	return s;
}

/* A machine queue's head changed to head (NULL: empty): prefetch what
 * the next starts and ends there will read, five starts deep. A queued
 * job waits behind thousands when many are in flight; when it starts, its
 * task, its entry (wf_js) and its record are each a cache miss, one after
 * the other (each address is in the one before), and so are the things
 * its end reads of its children: its list of them, their entries, their
 * inputs and (EFT) their inputs' producers' entries. Asked for one start
 * ahead each (an EFT job computes as it starts: its inputs came while it
 * queued): the task four places behind the head (h4) has its lines
 * fetched, h3 its entry, h2 its record and its list of children, h1 its
 * children's entries, the head their inputs (each step's addresses are in
 * what the step before fetched a start ago); wf_compute takes the last
 * step, their producers' entries. Prefetches only: what runs is the
 * same. */
static inline void wf_queue_prefetch(const engine *e, const task *head)
{
	if (!head)
		return;
	const wl_dag *d = e->wf->dag;
	if (e->wf_z && head->job < e->wf_n_dag) /* its draw (wf_z_time) */
		__builtin_prefetch(&e->wf_z[head->job]);
	if (head->job < e->wf_n_dag)
		for (uint32_t k = e->wf_js[head->job].ch0;
		     k < e->wf_js[head->job + 1].ch0; k++) {
			const wf_js *c = &e->wf_js[d->child[k]];
			if (c->in0 < c[1].in0)
				wf_in_prefetch(e, c->in0, c[1].in0);
		}
	const task *h1 = head->next;
	if (!h1)
		return;
	if (h1->job < e->wf_n_dag)
		for (uint32_t k = e->wf_js[h1->job].ch0;
		     k < e->wf_js[h1->job + 1].ch0; k++)
			wf_js_prefetch(e, d->child[k]);
	const task *h2 = h1->next;
	if (!h2)
		return;
	if (e->wf_js[h2->job].rec)
		__builtin_prefetch(wf_job(e, h2->job));
	if (h2->job < e->wf_n_dag &&
	    e->wf_js[h2->job].ch0 < e->wf_js[h2->job + 1].ch0)
		__builtin_prefetch(&d->child[e->wf_js[h2->job].ch0]);
	const task *h3 = h2->next;
	if (!h3)
		return;
	wf_js_prefetch(e, h3->job);
	const task *h4 = h3->next;
	if (h4) {
		__builtin_prefetch(h4);
		__builtin_prefetch((const char *)h4 + 64);
	}
}

/* Job j's record, opened if it has none live; NULL when out of memory. */
static inline wjob *wf_job_open(engine *e, uint32_t j)
{
	return e->wf_js[j].rec ? wf_job(e, j) : wf_job_new(e, j);
}

/* Job j is done (post end): its record goes back to the free list, out
 * of its machine's list of open stage-ins if it is still there. */
static void wf_job_close(engine *e, uint32_t j)
{
	wjob *s = wf_job(e, j);
	if (s->in_stage_list) {
		uint32_t *link = &e->wf_stage_head[e->wf_js[j].machine];
		while (*link != j)
			link = &wf_job(e, *link)->stage_next;
		*link = s->stage_next;
	}
	s->next = e->wf_rec_free;
	e->wf_rec_free = e->wf_js[j].rec - 1;
	e->wf_js[j].rec = 0;
	e->wf_rec_live--;
}

/* Uniform of job j for phase ph (a stream of its own per phase). */
static double wf_uniform(const engine *e, uint32_t j, int ph)
{
	return sim_task_uniform(sim_seed_mix(e->seed, 16 + (uint32_t)ph), j);
}

/* Jobs of the run: the DAG's, then the aux jobs (first ones, then the
 * ones after the sinks). */
static uint32_t wf_aux_index(const engine *e, uint32_t j)
{
	return j - e->wf_n_dag;
}

/* Is job j a DAG job timed by the profile (no recorded runtime to
 * replay): work x its type's mean expected, drawn at its start? */
static inline int wf_by_profile(const engine *e, uint32_t j)
{
	return j < e->wf_n_dag && !(e->wf->use_runtime &&
				    !isnan(wl_dag_runtime(e->wf->dag, j)));
}

/* Expected and actual time of job j on machine type mt: a recorded
 * runtime scaled by speed, or work x the profile's mean / draw (NAN:
 * draw at start). */
static double wf_runtime_on(const engine *e, uint32_t j, uint32_t mt,
			    int expected)
{
	const exp_workflow *w = e->wf;
	const wl_dag *d = w->dag;
	if (j >= e->wf_n_dag) {
		const wms_aux *a = &w->wms.aux[e->wf_aux_of[wf_aux_index(e, j)]];
		return expected ? a->runtime.mean
				: prof_model_quantile(&a->runtime,
						      wf_uniform(e, j, 5));
	}
	double r = wl_dag_runtime(d, j);
	if (w->use_runtime && !isnan(r)) {
		if (!isfinite(e->etc[(size_t)w->job_type[j] * e->prof->n_machines + mt]))
			return INFINITY;
		double ref = w->job_speed ? w->job_speed[j] : NAN;
		double sp = e->x->type_speed_mhz ? e->x->type_speed_mhz[mt] : NAN;
		return isnan(ref) || isnan(sp) ? r : r * ref / sp;
	}
	double x = e->etc[(size_t)w->job_type[j] * e->prof->n_machines + mt];
	return expected ? wl_dag_work(d, j) * x : NAN;
}

static uint32_t wf_type(const engine *e, uint32_t j)
{
	if (j >= e->wf_n_dag)
		return e->wf->aux_type0 + e->wf_aux_of[wf_aux_index(e, j)];
	return e->wf_js[j].type;
}

/* Job j's time in phase ph: 0 when its class has none (no draw). */
static double wf_phase(const engine *e, uint32_t j, wms_phase ph)
{
	if (!e->wf_phase_on[ph])
		return 0.0;
	const prof_model *pm = &e->wf->wms.phase[ph][wf_job(e, j)->cls];
	return pm->kind == PROF_NONE ? 0.0
				     : prof_model_quantile(pm, wf_uniform(e, j, (int)ph));
}

static double wf_expected(const engine *e, uint32_t j, uint32_t m)
{
	return wf_runtime_on(e, j, e->mviews[m].type, 1);
}

/* The step kind of job j after a phase of d s: an event, or at once when
 * the phase takes no time (runs without WMS overheads cost one event per
 * job, its end, as independent tasks do). */
static int wf_after(engine *e, double d, uint32_t kind, uint32_t j)
{
	if (!(e->view.now + d <= SIM_MAX_TIME_S)) {
		static const char *const what[] = {
			[EV_WF_SUBMIT] = "dispatch + wms_delay", [EV_WF_QUEUED] = "queue_delay",
			[EV_WF_STAGE] = "startup", [EV_WF_POST] = "post_delay"};
		io_errf(e->err, IO_EINPUT, NULL, 0,
			"WMS model \"%s\": %s of job %u drew %g s, beyond "
			"the limit of %g s", e->wf->wms.name, what[kind], j, d,
			SIM_MAX_TIME_S);
		return -1;
	}
	if (d > 0)
		return sim_heap_push(&e->heap, e->view.now + d, kind, wf_ptr(j)) ? 0 : -1;
	return wf_event(e, kind, wf_ptr(j));
}

static int wf_anomaly_on(const exp_anomaly *a, uint32_t m);
static double wf_anomaly_submit(const engine *e, double t);

/* j's parents are all done (at now). */
static int wf_queued(engine *e, uint32_t j, wjob *s);
static int wf_stage(engine *e, uint32_t j);
static int wf_post(engine *e, uint32_t j);

static int wf_ready(engine *e, uint32_t j)
{
	wjob *s = wf_job_open(e, j);
	if (!s)
		return -1;
	s->ready = e->view.now;
	wf_mark(e, j, WT_READY, e->view.now);
	if (e->wf_direct_ready && e->view.now <= SIM_MAX_TIME_S) {
		/* no dispatch, WMS or queue delay, no throttle, no stress on
		 * the submit host: what wf_submit and wf_queued do through
		 * two zero-delay steps */
		wf_mark(e, j, WT_SUBMIT, e->view.now);
		e->wf_running++;
		return wf_queued(e, j, s);
	}
	double d = wf_phase(e, j, WMS_WMS_DELAY);
	int disk = 0; /* a stress on the submit host, open or to come */
	for (size_t i = 0; i < e->x->n_anomalies && !disk; i++)
		disk = wf_anomaly_on(&e->x->anomalies[i], WF_NONE) &&
		       e->x->anomalies[i].t1 > e->view.now;
	if (e->wf_phase_on[WMS_DISPATCH] || disk) {
		/* the dispatch server that frees first (jobs come in ready
		 * order, so this is FIFO), then the parallel wms_delay; a
		 * stressed submit host's disk (hdd) makes each dispatch
		 * longer */
		uint32_t b = 0;
		for (uint32_t k = 1; k < e->wf_submit_slots; k++)
			if (e->wf_submit_free[k] < e->wf_submit_free[b])
				b = k;
		double at = e->wf_submit_free[b] > e->view.now ? e->wf_submit_free[b]
							      : e->view.now;
		if (e->wf_phase_on[WMS_DISPATCH])
			at += wf_phase(e, j, WMS_DISPATCH);
		if (disk)
			at += wf_anomaly_submit(e, at);
		e->wf_submit_free[b] = at;
		d += at - e->view.now;
	}
	return wf_after(e, d, EV_WF_SUBMIT, j);
}

static int wf_submit(engine *e, uint32_t j)
{
	wf_mark(e, j, WT_SUBMIT, e->view.now);
	e->wf_running++;
	if (e->wf_plan_sub)
		e->wf_plan_sub[e->wf_js[j].machine]++;
	double d = wf_phase(e, j, WMS_QUEUE_DELAY);
	return wf_after(e, d, EV_WF_QUEUED, j);
}

/* Under heft with max_running, a job is submitted only after the jobs
 * planned before it on its machine: one submitted ahead of them would hold
 * a place of max_running while waiting for them to run first. */
static int wf_submittable(const engine *e, uint32_t j)
{
	return !e->wf_plan_sub ||
	       e->wf_plan_pos[j] == e->wf_plan_sub[e->wf_js[j].machine];
}

/* Submit held jobs while max_running allows: in the order they were held
 * (under heft, the first that is submittable each time). */
static int wf_release(engine *e)
{
	uint32_t maxr = e->wf->wms.max_running;
	while (!maxr || e->wf_running < maxr) {
		uint32_t prev = WF_NONE, h = e->wf_hold_head;
		while (h != WF_NONE && !wf_submittable(e, h)) {
			prev = h;
			h = wf_job(e, h)->next;
		}
		if (h == WF_NONE)
			return 0;
		if (prev == WF_NONE)
			e->wf_hold_head = wf_job(e, h)->next;
		else
			wf_job(e, prev)->next = wf_job(e, h)->next;
		if (e->wf_hold_tail == h)
			e->wf_hold_tail = prev;
		if (wf_submit(e, h))
			return -1;
	}
	return 0;
}

/* Past its WMS delay: submitted now, or held while max_running jobs are
 * between submit and end (or, under heft, until its turn). */
static int wf_throttle(engine *e, uint32_t j)
{
	uint32_t maxr = e->wf->wms.max_running;
	if ((maxr && e->wf_running >= maxr) || !wf_submittable(e, j)) {
		wf_job(e, j)->next = WF_NONE;
		if (e->wf_hold_tail != WF_NONE)
			wf_job(e, e->wf_hold_tail)->next = j;
		else
			e->wf_hold_head = j;
		e->wf_hold_tail = j;
		return 0;
	}
	if (wf_submit(e, j))
		return -1;
	/* the next job planned on its machine may be waiting for it */
	return e->wf_plan_sub ? wf_release(e) : 0;
}

/* Send a file of b bytes from node src to job j (record s) on its
 * machine. */
static int wf_send(engine *e, uint32_t src, uint32_t j, wjob *s, double b)
{
	s->flows_left++;
	s->staged = 1;
	e->wf_transfers++;
	e->wf_bytes_up[src] += b;
	e->wf_bytes_down[e->wf_js[j].machine] += b;
	return sim_net_start(e->net, e->view.now, src, e->wf_js[j].machine, b, j)
		       ? -1
		       : 0;
}

/* j (record s) is mapped to machine m: fetch its inputs that are
 * elsewhere (all of them, or for heft, whose producers sent theirs
 * already, those from storage only). */
static int wf_fetch_inputs(engine *e, uint32_t j, wjob *s, int storage_only)
{
	if (j >= e->wf_n_dag)
		return 0;
	uint32_t m = e->wf_js[j].machine;
	for (uint32_t i = e->wf_js[j].in0; i < e->wf_js[j + 1].in0; i++) {
		uint32_t p = e->wf_in[i].producer;
		uint32_t src = p == WL_NONE ? e->wf_storage : storage_only ? WF_NONE
							    : e->wf_js[p].machine;
		if (src == WF_NONE || src == m) {
			e->wf_local_reads += src == m;
			continue;
		}
		if (wf_send(e, src, j, s, e->wf_in[i].bytes))
			return -1;
	}
	return 0;
}


/* The task of job j, as it reaches the mapper. */
static task *wf_task(engine *e, uint32_t j, wjob *s)
{
	task *t = task_alloc(e);
	if (!t)
		return NULL;
	uint32_t nmt = e->prof->n_machines;
	t->id = j;
	t->type = wf_type(e, j);
	t->arrival_s = s->ready;
	t->deadline_s = INFINITY;
	t->size = j < e->wf_n_dag ? wl_dag_work(e->wf->dag, j) : 1.0;
	t->started = 0;
	t->next = NULL;
	t->key = WL_NO_KEY;
	t->n_group = 1;
	t->member = 0;
	t->members = NULL;
	t->job = j;
	double *etc = t->store, *replay = t->store + nmt;
	const double *expect = etc; /* what t->etc becomes */
	/* a recorded (scaled) runtime is known: what it plans with is what
	 * it takes; an aux job draws; a profile job draws at its start */
	int plain = wf_by_profile(e, j);
	int known = j < e->wf_n_dag && !plain;
	if (plain) {
		/* no recorded runtime: what wf_runtime_on gives, in one loop:
		 * work x the profile's mean, drawn at start; of work 1 (no
		 * job_work), the type's row itself (nothing written) */
		double wk = wl_dag_work(e->wf->dag, j);
		const double *row = e->etc + (size_t)e->wf_js[j].type * nmt;
		if (wk == 1.0)
			expect = row;
		else
			for (uint32_t mt = 0; mt < nmt; mt++)
				etc[mt] = wk * row[mt];
		replay = NULL; /* nothing replayed (exec_time draws) */
	}
	for (uint32_t mt = 0; !plain && mt < nmt; mt++) {
		etc[mt] = wf_runtime_on(e, j, mt, 1);
		replay[mt] = !e->type_used[mt] || !isfinite(etc[mt]) ? NAN
			     : known			    ? etc[mt]
			     : j >= e->wf_n_dag		    ? wf_runtime_on(e, j, mt, 0)
							    : NAN;
		if (!isnan(replay[mt]) && !(replay[mt] <= SIM_MAX_TIME_S)) {
			char b[96];
			io_errf(e->err, IO_EINPUT, e->wf->dag->label, 0,
				"job %s takes %g s on machine type \"%s\" (its "
				"runtime scaled by speed_mhz, or an aux job's "
				"draw), beyond the limit of %g s",
				j < e->wf_n_dag ? wl_dag_job_label(e->wf->dag, j, b, sizeof b)
						: "(aux)",
				replay[mt], e->prof->machines[mt].name, SIM_MAX_TIME_S);
			task_free(e, t);
			return NULL;
		}
	}
	t->etc = expect;
	t->replay = replay;
	s->task = t;
	return t;
}

/* HEFT runs the jobs in rank order, far from the DAG's: each start and
 * end reads state the caches have lost, in chains (a job's entry gives
 * its record, the record its task; at its end, wf_push_off gives its
 * pushes, which give its readers' entries). The next starts on a machine
 * are known (its plan) and come one after the other: each start takes a
 * step down each chain for the jobs planned next, each step reading what
 * the step before fetched: the third job ahead (next[2]) has its entry
 * and push offsets fetched, the second its record and pushes, the next
 * one its task and its readers' entries, for its end. Prefetches only:
 * the run is the same. */
static inline void heft_ahead(const engine *e, const uint32_t *next,
			      uint32_t left)
{
	uint32_t n = e->wf_n_dag;
	if (left > 2) {
		__builtin_prefetch(&e->wf_js[next[2]]);
		if (next[2] < n)
			__builtin_prefetch(&e->wf_push_off[next[2]]);
	}
	if (left > 1) {
		if (e->wf_js[next[1]].rec)
			__builtin_prefetch(wf_job(e, next[1]));
		if (next[1] < n) {
			uint32_t k0 = e->wf_push_off[next[1]], k1 = e->wf_push_off[next[1] + 1];
			if (k0 < k1) { /* 12 bytes each: the first and last lines */
				__builtin_prefetch(&e->wf_push[k0]);
				__builtin_prefetch((const char *)&e->wf_push[k1] - 1);
			}
		}
	}
	if (left > 0) {
		wf_js_prefetch(e, next[0]);
		if (e->wf_z && next[0] < n) /* its draw (wf_z_time) */
			__builtin_prefetch(&e->wf_z[next[0]]);
		if (e->wf_js[next[0]].rec) {
			const task *t = wf_job(e, next[0])->task;
			if (t) {
				__builtin_prefetch(t);
				__builtin_prefetch((const char *)t + 64);
			}
		}
		if (next[0] < n)
			for (uint32_t k = e->wf_push_off[next[0]]; k < e->wf_push_off[next[0] + 1]; k++)
				__builtin_prefetch(&e->wf_js[e->wf_push[k].reader]);
	}
}

/* Does job j, under heft, get its task at its start rather than as it
 * reaches the mapper? A DAG job without a recorded runtime: its task
 * holds nothing that the time it is made changes (its expected times are
 * its type's, its arrival its ready time, its draw keyed by the job) and
 * has nothing to check (wf_task). Made at its start, a job's task comes
 * from the free list while the caches still hold it (that of a job just
 * ended), where one made at its queueing (some 135,000 jobs wait for
 * their turn on their machine at once in bench_dag's HEFT case of 10^6
 * jobs) is written, lost by the caches, and read again. */
static inline int heft_task_later(const engine *e, uint32_t j)
{
	return e->policy == &sim_wf_heft && wf_by_profile(e, j);
}

/* heft: start the jobs planned next on m while slots are free and they
 * have reached the mapper (its task made now where heft_task_later). */
static int wf_heft_start(engine *e, uint32_t m)
{
	sim_machine_view *mv = &e->mviews[m];
	while (mv->busy < mv->slots && e->wf_plan_at[m] < e->wf_plan_off[m + 1]) {
		uint32_t j = e->wf_plan[e->wf_plan_at[m]];
		if (!e->wf_js[j].rec || !wf_job(e, j)->queued)
			return 0; /* not at the mapper yet */
		e->wf_plan_at[m]++;
		heft_ahead(e, e->wf_plan + e->wf_plan_at[m],
			   e->wf_plan_off[m + 1] - e->wf_plan_at[m]);
		task *t = wf_job(e, j)->task;
		if (!t && !(t = wf_task(e, j, wf_job(e, j))))
			return -1;
		t->expected_s = t->etc[mv->type];
		t->machine = m;
		if (start_task(e, t, m))
			return -1;
	}
	return 0;
}

static int32_t wf_eft_pick(engine *e, uint32_t j, const double *etc);

/* Past its queue delay: the job's task goes to the mapper. */
static int wf_queued(engine *e, uint32_t j, wjob *s)
{
	if (j < e->wf_n_dag && e->policy == &sim_wf_eft)
		/* wf_eft_pick reads its inputs' producers' machines: asked
		 * for now, they come while the task is made */
		wf_producers_prefetch(e, j);
	task *t = NULL;
	if (!heft_task_later(e, j)) {
		t = wf_task(e, j, s);
		if (!t)
			return -1;
	}
	e->arrived++;
	e->type_arrived[wf_type(e, j)]++;
	if (++e->in_system > e->peak_in_system)
		e->peak_in_system = e->in_system;
	s->queued = 1;
	if (e->policy == &sim_wf_heft) {
		if (j < e->wf_n_dag && (e->wf_stored[j / 64] >> (j % 64) & 1) &&
		    wf_fetch_inputs(e, j, s, 1))
			return -1;
		return wf_heft_start(e, e->wf_js[j].machine);
	}
	if (e->policy == &sim_wf_eft) {
		/* mapped now: its inputs start moving while it may queue */
		int32_t m = wf_eft_pick(e, j, t->etc);
		e->wf_js[j].machine = (uint32_t)m;
		if (wf_fetch_inputs(e, j, s, 0))
			return -1;
		return place(e, t, m) < 0 ? -1 : 0;
	}
	return admit(e, t);
}

/* ------------------------------------------------------------ anomalies
 *
 * An experiment's "anomalies" (sim/sim.h, exp_anomaly) act on the jobs of
 * the machines they hit while their window [t0, t1) is open; outside it
 * nothing changes (a window after the run leaves it byte-identical).
 * Calibration against real runs: experiments/anomaly/CALIBRATION.md.
 *   cpu k   k cores taken by CPU hogs. Processor sharing (the Linux
 *           scheduler shares cores fairly among runnable threads): with n
 *           jobs holding slots of a machine of c slots (a slot is a core),
 *           n + k threads share c cores, so a job computes at rate
 *           min(1, c / (n + k)). n is taken when the job's computation
 *           starts; k sums the cpu anomalies open at each instant. Slows
 *           the CPU part of the compute phase of compute and auxiliary
 *           jobs: a share f of it (the experiment's "cpu_bound" of the
 *           job's type, default 1) at that rate, the rest (I/O waits) as
 *           it is: time (1 - f) + f max(1, (n + k) / c) per second of
 *           work. Stage-in and transfer jobs are left alone.
 *   hdd x   a stress writing x MB/s to a disk of D MB/s (disk_mb_per_s)
 *           leaves R = D - x (at least D / 20 when several add up past D)
 *           to everything else on the machine. A stage-in writes its
 *           bytes as they arrive: the n stage-ins open on the machine
 *           share R, so a transfer runs at min(its network rate, R / n).
 *           A network-bound one (many jobs sharing the storage node's
 *           link) is left as it is; a disk-bound one (a lone transfer
 *           faster than R) is slowed (the network rate is the phase's
 *           mean, its byte count the job's staged inputs; n is taken
 *           when its network part ends). The submit host: each
 *           job's submission writes submit_mb MB synchronously there (its
 *           submit file and logs, synced), normally in submit_mb / D_s s
 *           (D_s = submit_disk_mb_per_s, the rate its disk has free for
 *           writes; part of the fitted wms_delay); under the stress it
 *           takes submit_mb / (D_s - x) s, a queueing response
 *           (submit_mb / D_s) / (1 - x / D_s): next to nothing well
 *           below saturation, growing fast as x nears D_s; x >= D_s
 *           (saturated) leaves it D_s / 100. One job after the other
 *           (one submit process): the job's wms phase grows by the
 *           difference and its wait. Transfer jobs (Pegasus' stage_out,
 *           run from the submit host) read transfer_mb_per_s from its
 *           disk: their compute phase runs at min(1, (D_s - x) /
 *           transfer_mb_per_s), untouched until the disk nears
 *           saturation. submit_mb 0: the submit host (and so its
 *           transfer jobs) is left alone. Computation is untouched.
 *   loss p  p percent packet loss on the machine's links from t0 to t1:
 *           every flow to or from it capped at "streams" TCP connections
 *           of Padhye et al.'s rate (congestion avoidance and timeouts of
 *           T0 = rto_s; tcp "pftk", the default) or at one connection's
 *           Mathis rate (tcp "mathis"), through sim_net_set_loss (see
 *           wf_loss_apply); several open on one machine combine as
 *           independent losses. Computation is left alone.
 * A phase's stretch is exact over piecewise-constant rates: it runs at
 * rate 1 outside the windows and at the anomaly's rate inside. */

/* Does anomaly a hit machine m? (WF_NONE: the submit host, which an hdd
 * anomaly with submit_mb > 0 stresses.) */
static int wf_anomaly_on(const exp_anomaly *a, uint32_t m)
{
	if (m == WF_NONE)
		return a->kind == EXP_ANOM_HDD && a->submit_mb > 0;
	for (uint32_t i = 0; i < a->n_machines; i++)
		if (a->machines[i] == m)
			return 1;
	return 0;
}

/* The end of a phase of w s (at rate 1) that starts at t on machine m
 * under the anomalies of kind k; load: for cpu the slots held on m, for
 * hdd the disk rate (MB/s) the phase needs to run at rate 1 (INFINITY:
 * all the disk gives, D); share: for cpu the phase's CPU-bound share. */
static double wf_stretch(const engine *e, uint32_t m, exp_anomaly_kind k,
			 double t, double w, double load, double share)
{
	const sim_experiment *x = e->x;
	double cores = m == WF_NONE ? 1 : (double)e->mviews[m].slots;
	while (w > 0) {
		double next = INFINITY, hog = 0, disk = INFINITY;
		for (size_t i = 0; i < x->n_anomalies; i++) {
			const exp_anomaly *a = &x->anomalies[i];
			if (a->kind != k || !wf_anomaly_on(a, m) || t >= a->t1)
				continue;
			if (t < a->t0) {
				next = fmin(next, a->t0);
				continue;
			}
			next = fmin(next, a->t1);
			hog += a->value;
			disk = fmin(disk, m == WF_NONE ? a->submit_disk_mb_per_s
						       : a->disk_mb_per_s);
		}
		double slow = 1; /* time per second of work */
		if (hog > 0 && k == EXP_ANOM_CPU)
			slow = 1 - share + share * fmax(1, (load + hog) / cores);
		else if (hog > 0)
			slow = fmax(1, (isinf(load) ? disk : load) /
					       fmax(disk - hog,
						    disk / (m == WF_NONE ? 100 : 20)));
		if (!(w * slow > next - t))
			return t + w * slow;
		w -= (next - t) / slow;
		t = next;
	}
	return t;
}

/* Job j's stage-in opened (wf_stage): a staged one joins its machine's
 * list, which wf_anomaly_stage walks instead of every job. A stage-in
 * with nothing to stage computes at once (its c_s is now), so it never
 * counts; staged is set before any transfer (wf_send), so it is known
 * here. Returns -1 out of memory. */
static int wf_anomaly_stage_open(engine *e, uint32_t j)
{
	wjob *s = wf_job(e, j);
	uint32_t nm = e->view.n_machines, m = e->wf_js[j].machine;
	if (!s->staged || j >= e->wf_n_dag || m >= nm)
		return 0;
	if (!e->wf_stage_head) {
		if (!(e->wf_stage_head = malloc(nm * sizeof *e->wf_stage_head)))
			return -1;
		for (uint32_t k = 0; k < nm; k++)
			e->wf_stage_head[k] = WF_NONE;
	}
	s->stage_next = e->wf_stage_head[m];
	e->wf_stage_head[m] = j;
	s->in_stage_list = 1;
	return 0;
}

/* Job j's stage-in ended at now on the network; the disk (hdd) may make
 * it later: its end. It needs its mean network rate from the disk, times
 * the n stage-ins open on its machine (they share the disk): those of
 * its machine's list whose stage-in has not ended by now (c_s: its end,
 * NAN: none yet). One that has ended leaves the list (now only grows), so
 * each stage-in is passed over at most once after its end: a run costs
 * O(jobs + open stage-ins per stage-in end), not O(jobs^2). */
static double wf_anomaly_stage(engine *e, uint32_t j, double now)
{
	const wjob *s = wf_job(e, j);
	uint32_t m = e->wf_js[j].machine;
	double si = s->si_s;
	int hit = 0;
	for (size_t i = 0; i < e->x->n_anomalies && !hit; i++)
		hit = e->x->anomalies[i].kind == EXP_ANOM_HDD &&
		      wf_anomaly_on(&e->x->anomalies[i], m) &&
		      e->x->anomalies[i].t1 > si;
	if (!hit || !(now > si) || j >= e->wf_n_dag)
		return now;
	double bytes = 0; /* the inputs it staged (wf_fetch_inputs' rule) */
	for (uint32_t i = e->wf_js[j].in0; i < e->wf_js[j + 1].in0; i++) {
		uint32_t p = e->wf_in[i].producer;
		uint32_t src = p == WL_NONE ? e->wf_storage : e->wf_js[p].machine;
		bytes += src != m ? e->wf_in[i].bytes : 0;
	}
	double n = 0; /* stage-ins open on m, j included */
	uint32_t *link = e->wf_stage_head ? &e->wf_stage_head[m] : NULL;
	while (link && *link != WF_NONE) {
		wjob *o = wf_job(e, *link);
		if (o->c_s <= now) {
			*link = o->stage_next; /* ended: for good */
			o->in_stage_list = 0;
			continue;
		}
		n++;
		link = &o->stage_next;
	}
	double need = bytes / 1e6 / (now - si) * fmax(n, 1);
	return wf_stretch(e, m, EXP_ANOM_HDD, si, now - si, need, 1);
}

/* Job j computes from c0 to c1 (at rate 1): the end under cpu (compute and
 * auxiliary jobs) or hdd (transfer jobs: the submit host's disk) anomalies. */
static double wf_anomaly_compute(const engine *e, uint32_t j, double c0,
				 double c1)
{
	const wjob *s = wf_job(e, j);
	uint32_t m = e->wf_js[j].machine;
	if (s->cls == WMS_TRANSFER) {
		double need = 0; /* the first open hdd anomaly's */
		for (size_t i = 0; i < e->x->n_anomalies && !need; i++)
			if (wf_anomaly_on(&e->x->anomalies[i], WF_NONE) &&
			    e->x->anomalies[i].t1 > c0)
				need = e->x->anomalies[i].transfer_mb_per_s;
		return need ? wf_stretch(e, WF_NONE, EXP_ANOM_HDD, c0, c1 - c0, need, 1)
			    : c1;
	}
	double f = e->x->cpu_bound ? e->x->cpu_bound[s->task->type] : 1;
	return wf_stretch(e, m, EXP_ANOM_CPU, c0, c1 - c0,
			  (double)e->mviews[m].busy, f);
}

/* A submission ready at t on the submit host: the extra time its
 * synchronous write takes under open hdd anomalies (0: none). */
static double wf_anomaly_submit(const engine *e, double t)
{
	const exp_anomaly *first = NULL;
	for (size_t i = 0; i < e->x->n_anomalies && !first; i++)
		if (wf_anomaly_on(&e->x->anomalies[i], WF_NONE) &&
		    e->x->anomalies[i].t1 > t)
			first = &e->x->anomalies[i];
	if (!first)
		return 0;
	double w = first->submit_mb / first->submit_disk_mb_per_s;
	double end = wf_stretch(e, WF_NONE, EXP_ANOM_HDD, t, w, INFINITY, 1);
	return end > t + w ? end - (t + w) : 0;
}

/* Throughput of one TCP connection (bytes/s) at packet loss p in (0, 1)
 * by Padhye, Firoiu, Towsley and Kurose ("Modeling TCP throughput: a
 * simple model and its empirical validation", SIGCOMM 1998, eq. 30,
 * without the receiver-window limit): congestion avoidance plus the
 * retransmission timeouts that dominate at a few percent loss,
 *     B = MSS / (RTT sqrt(2bp/3) + T0 min(1, 3 sqrt(3bp/8)) p (1 + 32p^2)),
 * b = 2 segments acknowledged per ACK (delayed ACKs). */
static double wf_pftk_rate(double mss, double rtt, double t0, double p)
{
	const double b = 2;
	double to = t0 * fmin(1, 3 * sqrt(3 * b * p / 8)) * p * (1 + 32 * p * p);
	return mss / (rtt * sqrt(2 * b * p / 3) + to);
}

/* Loss: set every machine's loss to what the windows open at now give,
 * then schedule the next window edge. Open loss windows on one machine
 * combine as independent losses, p = 1 - prod(1 - p_i), under the TCP
 * model (tcp, streams, rto_s) of the first open one in the list. The
 * network (sim/net.h) caps each flow at the Mathis rate of its node's
 * loss; a pftk machine's cap is streams x B(p) (above), set through the
 * Mathis-equivalent loss p' = 3/2 (MSS' / (RTT cap))^2, with the
 * network's MSS' lowered for the whole run where a cap is below the
 * Mathis rate of p' = 1/4 (machines without loss have no cap, whatever
 * the MSS; Mathis machines get p' that keeps their own cap). A flow
 * between two lossy machines sees 1 - (1 - p'_A)(1 - p'_B): exact for
 * flows from or to a lossless node (the storage node), close for the
 * rest. */
static int wf_loss_apply(engine *e)
{
	const sim_experiment *x = e->x;
	double now = e->view.now;
	uint32_t nm = e->x->n_machines;
	while (e->wf_loss_next < e->wf_n_loss_edges) {
		uint32_t ed = e->wf_loss_edge[e->wf_loss_next];
		const exp_anomaly *a = &x->anomalies[ed / 2];
		double at = ed & 1 ? a->t1 : a->t0;
		if (at > now) {
			e->wf_loss_ev = sim_heap_push(&e->heap, at, EV_WF_LOSS, NULL);
			return e->wf_loss_ev ? 0 : -1;
		}
		e->wf_loss_next++;
		double rtt = 2 * e->wf->latency_s, mss = SIM_NET_MSS_BYTES;
		const double c = sqrt(1.5); /* Mathis: cap = MSS c / (RTT sqrt p) */
		double min_cap = INFINITY;
		for (uint32_t m = 0; m < nm; m++) {
			double keep = 1;
			const exp_anomaly *first = NULL;
			for (size_t b = 0; b < x->n_anomalies; b++) {
				const exp_anomaly *o = &x->anomalies[b];
				if (o->kind == EXP_ANOM_LOSS && o->t0 <= now &&
				    now < o->t1 && wf_anomaly_on(o, m)) {
					keep *= 1 - o->value / 100;
					first = first ? first : o;
				}
			}
			double p = 1 - keep;
			e->wf_loss_p[m] = p;
			e->wf_loss_cap[m] = !first || !(p > 0) ? INFINITY
					    : first->tcp_pftk
						    ? first->streams *
							      wf_pftk_rate(mss, rtt, first->rto_s, p)
						    : mss * c / (rtt * sqrt(p));
			e->wf_loss_mathis[m] = first && !first->tcp_pftk;
			min_cap = fmin(min_cap, e->wf_loss_cap[m]);
		}
		/* p' <= 1/4 for every cap */
		double mss_eff = fmin(mss, min_cap * rtt / (2 * c));
		if (mss_eff != e->wf_loss_mss) {
			if (sim_net_set_mss(e->net, now, mss_eff))
				return -1;
			e->wf_loss_mss = mss_eff;
		}
		for (uint32_t m = 0; m < nm; m++) {
			double q = e->wf_loss_cap[m] == INFINITY ? 0
				   : e->wf_loss_mathis[m] && mss_eff == mss
					   ? e->wf_loss_p[m]
					   : pow(mss_eff * c / (rtt * e->wf_loss_cap[m]), 2);
			if (q == sim_net_loss(e->net, m))
				continue;
			int rc = sim_net_set_loss(e->net, now, m, q);
			if (rc == IO_EINPUT)
				return io_errf(e->err, IO_EINPUT, NULL, 0,
					       "loss anomaly %u on machine %u: "
					       "packet loss needs a round-trip "
					       "time (the workload's latency_s "
					       "> 0)", ed / 2, m);
			if (rc)
				return -1;
		}
	}
	return 0;
}

static int wf_loss_edge_cmp(const engine *e, uint32_t p, uint32_t q)
{
	const exp_anomaly *a = &e->x->anomalies[p / 2], *b = &e->x->anomalies[q / 2];
	double tp = p & 1 ? a->t1 : a->t0, tq = q & 1 ? b->t1 : b->t0;
	return tp < tq ? -1 : tp > tq ? 1 : p < q ? -1 : p > q;
}

/* The loss windows' edges in time order; the first applied. */
static int wf_loss_begin(engine *e)
{
	const sim_experiment *x = e->x;
	uint32_t n = 0;
	for (size_t i = 0; i < x->n_anomalies; i++)
		n += x->anomalies[i].kind == EXP_ANOM_LOSS ? 2 : 0;
	if (!n)
		return 0;
	uint32_t nm = e->x->n_machines;
	e->wf_loss_edge = malloc(n * sizeof *e->wf_loss_edge);
	e->wf_loss_p = malloc(nm * sizeof *e->wf_loss_p);
	e->wf_loss_cap = malloc(nm * sizeof *e->wf_loss_cap);
	e->wf_loss_mathis = malloc(nm);
	if (!e->wf_loss_edge || !e->wf_loss_p || !e->wf_loss_cap ||
	    !e->wf_loss_mathis)
		return nomem(e);
	e->wf_loss_mss = SIM_NET_MSS_BYTES;
	for (size_t i = 0; i < x->n_anomalies; i++)
		if (x->anomalies[i].kind == EXP_ANOM_LOSS) {
			/* insertion sort: a handful of edges */
			for (uint32_t ed = (uint32_t)(2 * i); ed <= 2 * i + 1; ed++) {
				uint32_t k = e->wf_n_loss_edges++;
				while (k > 0 && wf_loss_edge_cmp(e, e->wf_loss_edge[k - 1], ed) > 0) {
					e->wf_loss_edge[k] = e->wf_loss_edge[k - 1];
					k--;
				}
				e->wf_loss_edge[k] = ed;
			}
		}
	return wf_loss_apply(e);
}

/* Stage-in over (or none needed): compute. */
static int wf_compute(engine *e, uint32_t j, wjob *s)
{
	task *t = s->task;
	double now = e->view.now;
	/* its end reads its list of children (wf_post): asked for now, it
	 * is there by then (a compute's worth of events touch less than
	 * the caches hold); and, with many jobs in flight (EFT:
	 * wf_eft_pick reads them), the entries of its children's inputs'
	 * producers (the inputs came a start ago, from a machine queue:
	 * wf_queue_prefetch) */
	if (j < e->wf_n_dag && e->wf_js[j].ch0 < e->wf_js[j + 1].ch0) {
		const uint32_t *child = e->wf->dag->child;
		__builtin_prefetch(&child[e->wf_js[j].ch0]);
		for (uint32_t k = e->wf_js[j].ch0;
		     e->policy == &sim_wf_eft && wf_many(e) && k < e->wf_js[j + 1].ch0; k++)
			wf_producers_prefetch(e, child[k]);
	}
	double late = 0; /* stage-in made longer by anomalies */
	if (s->staged && e->x->n_anomalies) {
		double si_e = wf_anomaly_stage(e, j, now);
		late = si_e - now;
		now = si_e;
	}
	if (s->staged)
		wf_mark(e, j, WT_SI_E, now);
	double end = e->wf->wms.staging_inside
			     ? s->si_s + t->exec_s + late
			     : now + t->exec_s;
	if (end < now)
		end = now;
	if (e->x->n_anomalies)
		end = wf_anomaly_compute(e, j, now, end);
	s->c_s = now;
	wf_mark(e, j, WT_C_S, now);
	wf_mark(e, j, WT_C_E, end);
	t->exec_s = end - t->start_s; /* the slot's busy time (on_end) */
	return sim_heap_push(&e->heap, end, EV_DONE, t) ? 0 : -1;
}

/* start_task's part for a job: the slot is held; start-up first. */
/* Run machine m's per_machine aux jobs, one after the other, from now:
 * each is ready, submitted, started and computing now (no WMS phase of
 * its own: its "runtime" is all it costs), ends and is post-processed
 * after its runtime draw, holding no slot. */
static int wf_per_machine(engine *e, uint32_t m)
{
	uint32_t nm = e->view.n_machines;
	double at = e->view.now;
	for (uint32_t k = 0; k < e->wf_n_pm; k++) {
		uint32_t p = e->wf_n_jobs + k * nm + m;
		wjob *s = wf_job_open(e, p);
		if (!s)
			return -1;
		e->wf_js[p].machine = m;
		s->ready = s->c_s = at;
		for (int w = WT_READY; w <= WT_START; w++)
			wf_mark(e, p, w, at);
		wf_mark(e, p, WT_C_S, at);
		at += wf_runtime_on(e, p, e->mviews[m].type, 0);
		wf_mark(e, p, WT_C_E, at);
		wf_mark(e, p, WT_END, at);
		e->wf_pm_used++;
		if (wf_after(e, at - e->view.now, EV_WF_POST, p))
			return -1;
	}
	e->wf_pm_end[m] = at;
	return 0;
}

static WF_HOOK int wf_start(engine *e, task *t)
{
	wf_mark(e, t->job, WT_START, e->view.now);
	if (e->policy != &sim_wf_heft && e->policy != &sim_wf_eft) {
		/* a registry policy's job fetches its inputs once it runs */
		e->wf_js[t->job].machine = t->machine;
		if (wf_fetch_inputs(e, t->job, wf_job(e, t->job), 0))
			return -1;
	}
	if (e->wf_direct_start && e->view.now <= SIM_MAX_TIME_S)
		return wf_stage(e, t->job); /* no start-up, no per_machine jobs */
	double d = wf_phase(e, t->job, WMS_STARTUP);
	if (e->wf_n_pm && t->job < e->wf_n_dag) {
		/* the machine's per_machine aux jobs run before its first DAG
		 * job, which (like any job started there before they end)
		 * waits for them in its start-up */
		if (isnan(e->wf_pm_end[t->machine]) && wf_per_machine(e, t->machine))
			return -1;
		double w = e->wf_pm_end[t->machine] - e->view.now;
		d = w > d ? w : d;
	}
	return wf_after(e, d, EV_WF_STAGE, t->job);
}

static int wf_stage(engine *e, uint32_t j)
{
	wjob *s = wf_job(e, j);
	s->si_s = e->view.now;
	wf_mark(e, j, WT_SI_S, e->view.now);
	s->stage_open = 1;
	if (e->x->n_anomalies && wf_anomaly_stage_open(e, j))
		return -1;
	return s->flows_left ? 0 : wf_compute(e, j, s);
}

static int wf_arrived(engine *e, uint32_t j)
{
	wjob *s = wf_job(e, j);
	if (--s->flows_left == 0 && s->stage_open)
		return wf_compute(e, j, s);
	return 0;
}

/* on_end's part for job j, which ended at now (its task is finished). */
static WF_HOOK int wf_end(engine *e, uint32_t j)
{
	wjob *s = wf_job(e, j);
	uint32_t m = e->wf_js[j].machine;
	wf_mark(e, j, WT_END, e->view.now);
	s->task = NULL;
	/* its compute ended now: the task's EV_DONE is at compute_end_s */
	e->wf_compute_s[m] += e->view.now - s->c_s;
	if (e->on_job) {
		sim_dag_job_row row = {.job = j, .machine = m,
				       .ready_s = s->ready,
				       .start_s = s->c_s, .end_s = e->view.now};
		e->on_job(e->on_job_ctx, &row);
	}
	e->wf_running--;
	if (e->wf_hold_head != WF_NONE && wf_release(e)) /* none held: none to go */
		return -1;
	if (e->policy == &sim_wf_heft && j < e->wf_n_dag) {
		/* push the files to the readers planned elsewhere (wf_push;
		 * their entries asked for at once first: each push comes
		 * between two of them). The job planned next on m: its entry
		 * asked for now, its record once the entry is in
		 * (wf_heft_start reads both, after the pushes). */
		uint32_t at = e->wf_plan_at[m], nx = WF_NONE;
		if (at < e->wf_plan_off[m + 1]) {
			nx = e->wf_plan[at];
			__builtin_prefetch(&e->wf_js[nx]);
		}
		const wf_push *p0 = e->wf_push + e->wf_push_off[j],
			      *p1 = e->wf_push + e->wf_push_off[j + 1];
		for (const wf_push *p = p0; p < p1; p++)
			__builtin_prefetch(&e->wf_js[p->reader]);
		if (nx != WF_NONE && e->wf_js[nx].rec)
			__builtin_prefetch(&wf_job(e, nx)->queued);
		for (const wf_push *p = p0; p < p1; p++) {
			uint32_t c = p->reader;
			if (e->wf_js[c].machine == m) {
				e->wf_local_reads++;
			} else {
				/* c may not be ready yet: its record opens
				 * with the first file */
				wjob *sc = wf_job_open(e, c);
				if (!sc || wf_send(e, m, c, sc, p->bytes))
					return -1;
			}
		}
		if (wf_heft_start(e, m))
			return -1;
	}
	if (e->wf_direct_post && e->view.now <= SIM_MAX_TIME_S)
		return wf_post(e, j);
	double pd = wf_phase(e, j, WMS_POST_DELAY);
	return wf_after(e, pd, EV_WF_POST, j);
}

/* A row of jobs.csv.gz (wfspec.md) as the run hands it over: what in it
 * changes during the run. The gzip writer's thread formats it
 * (wf_row_text) beside the run. */
typedef struct wf_rowrec {
	double t[WT_N]; /* the job's times (enum wf_time) */
	uint32_t j, type, machine, mtype;
	uint8_t cls, staged;
} wf_rowrec;

#define WF_ROW_MAX                                                             \
	(2 * SIM_FMT_U64_MAX + 3 * NAME_MAX_BYTES + 16 + 2 +                   \
	 WT_N * (SIM_FMT_TIME_MAX + 1) + 8 + 2 * NAME_MAX_BYTES + 8)

/* Job j's row, handed over (its record is closed next). */
static void wf_row(engine *e, uint32_t j)
{
	const wjob *s = wf_job(e, j);
	wf_rowrec *r = sim_gzout_record(e->csv);
	memcpy(r->t, wf_times(e, j), sizeof r->t);
	r->j = j;
	r->type = wf_type(e, j);
	r->machine = e->wf_js[j].machine;
	r->mtype = e->mviews[r->machine].type;
	r->cls = (uint8_t)s->cls;
	r->staged = (uint8_t)s->staged;
}

/* The text of row rec (a wf_rowrec) into row (WF_ROW_MAX bytes); on the
 * writer's thread: it reads only what the run leaves as it is (names,
 * the DAG, the aux jobs' kinds). */
static size_t wf_row_text(const void *ctx, const void *rec, char *row)
{
	const engine *e = ctx;
	const wf_rowrec *r = rec;
	uint32_t j = r->j;
	const double *jt = r->t;
	size_t n = sim_fmt_u64(row, j);
	row[n++] = ',';
	char aux[64];
	const char *name = j < e->wf_n_dag ? wl_dag_job_name(e->wf->dag, j)
					   : NULL;
	if (!name) { /* "<kind>_<j>", cut at 63 bytes (as snprintf would) */
		const char *pre = j < e->wf_n_dag
					  ? "job"
					  : e->wf->wms.aux[e->wf_aux_of[wf_aux_index(e, j)]].kind;
		char num[SIM_FMT_U64_MAX];
		size_t pl = strlen(pre), nl = sim_fmt_u64(num, j);
		size_t al = pl < sizeof aux - 1 ? pl : sizeof aux - 1;
		memcpy(aux, pre, al);
		if (al < sizeof aux - 1)
			aux[al++] = '_';
		if (nl > sizeof aux - 1 - al)
			nl = sizeof aux - 1 - al;
		memcpy(aux + al, num, nl);
		aux[al + nl] = '\0';
		name = aux;
	}
	size_t l = strlen(name);
	int quote = strpbrk(name, ",\"\n\r") != NULL;
	if (l > NAME_MAX_BYTES)
		l = NAME_MAX_BYTES;
	if (quote) { /* RFC 4180 */
		row[n++] = '"';
		for (size_t i = 0; i < l && n < NAME_MAX_BYTES * 2; i++) {
			if (name[i] == '"')
				row[n++] = '"';
			row[n++] = name[i];
		}
		row[n++] = '"';
	} else {
		memcpy(row + n, name, l);
		n += l;
	}
	row[n++] = ',';
	uint32_t tt = r->type;
	n += put_name(row + n, e->prof->tasks[tt].name, e->name_len[tt]);
	static const char *const cls[] = {"compute,", "transfer,", "auxiliary,"};
	l = strlen(cls[r->cls]);
	memcpy(row + n, cls[r->cls], l);
	n += l;
	n += sim_fmt_u64(row + n, r->machine);
	row[n++] = ',';
	uint32_t mt = r->mtype;
	n += put_name(row + n, e->prof->machines[mt].name,
		      e->name_len[e->prof->n_tasks + mt]);
	/* ready,submit,start,si_s,si_e,c_s,c_e,so_s,so_e,end,post */
	double v[11] = {jt[WT_READY], jt[WT_SUBMIT], jt[WT_START],
			jt[WT_SI_S],  jt[WT_SI_E],  jt[WT_C_S],
			jt[WT_C_E],   NAN,	    NAN,
			jt[WT_END],   jt[WT_POST]};
	if (!r->staged)
		v[3] = v[4] = NAN;
	for (int k = 0; k < 11; k++) {
		if (!isnan(v[k]))
			n += sim_fmt_time(row + n, v[k]);
		row[n++] = k < 10 ? ',' : '\n';
	}
	return n;
}

/* jobs.csv.gz, opened (e->csv): its header, and its rows handed over as
 * records (wf_row), formatted by wf_row_text. */
static int wf_rows_begin(engine *e, io_err *err)
{
	static const char header[] =
		"job,name,task_type,class,machine,machine_type,ready_s,"
		"submit_s,start_s,stage_in_start_s,stage_in_end_s,"
		"compute_start_s,compute_end_s,stage_out_start_s,"
		"stage_out_end_s,end_s,post_end_s\n";
	sim_gzout_write(e->csv, header, sizeof header - 1);
	if (sim_gzout_records(e->csv, sizeof(wf_rowrec), WF_ROW_MAX,
			      wf_row_text, e))
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	return row_names_init(e, err);
}

static int wf_release_last(engine *e);

/* Every DAG job is done: the after_sinks jobs whose share had no sink
 * (more of them than sinks) are ready too, and with none of them left,
 * the last ones. */
static int wf_dag_finished(engine *e)
{
	uint64_t ns = e->wf_n_sinks, na = e->wf_n_after;
	for (uint32_t g = 0; g < e->wf_n_after; g++)
		if (g * ns / na == (g + 1) * ns / na && /* an empty share */
		    wf_ready(e, e->wf_n_dag + e->wf_n_first + g))
			return -1;
	return e->wf_after_left == 0 ? wf_release_last(e) : 0;
}

/* j's post delay is over. */
static int wf_post(engine *e, uint32_t j)
{
	wf_mark(e, j, WT_POST, e->view.now);
	if (e->view.now > e->last_done_s)
		e->last_done_s = e->view.now;
	e->wf_done++;
	if (e->wf_done == e->wf_n_jobs + e->wf_pm_used && e->wf_loss_ev) {
		/* the run is over: a later window edge must not stretch it */
		sim_heap_cancel(&e->heap, e->wf_loss_ev);
		e->wf_loss_ev = 0;
	}
	if (e->csv)
		wf_row(e, j);
	wf_job_close(e, j);
	const wl_dag *d = e->wf->dag;
	if (j >= e->wf_n_dag) {
		uint32_t a = j - e->wf_n_dag;
		if (a < e->wf_n_first) {
			if (--e->wf_first_left)
				return 0;
			for (uint32_t r = 0; r < e->wf_n_dag; r++)
				if (d->par_off[r + 1] == d->par_off[r] && wf_ready(e, r))
					return -1;
			return e->wf_n_dag ? 0 : wf_dag_finished(e);
		}
		if (a < e->wf_n_first + e->wf_n_after && --e->wf_after_left == 0 &&
		    e->wf_dag_done == e->wf_n_dag)
			return wf_release_last(e);
		return 0;
	}
	uint32_t k0 = e->wf_js[j].ch0, k1 = e->wf_js[j + 1].ch0;
	/* the children's entries asked for at once (each child's step comes
	 * between two of them: the misses would wait in turn) */
	for (uint32_t k = k0; k < k1; k++)
		wf_js_prefetch(e, d->child[k]);
	/* and those it makes ready, their inputs and (EFT: wf_eft_pick reads
	 * them) their producers' entries, together (the inputs came at its
	 * compute start, wf_compute) */
	for (uint32_t k = k0; k < k1; k++) {
		const wf_js *c = &e->wf_js[d->child[k]];
		if (c->left != 1)
			continue;
		if (c->in0 < c[1].in0)
			wf_in_prefetch(e, c->in0, c[1].in0);
		if (e->policy == &sim_wf_eft && wf_many(e))
			wf_producers_prefetch(e, d->child[k]);
	}
	for (uint32_t k = k0; k < k1; k++) {
		uint32_t c = d->child[k];
		if (--e->wf_js[c].left == 0 &&
		    wf_ready(e, c))
			return -1;
	}
	uint32_t g = e->wf_sink_group ? e->wf_sink_group[j] : WF_NONE;
	if (g != WF_NONE && --e->wf_group_left[g] == 0 &&
	    wf_ready(e, e->wf_n_dag + e->wf_n_first + g))
		return -1;
	if (++e->wf_dag_done == e->wf_n_dag)
		return wf_dag_finished(e);
	return 0;
}

static int wf_release_last(engine *e)
{
	for (uint32_t j = e->wf_n_dag + e->wf_n_first + e->wf_n_after;
	     j < e->wf_n_jobs; j++)
		if (wf_ready(e, j))
			return -1;
	return 0;
}

/* Handle one workflow event; the kinds the loop does not know. */
static WF_HOOK int wf_event(engine *e, uint32_t kind, void *data)
{
	if (kind >= EV_NET) {
		const uint64_t *done;
		int k = sim_net_event(e->net, e->view.now, kind, data, &done);
		if (k < 0)
			return -1;
		for (int i = 0; i < k; i++)
			if (wf_arrived(e, (uint32_t)done[i]))
				return -1;
		return 0;
	}
	uint32_t j = wf_job_of(data);
	switch (kind) {
	case EV_WF_SUBMIT:
		return wf_throttle(e, j);
	case EV_WF_QUEUED:
		return wf_queued(e, j, wf_job(e, j));
	case EV_WF_STAGE:
		return wf_stage(e, j);
	case EV_WF_POST:
		return wf_post(e, j);
	case EV_WF_LOSS:
		e->wf_loss_ev = 0;
		return wf_loss_apply(e);
	}
	return -1;
}

#if defined(__SSE2__)
/* The first place m < n4 (a multiple of four) where fin[m] is least, and
 * that least in *best; WF_NONE (*best INFINITY) where none is below
 * INFINITY. A NaN is never least (an unable machine, a pad). A tree of
 * minima (exact: a minimum rounds nothing), then the first place holding
 * it: the pick of a scan that keeps the first of equal finishes, without
 * its chain of compares. fin_first takes the least of each lane (lo0)
 * from a caller that works them out as it writes fin; fin_least works
 * them out. */
static HOT_INLINE uint32_t fin_first(const double *fin, uint32_t n4,
				     __m128d lo0, double *best)
{
	lo0 = _mm_min_pd(lo0, _mm_unpackhi_pd(lo0, lo0));
	double least = _mm_cvtsd_f64(lo0);
	*best = INFINITY;
	if (!(least < INFINITY))
		return WF_NONE;
	lo0 = _mm_unpacklo_pd(lo0, lo0);
	uint32_t k = WF_NONE;
	if (n4 <= 64) {
		uint64_t h = 0;
		for (uint32_t m = 0; m < n4; m += 2)
			h |= (uint64_t)_mm_movemask_pd(_mm_cmpeq_pd(_mm_loadu_pd(fin + m), lo0))
			     << m;
		k = (uint32_t)__builtin_ctzll(h);
	} else {
		for (k = 0; fin[k] != least; k++)
			;
	}
	*best = fin[k];
	return k;
}

static HOT_INLINE uint32_t fin_least(const double *fin, uint32_t n4,
				     double *best)
{
	__m128d lo0 = _mm_set1_pd(INFINITY), lo1 = lo0;
	for (uint32_t m = 0; m < n4; m += 4) {
		lo0 = _mm_min_pd(_mm_loadu_pd(fin + m), lo0); /* NaN: lo0 kept */
		lo1 = _mm_min_pd(_mm_loadu_pd(fin + m + 2), lo1);
	}
	return fin_first(fin, n4, _mm_min_pd(lo0, lo1), best);
}
#endif

/* Machine m's ready time from its sim_ready (policies/policy.h). */
static inline double ready_on(const sim_ready *rd, uint32_t m, double now)
{
	double from = rd[m].from_s;
	return (from > now ? from : now) + rd[m].backlog_s;
}

/* eft: the machine where j would finish first: max(ready, inputs
 * arrival) + expected time; inputs arrival = now + the latest over source
 * machines of latency + bytes from there / min(its uplink, the downlink)
 * (bytes from one source add up; contention-free: the largest). With one
 * downlink speed for all (wf_down_same) a source's arrival is the same on
 * every machine but its own: the latest (a1, from s1) and the latest from
 * another source (a2) give each machine's in O(1). */
static int32_t wf_eft_pick(engine *e, uint32_t j, const double *etc)
{
	double now = e->view.now;
	uint32_t ns = 0, st = ++e->wf_stamp;
	int cf = e->wf->contention_free;
	if (j < e->wf_n_dag)
		for (uint32_t i = e->wf_js[j].in0; i < e->wf_js[j + 1].in0; i++) {
			uint32_t p = e->wf_in[i].producer;
			uint32_t s = p == WL_NONE ? e->wf_storage : e->wf_js[p].machine;
			if (s == WF_NONE)
				continue;
			double b = e->wf_in[i].bytes;
			if (e->wf_src_stamp[s] != st) {
				e->wf_src_stamp[s] = st;
				e->wf_src_pos[s] = ns;
				e->wf_src_list[ns] = s;
				e->wf_src_bytes[ns++] = b;
			} else if (cf) {
				if (b > e->wf_src_bytes[e->wf_src_pos[s]])
					e->wf_src_bytes[e->wf_src_pos[s]] = b;
			} else {
				e->wf_src_bytes[e->wf_src_pos[s]] += b;
			}
		}
	double lat = sim_net_latency(e->net), best = INFINITY;
	int32_t bm = SIM_DEFER;
	const uint32_t *type = e->x->machine_type; /* = mviews[m].type */
	const sim_ready *rd = e->ready;
	uint32_t nm = e->view.n_machines;
	if (e->wf_down_same) {
		double a1 = now, a2 = now, down = e->wf_inv_down[0];
		uint32_t s1 = WF_NONE;
		for (uint32_t k = 0; k < ns; k++) {
			uint32_t s = e->wf_src_list[k];
			double inv = e->wf_inv_up[s] > down ? e->wf_inv_up[s] : down;
			double t = now + lat + e->wf_src_bytes[k] * inv;
			if (t > a1) {
				a2 = a1;
				a1 = t;
				s1 = s;
			} else if (t > a2) {
				a2 = t;
			}
		}
#if defined(__SSE2__)
		/* every machine's finish, two at a time, then the first
		 * least (fin_least): the pick of the loop below, where a
		 * machine it skips finishes no earlier than the best so far */
		double *fin = e->wf_fin;
		__m128d vnow = _mm_set1_pd(now), va1 = _mm_set1_pd(a1);
		uint32_t m = 0;
		for (; m + 2 <= nm; m += 2) {
			__m128d r0 = _mm_loadu_pd(&rd[m].from_s),
				r1 = _mm_loadu_pd(&rd[m + 1].from_s);
			__m128d ready = _mm_add_pd(_mm_max_pd(_mm_unpacklo_pd(r0, r1), vnow),
						   _mm_unpackhi_pd(r0, r1));
			__m128d x = _mm_loadh_pd(_mm_load_sd(&etc[type[m]]),
						 &etc[type[m + 1]]);
			_mm_storeu_pd(fin + m, _mm_add_pd(_mm_max_pd(ready, va1), x));
		}
		for (; m < nm; m++) { /* an odd last one */
			double ready = ready_on(rd, m, now);
			fin[m] = (ready > a1 ? ready : a1) + etc[type[m]];
		}
		if (s1 < nm) { /* the latest input's own machine: a2 */
			double ready = ready_on(rd, s1, now);
			fin[s1] = (ready > a2 ? ready : a2) + etc[type[s1]];
		}
		uint32_t k = fin_least(fin, (nm + 3) & ~3u, &best);
		return k == WF_NONE ? SIM_DEFER : (int32_t)k;
#else
		for (uint32_t m = 0; m < nm; m++) {
			double x = etc[type[m]], ready = ready_on(rd, m, now);
			if (!(ready + x < best)) /* as below */
				continue;
			double arrive = m == s1 ? a2 : a1;
			double fin = (ready > arrive ? ready : arrive) + x;
			if (fin < best) {
				best = fin;
				bm = (int32_t)m;
			}
		}
		return bm;
#endif
	}
	for (uint32_t m = 0; m < nm; m++) {
		double x = etc[type[m]], ready = ready_on(rd, m, now);
		/* fin >= ready + x: no better (nor, x infinite or NaN, able) */
		if (!(ready + x < best))
			continue;
		double arrive = now;
		for (uint32_t k = 0; k < ns; k++) {
			uint32_t s = e->wf_src_list[k];
			if (s == m)
				continue;
			double inv = e->wf_inv_up[s] > e->wf_inv_down[m]
					     ? e->wf_inv_up[s]
					     : e->wf_inv_down[m];
			double t = now + lat + e->wf_src_bytes[k] * inv;
			if (t > arrive)
				arrive = t;
		}
		double fin = (ready > arrive ? ready : arrive) + x;
		if (fin < best) {
			best = fin;
			bm = (int32_t)m;
		}
	}
	return bm;
}

/* The bits of key[i] as an unsigned integer (their order is the values'
 * for keys neither negative nor NaN). */
static inline uint64_t key_bits(const double *key, uint32_t i)
{
	uint64_t b;
	memcpy(&b, &key[i], sizeof b);
	return b;
}

/* Stable LSD radix sort of idx[0..n) by the bits of key[idx[i]],
 * descending: digits of RADIX_BITS (6 passes for 64 bits, counters in
 * L1), all their counts in one pass over the keys, a digit equal in all
 * keys skipped; tmp: room for n, the caller's. */
#define RADIX_BITS 11
#define RADIX_N (1u << RADIX_BITS)

static int radix_desc(uint32_t *idx, const double *key, uint32_t n,
		      uint32_t *tmp)
{
	enum { PASSES = (64 + RADIX_BITS - 1) / RADIX_BITS };
	uint32_t *cnt = calloc((size_t)PASSES * RADIX_N, sizeof *cnt);
	if (!cnt)
		return -1;
	/* bucket RADIX_N - 1 - digit: the largest digit first */
#define RADIX_COUNT(p) \
	cnt[(p) * RADIX_N + RADIX_N - 1 - ((k >> ((p) * RADIX_BITS)) & (RADIX_N - 1))]++
	_Static_assert(PASSES == 6, "one RADIX_COUNT per pass");
	for (uint32_t i = 0; i < n; i++) {
		if (i + 16 < n) /* key[] is read at random: ahead of time */
			__builtin_prefetch(&key[idx[i + 16]]);
		uint64_t k = key_bits(key, idx[i]);
		RADIX_COUNT(0);
		RADIX_COUNT(1);
		RADIX_COUNT(2);
		RADIX_COUNT(3);
		RADIX_COUNT(4);
		RADIX_COUNT(5);
	}
#undef RADIX_COUNT
	uint32_t *a = idx, *b = tmp;
	for (int p = 0; p < PASSES; p++) {
		uint32_t *c = cnt + p * RADIX_N, sum = 0;
		int same = 0;
		for (uint32_t k = 0; k < RADIX_N && !same; k++)
			same = c[k] == n;
		if (same)
			continue;
		for (uint32_t k = 0; k < RADIX_N; k++) {
			uint32_t v = c[k];
			c[k] = sum;
			sum += v;
		}
		int shift = p * RADIX_BITS;
		for (uint32_t i = 0; i < n; i++) {
			if (i + 16 < n)
				__builtin_prefetch(&key[a[i + 16]]);
			b[c[RADIX_N - 1 - ((key_bits(key, a[i]) >> shift) & (RADIX_N - 1))]++] = a[i];
		}
		uint32_t *t = a;
		a = b;
		b = t;
	}
	if (a != idx)
		memcpy(idx, a, (size_t)n * sizeof *idx);
	free(cnt);
	return 0;
}

/* heft's work in halves on two processors (sim_par2) from this many
 * jobs; fewer do not repay a thread. */
enum { HEFT_PAR_MIN = 65536 };

/* The bytes of heft's rank-pass arrays (edge data, ranks) from which
 * they are faulted in beside the pass rather than before it. Below, at
 * 10^5 jobs of bench_dag's DAG (2.6 MB), the pass took 5.8 ms with them
 * faulted in beside it, 3.4 ms after them faulted in first (1.3 ms); at
 * 10^6 (26 MB) 31 ms either way, the 10 ms of faulting in hidden
 * beside it. */
#define HEFT_BESIDE_MIN ((size_t)8 << 20)

/* radix_desc of one half of heft_sort's array (a sim_par2 job). */
typedef struct radix_half {
	uint32_t *idx;
	const double *key;
	uint32_t n, *tmp;
	int rc;
} radix_half;

static void radix_half_run(void *arg)
{
	radix_half *h = arg;
	h->rc = radix_desc(h->idx, h->key, h->n, h->tmp);
}

/* A share of heft_sort's merge: x[0, nx) and y[0, ny) into out, x's
 * first on a tie (a sim_par2 job). */
typedef struct merge_half {
	const double *key;
	const uint32_t *x, *y;
	uint32_t nx, ny, *out;
} merge_half;

static void merge_half_run(void *arg)
{
	const merge_half *h = arg;
	const uint32_t *x = h->x, *xe = x + h->nx, *y = h->y, *ye = y + h->ny;
	uint32_t *out = h->out;
	while (x < xe && y < ye) {
		/* y's first only when strictly greater: x's keep their place */
		int take_y = key_bits(h->key, *y) > key_bits(h->key, *x);
		*out++ = take_y ? *y++ : *x++;
	}
	while (x < xe)
		*out++ = *x++;
	while (y < ye)
		*out++ = *y++;
}

/* radix_desc's order (stable, by key[idx[i]] descending), each half of
 * idx sorted on its own processor (sim_par2), then merged, the first
 * half's first on a tie (the same order), the two halves of the merge
 * side by side: the first k = n / 2 places take x's first i and y's first
 * k - i, i the least where x[i] would not come before y[k - i - 1]. With
 * one processor, radix_desc alone. tmp: room for n, the caller's (the
 * halves' radix room, then the merge's). */
static int heft_sort(uint32_t *idx, const double *key, uint32_t n,
		     uint32_t *tmp)
{
	if (n < HEFT_PAR_MIN || sim_cpus() < 2)
		return radix_desc(idx, key, n, tmp);
	radix_half a = {idx, key, n / 2, tmp, 0},
		   b = {idx + n / 2, key, n - n / 2, tmp + n / 2, 0};
	sim_par2(radix_half_run, &a, &b);
	if (a.rc || b.rc)
		return -1;
	uint32_t *out = tmp;
	const uint32_t *x = a.idx, *y = b.idx;
	uint32_t nx = a.n, ny = b.n, k = n / 2;
	uint32_t lo = k > ny ? k - ny : 0, hi = k < nx ? k : nx;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (k - mid > 0 && key_bits(key, x[mid]) >= key_bits(key, y[k - mid - 1]))
			lo = mid + 1;
		else
			hi = mid;
	}
	merge_half ma = {key, x, y, lo, k - lo, out},
		   mb = {key, x + lo, y + (k - lo), nx - lo, ny - (k - lo), out + k};
	sim_par2(merge_half_run, &ma, &mb);
	memcpy(idx, out, (size_t)n * sizeof *idx);
	return 0;
}

/* HEFT's pass in rank order visits the jobs at random: each reads its
 * parents' list, then their finish times, machines and edges, a chain of
 * cache misses per job once the DAG is past the caches. The order is
 * known ahead (all[]): the job 16 places ahead has its entries fetched,
 * the one 8 ahead its parents' list (its offsets are there by now), the
 * one 4 ahead its parents' times and machines. Prefetches only: the plan
 * is the same. */
static inline void heft_prefetch(const engine *e, const uint32_t *all,
				 uint32_t t, uint32_t N, const double *aft,
				 const double *edata, const uint8_t *efiles)
{
	const wl_dag *d = e->wf->dag;
	uint32_t n = e->wf_n_dag;
	if (t + 16 < N && all[t + 16] < n) {
		__builtin_prefetch(&d->par_off[all[t + 16]]);
		__builtin_prefetch(&e->wf_js[all[t + 16]]);
	}
	if (t + 8 < N && all[t + 8] < n) {
		uint32_t k = d->par_off[all[t + 8]];
		__builtin_prefetch(&d->par[k]);
		__builtin_prefetch(&edata[k]);
		__builtin_prefetch(&efiles[k]);
	}
	if (t + 4 < N && all[t + 4] < n) {
		uint32_t j = all[t + 4];
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++) {
			__builtin_prefetch(&aft[d->par[k]]);
			__builtin_prefetch(&e->wf_js[d->par[k]]);
		}
	}
}

/* What job j is expected to take on each machine type (INFINITY on types
 * not in the run): wf_runtime_on's expected values, without a call per
 * type for a DAG job without a recorded runtime (work x the mean). */
static void wf_expected_types(const engine *e, uint32_t j, double *xt)
{
	uint32_t nmt = e->prof->n_machines;
	if (wf_by_profile(e, j)) {
		double wk = wl_dag_work(e->wf->dag, j);
		const double *row = e->etc + (size_t)e->wf_js[j].type * nmt;
		for (uint32_t mt = 0; mt < nmt; mt++)
			xt[mt] = e->type_used[mt] ? wk * row[mt] : INFINITY;
		return;
	}
	for (uint32_t mt = 0; mt < nmt; mt++)
		xt[mt] = e->type_used[mt] ? wf_runtime_on(e, j, mt, 1) : INFINITY;
}

/* Two of heft's walks over a job's parents, most of which have one to
 * three (the rank pass raising their values, the plan's pass taking the
 * latest finish): three lanes, those past the last repeating the last
 * (heft_lane), so the loop's end is no guess for the branch predictor;
 * a repeat gives the same maximum again. More than three: one lane each
 * (heft_lanes). */
enum { HEFT_LANES = 3 };
static inline uint32_t heft_lanes(uint32_t n)
{
	return n - 1 < HEFT_LANES ? HEFT_LANES : n;
}
static inline uint32_t heft_lane(uint32_t q, uint32_t n)
{
	return q < n ? q : n - 1;
}

/* heft's pick with one downlink speed: the machine m < nm where a job
 * ready at a1 (a2 on machine pm1) finishes first, max(mfree[m], ready) +
 * xm[m], the first on a tie; WF_NONE where none finishes (all infinite or
 * NaN: unable). *best: its finish. The arrays hold a multiple of four
 * entries (a pad of NaN in xm). With SSE2 two machines at a time, a tree
 * of minima, then the first place holding the least: the same pick as the
 * scan without them, whose chain of compares through the best so far
 * waits some 5 cycles a machine. */
static HOT_INLINE uint32_t heft_pick(const double *mfree, const double *xm,
				     const double *mnum, double *fin,
				     uint32_t nm, double a1, double a2,
				     uint32_t pm1, double *best)
{
#if defined(__SSE2__)
	uint32_t n4 = (nm + 3) & ~3u;
	__m128d r1 = _mm_set1_pd(a1), r2 = _mm_set1_pd(a2),
		vp = _mm_set1_pd(pm1 == WF_NONE ? -1.0 : (double)pm1);
	__m128d lo0 = _mm_set1_pd(INFINITY), lo1 = lo0;
	for (uint32_t m = 0; m < n4; m += 4) {
		__m128d p0 = _mm_cmpeq_pd(_mm_loadu_pd(mnum + m), vp),
			p1 = _mm_cmpeq_pd(_mm_loadu_pd(mnum + m + 2), vp);
		__m128d d0 = _mm_or_pd(_mm_and_pd(p0, r2), _mm_andnot_pd(p0, r1)),
			d1 = _mm_or_pd(_mm_and_pd(p1, r2), _mm_andnot_pd(p1, r1));
		__m128d f0 = _mm_add_pd(_mm_max_pd(_mm_loadu_pd(mfree + m), d0),
					_mm_loadu_pd(xm + m)),
			f1 = _mm_add_pd(_mm_max_pd(_mm_loadu_pd(mfree + m + 2), d1),
					_mm_loadu_pd(xm + m + 2));
		_mm_storeu_pd(fin + m, f0);
		_mm_storeu_pd(fin + m + 2, f1);
		lo0 = _mm_min_pd(f0, lo0); /* a NaN f: lo0 kept */
		lo1 = _mm_min_pd(f1, lo1);
	}
	return fin_first(fin, n4, _mm_min_pd(lo0, lo1), best);
#else
	(void)mnum;
	(void)fin;
	double b = INFINITY;
	uint32_t bm = WF_NONE;
	for (uint32_t m = 0; m < nm; m++) {
		double drt = m == pm1 ? a2 : a1, avail = mfree[m];
		double f = (avail > drt ? avail : drt) + xm[m];
		int lt = f < b; /* NaN (unable): never */
		b = lt ? f : b;
		bm = lt ? m : bm;
	}
	*best = b;
	return bm;
#endif
}

/* wf_expected_types into xt, unless xt holds job j's already: j is a DAG
 * job without a recorded runtime of the same task type and work as the
 * job it was last filled for (*memo_type, *memo_work; WF_NONE: none), as
 * most jobs of most DAGs are. Returns whether xt changed. */
static HOT_INLINE int wf_expected_again(const engine *e, uint32_t j, double *xt,
					uint32_t *memo_type, double *memo_work)
{
	if (wf_by_profile(e, j)) {
		uint32_t tt = e->wf_js[j].type;
		double wk = wl_dag_work(e->wf->dag, j);
		if (tt == *memo_type && memcmp(&wk, memo_work, sizeof wk) == 0)
			return 0;
		*memo_type = tt;
		*memo_work = wk;
	} else {
		*memo_type = WF_NONE;
	}
	wf_expected_types(e, j, xt);
	return 1;
}

/* Is every job numbered after its parents (the job order topological)? */
static int heft_parents_first(const wl_dag *d)
{
	for (uint32_t j = 0; j < d->n_jobs; j++)
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++)
			if (d->par[k] >= j)
				return 0;
	return 1;
}

/* The jobs of all[t0, t1), each to the next place at[m] of its machine
 * m = where[t] (the plan's) in wf_plan, both read in order: the two
 * halves of the plan side by side (sim_par2), each from its own places. */
typedef struct heft_scatter {
	engine *e;
	const uint32_t *all, *where;
	uint32_t t0, t1;
	uint32_t *at;
} heft_scatter;

static void heft_scatter_run(void *arg)
{
	const heft_scatter *h = arg;
	const uint32_t *all = h->all, *where = h->where;
	uint32_t *plan = h->e->wf_plan, *at = h->at;
	for (uint32_t t = h->t0; t < h->t1; t++)
		plan[at[where[t]]++] = all[t];
}

/* Each DAG job's wf_push list and wf_stored bit: the second processor's
 * part beside heft's rank-order pass (it reads the DAG and wf_in only).
 * A job without children has no pushes (each reader of a file is a child
 * of its producer). */
static void heft_push_run(void *arg)
{
	engine *e = arg;
	const wl_dag *d = e->wf->dag;
	uint32_t k = 0;
	for (uint32_t j = 0; j < e->wf_n_dag; j++) {
		for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++)
			if (e->wf_in[i].producer == WL_NONE)
				e->wf_stored[j / 64] |= (uint64_t)1 << (j % 64);
		e->wf_push_off[j] = k;
		if (d->child_off[j] == d->child_off[j + 1])
			continue;
		for (uint32_t i = d->out_off[j]; i < d->out_off[j + 1]; i++) {
			uint32_t f = d->out_file[i];
			for (uint32_t q = d->cons_off[f]; q < d->cons_off[f + 1]; q++)
				e->wf_push[k++] = (wf_push){d->file_size[f], d->cons[q]};
		}
	}
	e->wf_push_off[e->wf_n_dag] = k;
}

/* heft (Topcuoglu, Hariri & Wu, IEEE TPDS 13(3), 2002), insertion-free:
 * upward ranks with mean costs (mean expected time over the machines that
 * can run the job; an edge's mean communication cost = latency + its bytes
 * / mean over ordered machine pairs of min(uplink, downlink), 0 for an
 * edge without files), then in decreasing rank order (ties: topological
 * order) each job goes to the machine (slot) where it would finish first
 * after the last job already planned on that slot. Auxiliary jobs are
 * planned after the DAG's, each on the machine where it finishes first
 * (first ones at time 0). The per-machine order is kept at run time. */
static int wf_plan_heft(engine *e)
{
	const wl_dag *d = e->wf->dag;
	uint32_t n = e->wf_n_dag, nm = e->view.n_machines, N = e->wf_n_jobs;
	size_t ne = d->par_off[n];
	double *edata = calloc(ne ? ne : 1, sizeof *edata);
	uint8_t *efiles = calloc(ne ? ne : 1, 1);
	/* per job: the most over its children of their rank + the edge's
	 * mean cost (0: no child yet) until its turn in the rank pass, its
	 * upward rank after; its planned finish once planned */
	double *aft = calloc(N ? N : 1, sizeof *aft);
	uint32_t *all = malloc((size_t)(N ? N : 1) * sizeof *all);
	/* heft_sort's room, then each place's machine (all[t]'s: where[t]) */
	uint32_t *sort_tmp = malloc((size_t)(N ? N : 1) * sizeof *sort_tmp),
		 *where = sort_tmp;
	size_t total_slots = 0;
	for (uint32_t m = 0; m < nm; m++)
		total_slots += e->mviews[m].slots;
	double *slot_free = calloc(total_slots, sizeof *slot_free);
	/* per machine: its first slot, its slot that frees first (the first
	 * such) and when */
	size_t *mbase = malloc((nm ? nm : 1) * sizeof *mbase);
	size_t *mslot = malloc((nm ? nm : 1) * sizeof *mslot);
	/* per machine, a multiple of four entries (heft_pick): when it
	 * frees, its number, the job's finish there */
	uint32_t nm4 = (nm + 3) & ~3u;
	double *mfree = calloc(nm4 ? nm4 : 4, sizeof *mfree);
	double *mnum = malloc((nm4 ? nm4 : 4) * sizeof *mnum);
	double *fin = malloc((nm4 ? nm4 : 4) * sizeof *fin);
	uint32_t *cnt = calloc(nm + 1, sizeof *cnt);
	uint32_t *half = calloc(nm ? nm : 1, sizeof *half); /* per machine: jobs
							       in all[]'s first half */
	uint32_t nmt = e->prof->n_machines;
	double *xt = malloc((nmt ? nmt : 1) * sizeof *xt); /* a job's per type */
	double *xm = malloc((nm4 ? nm4 : 4) * sizeof *xm); /* and per machine */
	e->wf_plan = malloc((size_t)(N ? N : 1) * sizeof *e->wf_plan);
	e->wf_plan_off = calloc(nm + 1, sizeof *e->wf_plan_off);
	e->wf_plan_at = calloc(nm, sizeof *e->wf_plan_at);
	/* readers of all files: at least all pushes (one producer a file) */
	size_t n_reads = d->n_files && d->cons_off ? d->cons_off[d->n_files] : 0;
	e->wf_push_off = malloc((size_t)(n + 1) * sizeof *e->wf_push_off);
	e->wf_push = malloc((n_reads ? n_reads : 1) * sizeof *e->wf_push);
	e->wf_stored = calloc((size_t)n / 64 + 1, sizeof *e->wf_stored);
	int rc = -1;
	if (!edata || !efiles || !aft || !all || !sort_tmp || !slot_free ||
	    !mbase || !mslot || !mfree || !mnum || !fin || !cnt || !half || !xt || !xm || !e->wf_plan ||
	    !e->wf_plan_off || !e->wf_plan_at || !e->wf_push_off || !e->wf_push ||
	    !e->wf_stored)
		goto out;
	for (uint32_t m = 0; m < nm4; m++) {
		mnum[m] = m < nm ? (double)m : -2.0;
		xm[m] = NAN; /* the pad: never picked */
	}
	double inv_bw_mean = 0, lat = sim_net_latency(e->net);
	if (nm > 1) {
		double sum = 0;
		for (uint32_t a = 0; a < nm; a++)
			for (uint32_t b = 0; b < nm; b++)
				if (a != b) {
					const sim_nic *x = sim_net_nic(e->net, a),
						      *y = sim_net_nic(e->net, b);
					sum += x->up_bps < y->down_bps ? x->up_bps
								       : y->down_bps;
				}
		inv_bw_mean = (double)nm * (nm - 1) / sum;
	}
	/* the arrays faulted in beside the rank pass (edata and aft are read
	 * first: see mem.h), from their ends back as the pass goes; where
	 * the rank pass's own are small, those at once first (beside it,
	 * they slowed it more than they saved: see HEFT_BESIDE_MIN) */
	sim_prefault_list pl = {{edata, efiles, aft, all, sort_tmp, e->wf_plan},
				{ne * sizeof *edata, ne, (size_t)N * sizeof *aft,
				 (size_t)N * sizeof *all, (size_t)N * sizeof *sort_tmp,
				 (size_t)N * sizeof *e->wf_plan},
				6};
	if (pl.size[0] + pl.size[1] + pl.size[2] < HEFT_BESIDE_MIN) {
		for (int i = 0; i < 3; i++)
			sim_prefault(pl.p[i], pl.size[i]);
		pl.p[0] = pl.p[1] = pl.p[2] = NULL; /* sim_prefault_back skips */
	}
	sim_bg bg;
	sim_bg_start(&bg, sim_prefault_back, &pl);
	/* Upward ranks in any reverse topological order: a rank is a max
	 * over the children, the same whichever comes first. The job order
	 * itself where it is one (each parent numbered before its children,
	 * as generators and most workflow files number them): the pass then
	 * reads every array front to back, where the DAG's topological order
	 * jumps about within each level. */
	const uint32_t *walk = heft_parents_first(d) ? NULL : d->topo;
	uint32_t memo_type = WF_NONE, c = 0;
	double memo_work = 0, w = 0;
	for (uint32_t t = n; t-- > 0;) {
		uint32_t j = walk ? walk[t] : t;
		uint32_t k0 = d->par_off[j], np = d->par_off[j + 1] - k0;
		/* the bytes of j's edges from its parents (j's inputs) */
		for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
			uint32_t p = e->wf_in[i].producer;
			if (p == WL_NONE)
				continue;
			uint32_t k = k0;
			while (d->par[k] != p)
				k++;
			edata[k] += e->wf_in[i].bytes;
			efiles[k] = 1;
		}
		if (wf_expected_again(e, j, xt, &memo_type, &memo_work)) {
			w = 0;
			c = 0;
			for (uint32_t m = 0; m < nm; m++) {
				double x = xt[e->mviews[m].type];
				if (x < INFINITY) {
					w += x;
					c++;
				}
			}
		}
		double rank = aft[j] = (c ? w / c : 0) + aft[j];
		for (uint32_t q = 0, nl = heft_lanes(np); q < nl; q++) {
			uint32_t k = k0 + heft_lane(q, np), p = d->par[k];
			double cc = efiles[k] && nm > 1 ? lat + edata[k] * inv_bw_mean : 0;
			double v = cc + rank;
			aft[p] = v > aft[p] ? v : aft[p];
		}
	}
	sim_bg_join(&bg);
	/* first aux jobs, then the DAG in rank order (sorted in place), then
	 * the last ones. In that order each job's aft becomes its planned
	 * finish: its parents come before it (a rank is more than its
	 * children's, or equal and first in the topological order), a job
	 * after. */
	uint32_t nf = e->wf_n_first;
	for (uint32_t k = 0; k < nf; k++)
		all[k] = n + k;
	memcpy(all + nf, d->topo, (size_t)n * sizeof *all);
	for (uint32_t k = n + nf; k < N; k++)
		all[k] = k;
	if (heft_sort(all + nf, aft, n, sort_tmp))
		goto out;
	sim_bg_start(&bg, heft_push_run, e); /* beside the pass */
	double first_end = 0, dag_end = 0;
	memo_type = WF_NONE;
	for (uint32_t m = 0, base = 0; m < nm; base += e->mviews[m].slots, m++)
		mbase[m] = mslot[m] = base;
	const uint32_t *mtype = e->x->machine_type; /* = mviews[m].type */
	int down_same = e->wf_down_same;
	for (uint32_t t = 0; t < N; t++) {
		heft_prefetch(e, all, t, N, aft, edata, efiles);
		uint32_t j = all[t];
		double parents_end = j >= n + nf ? dag_end : 0;
		uint32_t k0 = j < n ? d->par_off[j] : 0, np = j < n ? d->par_off[j + 1] - k0 : 0;
		if (j < n && np == 0)
			parents_end = first_end;
		uint32_t nl = heft_lanes(np);
		for (uint32_t q = 0; q < nl; q++) {
			double a = aft[d->par[k0 + heft_lane(q, np)]];
			parents_end = a > parents_end ? a : parents_end;
		}
		/* with one downlink speed (wf_down_same): the data ready time
		 * on any machine but pm1 is a1, on pm1 a2 (the latest arrival
		 * from another machine), each edge timed once */
		double a1 = parents_end, a2 = parents_end;
		uint32_t pm1 = WF_NONE;
		for (uint32_t k = 0; down_same && k < np; k++) {
			uint32_t p = d->par[k0 + k], pm = e->wf_js[p].machine;
			if (!efiles[k0 + k])
				continue;
			double inv = e->wf_inv_up[pm] > e->wf_inv_down[0]
					     ? e->wf_inv_up[pm]
					     : e->wf_inv_down[0];
			double ta = aft[p] + lat + edata[k0 + k] * inv;
			if (ta > a1) {
				if (pm != pm1)
					a2 = a1;
				a1 = ta;
				pm1 = pm;
			} else if (ta > a2 && pm != pm1) {
				a2 = ta;
			}
		}
		double best = INFINITY;
		uint32_t bm = WF_NONE;
		if (wf_expected_again(e, j, xt, &memo_type, &memo_work))
			for (uint32_t m = 0; m < nm; m++)
				xm[m] = xt[mtype[m]];
		/* with one downlink speed: heft_pick. The same picks as the
		 * loop below, whose first test only skips machines that
		 * cannot win (a1 and a2 are at least parents_end) */
		if (down_same)
			bm = heft_pick(mfree, xm, mnum, fin, nm, a1, a2, pm1, &best);
		for (uint32_t m = 0; !down_same && m < nm; m++) {
			double x = xm[m], avail = mfree[m];
			/* no better, or (x infinite or NaN) unable: avail and
			 * parents_end are finite */
			if (!((avail > parents_end ? avail : parents_end) + x < best))
				continue;
			double drt = a1; /* pm1 is WF_NONE here */
			for (uint32_t k = 0; k < np; k++) {
				uint32_t p = d->par[k0 + k], pm = e->wf_js[p].machine;
				if (pm == m || !efiles[k0 + k])
					continue;
				double inv = e->wf_inv_up[pm] > e->wf_inv_down[m]
						     ? e->wf_inv_up[pm]
						     : e->wf_inv_down[m];
				double ta = aft[p] + lat + edata[k0 + k] * inv;
				if (ta > drt)
					drt = ta;
			}
			double est = avail > drt ? avail : drt;
			if (est + x < best) {
				best = est + x;
				bm = m;
			}
		}
		if (bm != WF_NONE) { /* bm's slot that frees first now */
			size_t base = mbase[bm], sb = base;
			slot_free[mslot[bm]] = best;
			for (size_t sl = base + 1; sl < base + e->mviews[bm].slots; sl++)
				if (slot_free[sl] < slot_free[sb])
					sb = sl;
			mslot[bm] = sb;
			mfree[bm] = slot_free[sb];
		}
		aft[j] = best;
		e->wf_js[j].machine = bm;
		where[t] = bm;
		cnt[bm + 1]++;
		half[bm] += t < N / 2;
		if (j >= n && j < n + nf && best > first_end)
			first_end = best;
		if (j < n && best > dag_end)
			dag_end = best;
	}
	sim_bg_join(&bg);
	for (uint32_t m = 0; m < nm; m++)
		cnt[m + 1] += cnt[m];
	memcpy(e->wf_plan_off, cnt, (nm + 1) * sizeof *cnt);
	for (uint32_t m = 0; m < nm; m++) {
		e->wf_plan_at[m] = cnt[m];
		half[m] += cnt[m]; /* where the second half's start */
	}
	heft_scatter h0 = {e, all, where, 0, N / 2, cnt},
		     h1 = {e, all, where, N / 2, N, half};
	if (N >= HEFT_PAR_MIN) {
		sim_par2(heft_scatter_run, &h0, &h1);
	} else {
		heft_scatter_run(&h0);
		heft_scatter_run(&h1);
	}
	if (e->wf->wms.max_running) {
		e->wf_plan_pos = malloc((size_t)(N ? N : 1) * sizeof *e->wf_plan_pos);
		e->wf_plan_sub = malloc(nm * sizeof *e->wf_plan_sub);
		if (!e->wf_plan_pos || !e->wf_plan_sub)
			goto out;
		for (uint32_t t = 0; t < N; t++)
			e->wf_plan_pos[e->wf_plan[t]] = t;
		memcpy(e->wf_plan_sub, e->wf_plan_off, nm * sizeof *e->wf_plan_sub);
	}
	rc = 0;
out:
	free(edata);
	free(efiles);
	free(aft);
	free(all);
	free(sort_tmp);
	free(slot_free);
	free(mbase);
	free(mslot);
	free(mfree);
	free(mnum);
	free(fin);
	free(cnt);
	free(half);
	free(xt);
	free(xm);
	return rc;
}

/* wf_setup's per-job entries (wf_js) of jobs [j0, j1) and their inputs'
 * (wf_in), both arrays' shares faulted in first (see mem.h): the jobs in
 * two halves on two processors where it can (sim_par2), each share
 * filled by one. js_end: the end of its share of wf_js (past j1 for the
 * last: the aux jobs' entries and the end mark). */
typedef struct wf_fill {
	engine *e;
	uint32_t j0, j1;
	size_t js_end;
} wf_fill;

static void wf_fill_run(void *arg)
{
	const wf_fill *f = arg;
	engine *e = f->e;
	const wl_dag *d = e->wf->dag;
	uint32_t i0 = d->in_off[f->j0], i1 = d->in_off[f->j1];
	sim_prefault(e->wf_js + f->j0, (f->js_end - f->j0) * sizeof *e->wf_js);
	sim_prefault(e->wf_in + i0, (size_t)(i1 - i0) * sizeof *e->wf_in);
	/* machine set before read, no record, parents to wait for (one
	 * pass over par_off: no second read of it at each parent's end) */
	for (uint32_t j = f->j0; j < f->j1; j++) {
		e->wf_js[j].left = d->par_off[j + 1] - d->par_off[j];
		e->wf_js[j].type = e->wf->job_type[j];
		e->wf_js[j].in0 = d->in_off[j];
		e->wf_js[j].ch0 = d->child_off[j];
	}
	for (uint32_t i = i0; i < i1; i++) {
		uint32_t fl = d->in_file[i];
		e->wf_in[i] = (wf_input){d->file_size[fl], d->file_producer[fl]};
	}
	if (f->j1 == d->n_jobs) {
		e->wf_js[d->n_jobs].in0 = d->in_off[d->n_jobs];
		e->wf_js[d->n_jobs].ch0 = d->child_off[d->n_jobs];
	}
}

/* wf_z's jobs in steps of this many, each published as it ends. */
enum { WF_Z_STEP = 1024 };

/* The second processor's part of a workflow run: each DAG job's z in job
 * order (heft and eft start the jobs roughly in it, and some 25 times
 * slower than this), until all are done or the run ends. */
static void wf_z_run(void *arg)
{
	engine *e = arg;
	uint32_t n = e->wf_n_dag;
	for (uint32_t j0 = 0; j0 < n; j0 += WF_Z_STEP) {
		if (atomic_load_explicit(&e->wf_z_stop, memory_order_relaxed))
			return;
		uint32_t j1 = n - j0 > WF_Z_STEP ? j0 + WF_Z_STEP : n;
		for (uint32_t j = j0; j < j1; j++) {
			double z = prof_normal_z(sim_task_uniform_keyed(e->task_key, j));
			if (wf_z_whole(e) && e->wf_z_type[e->wf_js[j].type])
				z = wf_z_draw(e, e->wf_js[j].type,
					      e->mviews[e->wf_js[j].machine].type,
					      wl_dag_work(e->wf->dag, j), z);
			e->wf_z[j] = z;
		}
		atomic_store_explicit(&e->wf_z_done, j1, memory_order_release);
	}
}

/* A DAG of this many jobs from which wf_z repays its thread. */
enum { WF_Z_MIN = 8192 };

/* wf_z_run started, where the run has a second processor, draws its DAG
 * jobs' times at their starts (no recorded runtimes, no clairvoyance),
 * one uniform for all machine types (rho >= 1) and some task type
 * lognormal on every machine type present: the normal quantiles, two
 * thirds of a lognormal draw, off the run's path (heft's whole draws,
 * each job's machine planned). -1: out of memory. */
static int wf_z_start(engine *e)
{
	const wl_dag *d = e->wf->dag;
	uint32_t n = e->wf_n_dag, ntt = e->prof->n_tasks, nmt = e->prof->n_machines;
	if (n < WF_Z_MIN || sim_cpus() < 2 || e->rho < 1.0 || e->x->clairvoyant ||
	    (e->wf->use_runtime && d->job_runtime_s))
		return 0;
	if (!(e->wf_z_type = calloc(ntt ? ntt : 1, 1)))
		return -1;
	int any = 0;
	for (uint32_t tt = 0; tt < ntt; tt++) {
		int all = 1;
		for (uint32_t mt = 0; mt < nmt; mt++)
			all &= !e->type_used[mt] ||
			       prof_model_at(e->prof, tt, mt)->kind == PROF_LOGNORMAL;
		e->wf_z_type[tt] = (uint8_t)all;
		any |= all;
	}
	if (!any)
		return 0;
	if (!(e->wf_z = malloc((size_t)n * sizeof *e->wf_z)))
		return -1;
	atomic_init(&e->wf_z_done, 0);
	atomic_init(&e->wf_z_stop, 0);
	sim_bg_start(&e->wf_z_bg, wf_z_run, e);
	return 0;
}

/* Set the workflow part of a run up. */
static WF_HOOK int wf_setup(engine *e)
{
	const exp_workflow *w = e->wf;
	const wl_dag *d = w->dag;
	io_err *err = e->err;
	e->wf_n_dag = d->n_jobs;
	e->wf_hold_head = e->wf_hold_tail = WF_NONE;
	for (int ph = 0; ph < WMS_PHASES; ph++)
		e->wf_phase_on[ph] = (uint8_t)wms_has_phase(&w->wms, (wms_phase)ph);
	const uint8_t *on = e->wf_phase_on;
	e->wf_direct_ready = !on[WMS_WMS_DELAY] && !on[WMS_DISPATCH] &&
			     !on[WMS_QUEUE_DELAY] && !e->x->n_anomalies &&
			     !w->wms.max_running;
	e->wf_direct_post = !on[WMS_POST_DELAY];
	uint32_t nfirst = 0, nafter = 0, nlast = 0, npm = 0;
	for (uint32_t a = 0; a < w->wms.n_aux; a++) {
		const wms_aux *x = &w->wms.aux[a];
		nfirst += x->where == WMS_FIRST ? x->count : 0;
		nafter += x->where == WMS_AFTER_SINKS ? x->count : 0;
		nlast += x->where == WMS_LAST ? x->count : 0;
		npm += x->where == WMS_PER_MACHINE;
	}
	uint32_t nm = e->view.n_machines;
	e->wf_n_pm = npm;
	e->wf_direct_start = !on[WMS_STARTUP] && !npm;
	e->wf_n_first = nfirst;
	e->wf_first_left = nfirst;
	e->wf_n_after = e->wf_after_left = nafter;
	e->wf_n_jobs = d->n_jobs + nfirst + nafter + nlast;
	/* the per_machine jobs follow, npm per machine (those that run) */
	size_t npj = (size_t)npm * nm;
	size_t nj = e->wf_n_jobs + npj ? e->wf_n_jobs + npj : 1;
	/* per job and per input: wf_fill_run */
	e->wf_js = calloc(nj + 1, sizeof *e->wf_js);
	uint32_t n_in = d->in_off[d->n_jobs];
	e->wf_in = malloc((n_in ? n_in : 1) * sizeof *e->wf_in);
	if (e->wf_js && e->wf_in) {
		/* side by side where it can, from 1 MB in all (bench_dag at
		 * 10^5 jobs, 4.8 MB: 2.4 ms in the set-up where one after the
		 * other took 3.0) */
		uint32_t h = d->n_jobs / 2;
		wf_fill f[2] = {{e, 0, h, h}, {e, h, d->n_jobs, nj + 1}};
		if ((nj + 1) * sizeof *e->wf_js + (size_t)n_in * sizeof *e->wf_in >=
		    ((size_t)1 << 20)) {
			sim_par2(wf_fill_run, &f[0], &f[1]);
		} else {
			wf_fill_run(&f[0]);
			wf_fill_run(&f[1]);
		}
	}
	e->wf_rec_free = WF_NONE;
	e->wf_aux_of = calloc(nfirst + nafter + nlast + npj + 1, sizeof *e->wf_aux_of);
	e->wf_pm_end = malloc((nm ? nm : 1) * sizeof *e->wf_pm_end);
	e->wf_group_left = calloc(nafter + 1, sizeof *e->wf_group_left);
	e->wf_submit_slots = w->wms.submit_slots ? w->wms.submit_slots : 1;
	e->wf_submit_free = calloc(e->wf_submit_slots, sizeof *e->wf_submit_free);
	/* per job, only when after_sinks jobs wait for the sinks */
	e->wf_sink_group = nafter ? malloc(nj * sizeof *e->wf_sink_group) : NULL;
	e->wf_storage = w->storage_bps > 0 ? nm : WF_NONE;
	uint32_t nodes = nm + (e->wf_storage != WF_NONE);
	e->wf_inv_up = malloc(nodes * sizeof *e->wf_inv_up);
	e->wf_inv_down = malloc(nodes * sizeof *e->wf_inv_down);
	e->wf_src_stamp = calloc(nodes, sizeof *e->wf_src_stamp);
	e->wf_src_pos = calloc(nodes, sizeof *e->wf_src_pos);
	e->wf_src_list = calloc(nodes, sizeof *e->wf_src_list);
	e->wf_src_bytes = calloc(nodes, sizeof *e->wf_src_bytes);
	uint32_t nm4 = (nm + 3) & ~3u;
	e->wf_fin = malloc((nm4 ? nm4 : 4) * sizeof *e->wf_fin);
	for (uint32_t m = 0; e->wf_fin && m < nm4; m++)
		e->wf_fin[m] = NAN; /* the pads stay NaN: never least */
	e->wf_bytes_up = calloc(nodes, sizeof *e->wf_bytes_up);
	e->wf_bytes_down = calloc(nodes, sizeof *e->wf_bytes_down);
	e->wf_compute_s = calloc(nodes, sizeof *e->wf_compute_s);
	sim_nic *nics = malloc(nodes * sizeof *nics);
	if (!e->wf_js || !e->wf_in || !e->wf_aux_of || !e->wf_pm_end || !e->wf_group_left ||
	    (nafter && !e->wf_sink_group) ||
	    !e->wf_submit_free ||
	    !e->wf_inv_up || !e->wf_inv_down ||
	    !e->wf_src_stamp || !e->wf_src_pos || !e->wf_src_list ||
	    !e->wf_src_bytes || !e->wf_fin || !e->wf_bytes_up || !e->wf_bytes_down || !e->wf_compute_s || !nics) {
		free(nics);
		return nomem(e);
	}
	/* aux jobs: first ones, after_sinks ones, last ones */
	static const wms_where order[3] = {WMS_FIRST, WMS_AFTER_SINKS, WMS_LAST};
	uint32_t k = 0;
	for (int pass = 0; pass < 3; pass++)
		for (uint32_t a = 0; a < w->wms.n_aux; a++) {
			const wms_aux *x = &w->wms.aux[a];
			if (x->where != order[pass])
				continue;
			for (uint32_t c = 0; c < x->count; c++)
				e->wf_aux_of[k++] = a;
		}
	for (uint32_t a = 0; a < w->wms.n_aux; a++)
		if (w->wms.aux[a].where == WMS_PER_MACHINE)
			for (uint32_t m = 0; m < nm; m++)
				e->wf_aux_of[k++] = a;
	for (uint32_t m = 0; m < nm; m++)
		e->wf_pm_end[m] = NAN;
	/* the sinks, in index order, split evenly among the after_sinks jobs:
	 * share g has sinks [g ns / na, (g + 1) ns / na) */
	uint32_t ns = 0;
	for (uint32_t j = 0; nafter && j < d->n_jobs; j++)
		ns += d->child_off[j + 1] == d->child_off[j];
	e->wf_n_sinks = ns;
	for (uint32_t j = 0, i = 0; nafter && j < nj; j++) {
		e->wf_sink_group[j] = WF_NONE;
		if (j >= d->n_jobs || d->child_off[j + 1] != d->child_off[j])
			continue;
		uint32_t g = (uint32_t)((uint64_t)i * nafter / ns);
		while (g + 1 < nafter && (uint64_t)(g + 1) * ns / nafter <= i)
			g++;
		while (g > 0 && (uint64_t)g * ns / nafter > i)
			g--;
		e->wf_sink_group[j] = g;
		e->wf_group_left[g]++;
		i++;
	}
	for (uint32_t m = 0; m < nm; m++) {
		const prof_machine_type *mt = &e->prof->machines[e->mviews[m].type];
		double bps = mt->nic_gbps > 0 ? mt->nic_gbps * 1e9 / 8 : w->default_nic_bps;
		nics[m].up_bps = nics[m].down_bps = bps;
		if (w->nic_up_bps && w->nic_up_bps[m] > 0)
			nics[m].up_bps = w->nic_up_bps[m];
		if (w->nic_down_bps && w->nic_down_bps[m] > 0)
			nics[m].down_bps = w->nic_down_bps[m];
		if (!(nics[m].up_bps > 0) || !(nics[m].down_bps > 0)) {
			free(nics);
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "machine %u (%s) has no NIC bandwidth "
				       "(the type's nic_gbps)", m, mt->name);
		}
	}
	if (e->wf_storage != WF_NONE)
		nics[nm].up_bps = nics[nm].down_bps = w->storage_bps;
	int rc = sim_net_new(&e->net, &e->heap, EV_NET, nodes, nics,
			     w->latency_s, w->contention_free, err);
	free(nics);
	if (rc)
		return rc;
	for (uint32_t m = 0; m < nodes; m++) {
		e->wf_inv_up[m] = 1.0 / sim_net_nic(e->net, m)->up_bps;
		e->wf_inv_down[m] = 1.0 / sim_net_nic(e->net, m)->down_bps;
	}
	e->wf_down_same = 1;
	for (uint32_t m = 1; m < nm; m++)
		e->wf_down_same &= e->wf_inv_down[m] == e->wf_inv_down[0];
	/* Every job must be able to run somewhere. A DAG job without a
	 * recorded runtime and of work <= 1 expects work x its type's row of
	 * the ETC matrix, finite where the row is: checked once per type
	 * (type_runs), and not job by job when every type runs somewhere and
	 * no job has a runtime or a work of its own (one pass less over the
	 * jobs before the run). */
	uint32_t ntt = e->prof->n_tasks, nmt = e->prof->n_machines;
	uint8_t *type_runs = calloc(ntt ? ntt : 1, 1);
	if (!type_runs)
		return nomem(e);
	int all_run = 1;
	for (uint32_t tt = 0; tt < ntt; tt++) {
		for (uint32_t m = 0; m < nm && !type_runs[tt]; m++)
			type_runs[tt] = isfinite(e->etc[(size_t)tt * nmt + e->mviews[m].type]) != 0;
		all_run &= type_runs[tt];
	}
	int has_runtime = w->use_runtime && d->job_runtime_s;
	uint32_t j0 = all_run && !has_runtime && !d->job_work ? d->n_jobs : 0;
	for (uint32_t j = j0; j < e->wf_n_jobs + npj; j++) {
		int ok = 0;
		if (j < d->n_jobs && !(has_runtime && !isnan(d->job_runtime_s[j])) &&
		    wl_dag_work(d, j) <= 1.0)
			ok = type_runs[d->job_type[j]];
		for (uint32_t m = 0; m < nm && !ok; m++)
			ok = isfinite(wf_expected(e, j, m));
		if (!ok) {
			free(type_runs);
			char b[96];
			return io_errf(err, IO_EINPUT, d->label, 0,
				       "job %s (task type '%s') can run on "
				       "none of the machines",
				       j < d->n_jobs ? wl_dag_job_label(d, j, b, sizeof b)
						     : "aux",
				       e->prof->tasks[wf_type(e, j)].name);
		}
	}
	free(type_runs);
	if (e->policy == &sim_wf_heft && wf_plan_heft(e))
		return nomem(e);
	return wf_z_start(e) ? nomem(e) : 0;
}

/* The jobs ready at time 0: the first aux jobs, else the DAG's roots. */
static WF_HOOK int wf_begin(engine *e)
{
	const wl_dag *d = e->wf->dag;
	e->wf_rows = e->csv != NULL; /* the rows' times (wf_mark) */
	if (wf_loss_begin(e))
		return -1;
	if (e->wf_n_first) {
		for (uint32_t j = e->wf_n_dag; j < e->wf_n_dag + e->wf_n_first; j++)
			if (wf_ready(e, j))
				return -1;
		return 0;
	}
	for (uint32_t j = 0; j < e->wf_n_dag; j++)
		if (d->par_off[j + 1] == d->par_off[j] && wf_ready(e, j))
			return -1;
	return e->wf_n_dag ? 0 : wf_dag_finished(e);
}

static WF_HOOK void wf_teardown(engine *e)
{
	if (e->wf_z) {
		atomic_store_explicit(&e->wf_z_stop, 1, memory_order_relaxed);
		sim_bg_join(&e->wf_z_bg);
	}
	free(e->wf_z);
	free(e->wf_z_type);
	free(e->wf_js);
	free(e->wf_in);
	for (uint32_t c = 0; c < e->wf_n_rec_chunks; c++)
		free(e->wf_rec_chunks[c]);
	free(e->wf_rec_chunks);
	free(e->wf_aux_of);
	free(e->wf_pm_end);
	free(e->wf_group_left);
	free(e->wf_submit_free);
	free(e->wf_sink_group);
	free(e->wf_inv_up);
	free(e->wf_inv_down);
	free(e->wf_src_stamp);
	free(e->wf_src_pos);
	free(e->wf_src_list);
	free(e->wf_src_bytes);
	free(e->wf_fin);
	free(e->wf_bytes_up);
	free(e->wf_bytes_down);
	free(e->wf_compute_s);
	free(e->wf_stage_head);
	free(e->wf_plan);
	free(e->wf_plan_off);
	free(e->wf_plan_at);
	free(e->wf_push_off);
	free(e->wf_push);
	free(e->wf_stored);
	free(e->wf_plan_pos);
	free(e->wf_plan_sub);
	free(e->wf_loss_edge);
	free(e->wf_loss_p);
	free(e->wf_loss_cap);
	free(e->wf_loss_mathis);
	sim_net_free(e->net);
}

const sim_policy sim_wf_heft = {
	.name = "heft",
	.summary = "workflows: static HEFT plan (Topcuoglu et al. 2002), "
		   "insertion-free",
};
const sim_policy sim_wf_eft = {
	.name = "eft",
	.summary = "workflows: each job to the machine where it finishes "
		   "first, input transfers included",
};

/* run_loop stopped because tasks.csv.gz cannot be written: closing it
 * reports why. */
#define GZ_FAILED 1

/* One more event: every 2^16 (till_check down to 0) the loop looks at
 * tasks.csv.gz; 1 if it cannot be written (e->events set). */
static inline __attribute__((always_inline)) int
count_event(engine *e, uint64_t *past, uint32_t *till_check)
{
	if (__builtin_expect(--*till_check == 0, 0)) {
		*past += 0x10000;
		*till_check = 0x10000;
		if (sim_gzout_failed(e->csv)) {
			e->events = *past;
			return 1;
		}
	}
	return 0;
}

/* The loop; straight: e->straight is known to be set (see engine). */
static HOT_INLINE int run_loop_as(engine *e, const int straight)
{
	double t;
	uint32_t kind;
	void *data;
	/* The events are counted down to the next look at tasks.csv.gz
	 * (every 2^16 events), in a register across the handlers' calls:
	 * e->events = past + 2^16 - till_check when the loop ends. */
	uint64_t past = e->events & ~(uint64_t)0xffff;
	uint32_t till_check = 0x10000 - (uint32_t)(e->events & 0xffff);
	int rc = !straight && e->wf ? wf_begin(e) : schedule_next_arrival(e);
	while (rc >= 0) {
		/* the next event: the pending arrival or the heap's earliest,
		 * each branch to its own handler */
		if (e->has_pending && (straight && e->slotted
					       ? arrival_first_slotted(e)
					       : arrival_first(e))) {
			e->has_pending = 0;
			advance(e, e->arrival_at);
			if (count_event(e, &past, &till_check))
				return GZ_FAILED; /* disk full: no use going on */
			rc = on_arrival(e, straight);
			if (rc >= 0)
				rc = schedule_next_arrival(e);
			continue;
		}
		if (straight && e->slotted) { /* the earliest task end */
			if (!(e->next_end < INFINITY))
				break; /* none */
			uint32_t s = e->next_slot;
			task *done = e->slot_task[s];
			t = e->next_end;
			/* the earliest of the others now, before the end's
			 * handler (whose starts compare with it in slot_push):
			 * the scan does not wait for the handler, nor the
			 * handler for the scan */
			slot_rescan(e, s);
			advance(e, t);
			if (count_event(e, &past, &till_check))
				return GZ_FAILED;
			rc = on_end(e, done, 0, 1);
			continue;
		}
		if (!sim_heap_settled_size(&e->heap))
			break; /* none */
		sim_heap_pop_top(&e->heap, &t, &kind, &data);
		advance(e, t);
		if (count_event(e, &past, &till_check))
			return GZ_FAILED;
		if (straight) /* EV_DONE: no other kind is scheduled */
			rc = on_end(e, data, 0, 1);
		else if (kind <= EV_ABORT)
			rc = on_end(e, data, kind == EV_ABORT, 0);
		else
			rc = wf_event(e, kind, data);
	}
	e->events = past + 0x10000 - till_check;
	if (rc >= 0 && e->wf && e->wf_done != e->wf_n_jobs + e->wf_pm_used)
		rc = io_errf(e->err, IO_EINPUT, e->wf->dag->label, 0,
			     "workflow run ended with %llu of %u jobs done",
			     (unsigned long long)e->wf_done, e->wf_n_jobs + e->wf_pm_used);
	if (rc < 0 && !e->err->code)
		io_errf(e->err, IO_ENOMEM, NULL, 0, "out of memory");
	/* what never found a machine (a deferred task that could not make it,
	 * a type whose machines stay full) is counted, not lost */
	while (rc >= 0 && e->wait_head)
		finish(e, wait_pop(e), e->view.now, OUT_DROPPED, DROP_UNMAPPED);
	return rc < 0 ? e->err->code : 0;
}

/* The two instances, apart (each its own registers and inlining). */
static __attribute__((noinline)) int run_loop_straight(engine *e)
{
	return run_loop_as(e, 1);
}

static __attribute__((noinline)) int run_loop_general(engine *e)
{
	return run_loop_as(e, 0);
}

static int run_loop(engine *e)
{
	return e->straight ? run_loop_straight(e) : run_loop_general(e);
}

/* "kpb(30%)" -> "kpb-30": a directory name */
void sim_label_to_dir(const char *label, char *dir, size_t cap)
{
	size_t n = 0;
	for (const char *s = label; *s && n + 1 < cap; s++) {
		char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.')
			dir[n++] = c;
		else if (c == '(' || c == ',')
			dir[n++] = '-';
	}
	dir[n] = 0;
}

static json_t *stat_json(const sim_stat *s, int quantiles)
{
	json_t *o = json_object();
	json_object_set_new(o, "mean", sim_json_num(sim_stat_mean(s)));
	if (quantiles) {
		json_object_set_new(o, "p50", sim_json_num(sim_stat_quantile(s, .50)));
		json_object_set_new(o, "p95", sim_json_num(sim_stat_quantile(s, .95)));
		json_object_set_new(o, "p99", sim_json_num(sim_stat_quantile(s, .99)));
	}
	json_object_set_new(o, "max", sim_json_num(s->n ? s->max : 0.0));
	return o;
}

/* Billed time of a machine up for horizon_s: whole billing periods. */
static double billed_s(const sim_experiment *x, double horizon_s)
{
	double g = x->billing_granularity_s;
	return g > 0 ? ceil(horizon_s / g - 1e-9) * g : horizon_s;
}

static void summarise(engine *e, sim_result *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->label, sizeof r->label, "%s", e->label);
	r->seed = e->seed;
	r->arrived = e->arrived;
	r->completed = e->completed;
	r->dropped = e->dropped;
	r->deadline_missed = e->missed;
	if (e->serving)
		e->last_done_s = e->serving_last_s;
	r->makespan_s = e->completed ? e->last_done_s : e->view.now;
	r->response_mean_s = sim_stat_mean(&e->response);
	r->response_p50_s = sim_stat_quantile(&e->response, .50);
	r->response_p95_s = sim_stat_quantile(&e->response, .95);
	r->response_p99_s = sim_stat_quantile(&e->response, .99);
	r->response_max_s = e->response.n ? e->response.max : 0;
	r->wait_mean_s = sim_stat_mean(&e->wait);
	r->mean_in_system =
		e->view.now > 0 ? e->area_in_system / e->view.now : 0;
	r->throughput_per_s = r->makespan_s > 0 ? (double)e->completed / r->makespan_s : 0;
	double horizon = r->makespan_s, util_sum = 0;
	for (uint32_t m = 0; m < e->view.n_machines; m++) {
		const prof_machine_type *mt =
			&e->prof->machines[e->mviews[m].type];
		double busy = e->machines[m].busy_slot_s / e->mviews[m].slots;
		util_sum += horizon > 0 ? busy / horizon : 0;
		r->energy_j += mt->idle_w * horizon + (mt->busy_w - mt->idle_w) * busy;
		r->cost_usd += mt->price_usd_h * billed_s(e->x, horizon) / 3600.0;
	}
	r->utilization_mean = e->view.n_machines ? util_sum / e->view.n_machines : 0;
	r->peak_in_flight = e->peak_in_system;
	r->events = e->events;
	r->merged = e->merged;
	r->saved_s = e->saved_s;
}

/* summary.json's "workflow": its jobs, the WMS model, and the bytes each
 * network link (a node's NIC, up and down) carried. */
static WF_HOOK json_t *workflow_json(const engine *e)
{
	const exp_workflow *w = e->wf;
	json_t *o = json_object();
	if (w->file && w->file->name)
		json_object_set_new(o, "name", json_string(w->file->name));
	json_object_set_new(o, "jobs", json_integer((json_int_t)e->wf_n_dag));
	json_object_set_new(o, "aux_jobs",
			    json_integer((json_int_t)(e->wf_n_jobs - e->wf_n_dag +
						      e->wf_pm_used)));
	json_object_set_new(o, "wms", json_string(w->wms.name));
	json_object_set_new(o, "staging",
			    json_string(w->wms.staging_inside ? "inside" : "outside"));
	json_object_set_new(o, "transfers", json_integer((json_int_t)e->wf_transfers));
	json_object_set_new(o, "local_reads", json_integer((json_int_t)e->wf_local_reads));
	uint32_t nodes = e->view.n_machines + (e->wf_storage != WF_NONE);
	double total = 0;
	json_t *links = json_array();
	for (uint32_t m = 0; m < nodes; m++) {
		json_t *l = json_object();
		if (m < e->view.n_machines)
			json_object_set_new(l, "machine", json_integer(m));
		else
			json_object_set_new(l, "node", json_string("storage"));
		json_object_set_new(l, "bytes_up", sim_json_num(e->wf_bytes_up[m]));
		json_object_set_new(l, "bytes_down", sim_json_num(e->wf_bytes_down[m]));
		json_array_append_new(links, l);
		total += e->wf_bytes_up[m];
	}
	json_object_set_new(o, "bytes_moved", sim_json_num(total));
	json_object_set_new(o, "links", links);
	if (w->file && !isnan(w->file->makespan_s))
		json_object_set_new(o, "recorded_makespan_s",
				    sim_json_num(w->file->makespan_s));
	return o;
}

static json_t *summary_json(engine *e, const sim_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "hetsim_version", json_string(HETSIM_VERSION));
	json_object_set_new(o, "experiment", json_string(e->x->name));
	json_object_set_new(o, "policy", json_string(e->label));
	json_object_set_new(o, "seed", json_integer((json_int_t)e->seed));
	json_t *tasks = json_object();
	json_object_set_new(tasks, "arrived", json_integer((json_int_t)r->arrived));
	json_object_set_new(tasks, "completed", json_integer((json_int_t)r->completed));
	json_object_set_new(tasks, "dropped", json_integer((json_int_t)r->dropped));
	json_t *by = json_object();
	for (int k = 0; k < DROP_REASONS; k++)
		if (k != DROP_EVICTED || e->dropped_by[k]) /* only with evictions */
			json_object_set_new(by, drop_names[k], json_integer((json_int_t)e->dropped_by[k]));
	json_object_set_new(tasks, "dropped_by", by);
	json_object_set_new(tasks, "deadline_missed", json_integer((json_int_t)r->deadline_missed));
	json_object_set_new(tasks, "deadline_met_fraction",
			    sim_json_num(r->arrived ? (double)(r->completed - r->deadline_missed) / (double)r->arrived : 0));
	json_object_set_new(o, "tasks", tasks);
	json_object_set_new(o, "makespan_s", sim_json_num(r->makespan_s));
	if (e->x->merge_strategy != POL_MERGE_NEVER) {
		json_t *mg = json_object();
		json_object_set_new(mg, "strategy",
				    json_string(pol_merge_name(e->x->merge_strategy)));
		json_object_set_new(mg, "max_degree",
				    json_integer(e->x->merge_max_degree));
		json_object_set_new(mg, "merged_requests",
				    json_integer((json_int_t)r->merged));
		json_object_set_new(mg, "runs",
				    json_integer((json_int_t)(r->arrived - r->merged)));
		json_object_set_new(mg, "machine_time_saved_s", sim_json_num(r->saved_s));
		json_object_set_new(o, "merging", mg);
	}
	json_object_set_new(o, "response_s", stat_json(&e->response, 1));
	json_object_set_new(o, "wait_s", stat_json(&e->wait, 0));
	json_object_set_new(o, "mean_in_system", sim_json_num(r->mean_in_system));
	json_object_set_new(o, "peak_in_system", json_integer((json_int_t)r->peak_in_flight));
	json_object_set_new(o, "throughput_per_s", sim_json_num(r->throughput_per_s));
	json_object_set_new(o, "utilization_mean", sim_json_num(r->utilization_mean));
	json_object_set_new(o, "energy_j", sim_json_num(r->energy_j));
	json_object_set_new(o, "energy_per_completed_task_j",
			    sim_json_num(r->completed ? r->energy_j / (double)r->completed : 0));
	json_object_set_new(o, "cost_usd", sim_json_num(r->cost_usd));
	/* filled in by write_summary, one task type at a time */
	json_object_set_new(o, "per_task_type", json_array());
	json_t *per_machine = json_array();
	for (uint32_t m = 0; m < e->view.n_machines; m++) {
		const prof_machine_type *mt = &e->prof->machines[e->mviews[m].type];
		double busy = e->machines[m].busy_slot_s / e->mviews[m].slots;
		double util = r->makespan_s > 0 ? busy / r->makespan_s : 0;
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(m));
		json_object_set_new(j, "type", json_string(mt->name));
		json_object_set_new(j, "completed", json_integer((json_int_t)e->machines[m].completed));
		json_object_set_new(j, "utilization", sim_json_num(util));
		json_object_set_new(j, "energy_j", sim_json_num(mt->idle_w * r->makespan_s + (mt->busy_w - mt->idle_w) * busy));
		json_object_set_new(j, "cost_usd", sim_json_num(mt->price_usd_h * billed_s(e->x, r->makespan_s) / 3600.0));
		json_array_append_new(per_machine, j);
	}
	json_object_set_new(o, "per_machine", per_machine);
	if (e->x->wf)
		json_object_set_new(o, "workflow", workflow_json(e));
	json_t *metrics = json_object();
	for (int k = 0; k < SIM_N_METRICS; k++)
		json_object_set_new(metrics, sim_metric_name(k),
				    sim_json_num(sim_metric_value(r, k)));
	json_object_set_new(o, "metrics", metrics);
	return o;
}

static json_t *type_json(const engine *e, uint32_t tt)
{
	const type_stats *ts = &e->types[tt];
	json_t *t = json_object();
	json_object_set_new(t, "name", json_string(e->prof->tasks[tt].name));
	json_object_set_new(t, "arrived",
			    json_integer((json_int_t)e->type_arrived[tt]));
	json_object_set_new(t, "completed", json_integer((json_int_t)ts->completed));
	json_object_set_new(t, "dropped", json_integer((json_int_t)ts->dropped));
	json_object_set_new(t, "deadline_missed", json_integer((json_int_t)ts->missed));
	json_object_set_new(t, "response_s", stat_json(&ts->response, 1));
	return t;
}

/* Append n bytes of s to the text, adding indent spaces after each newline
 * when indent > 0. */
static int text_put(char **text, size_t *len, size_t *cap, const char *s,
		    size_t n, int indent)
{
	for (size_t i = 0; i < n; i++) {
		if (io_reserve(text, cap, *len + (size_t)indent + 2, 1 << 16))
			return -1;
		(*text)[(*len)++] = s[i];
		for (int k = 0; s[i] == '\n' && k < indent; k++)
			(*text)[(*len)++] = ' ';
	}
	return 0;
}

/* summary.json, as sim_write_json would write summary_json with every task
 * type in "per_task_type", byte for byte; but each type's object is built,
 * dumped and freed in turn (indented to its depth in the document), so that
 * 10^5 task types cost their text, not 2 KiB of jansson nodes each. */
static int write_summary(engine *e, const sim_result *r, const char *path,
			 io_err *err)
{
	static const char slot[] = "\n  \"per_task_type\": []";
	json_t *sj = summary_json(e, r);
	char *head = sj ? json_dumps(sj, SIM_JSON_FLAGS) : NULL;
	json_decref(sj);
	const char *at = head ? strstr(head, slot) : NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	int bad = !at || text_put(&text, &len, &cap, head,
				  (size_t)(at - head) + sizeof slot - 2, 0);
	for (uint32_t tt = 0; !bad && tt < e->prof->n_tasks; tt++) {
		json_t *t = type_json(e, tt);
		char *one = t ? json_dumps(t, SIM_JSON_FLAGS) : NULL;
		json_decref(t);
		bad = !one || text_put(&text, &len, &cap, tt ? ",\n" : "\n",
				       tt ? 2 : 1, 4) ||
		      text_put(&text, &len, &cap, one, strlen(one), 4);
		free(one);
	}
	if (!bad) {
		const char *tail = at + sizeof slot - 2; /* "]..." */
		bad = (e->prof->n_tasks && text_put(&text, &len, &cap, "\n", 1, 2)) ||
		      text_put(&text, &len, &cap, tail, strlen(tail), 0) ||
		      text_put(&text, &len, &cap, "\n", 1, 0);
	}
	free(head);
	int rc = bad ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
		     : sim_write_text(path, text, len, err);
	free(text);
	return rc;
}

static void teardown(engine *e)
{
	pol_prune_free(e->pruner);
	free(e->name_len);
	free(e->leader_of);
	free(e->mq);
	free(e->mscratch);
	free(e->batch);
	free(e->batch_tasks);
	free(e->decisions);
	free(e->batch_index);
	free(e->run_start);
	free(e->run_type);
	free(e->type_arrived);
	free(e->type_on_time);
	free(e->type_failed);
	if (e->pinit && e->policy->fini)
		e->policy->fini(e->pstate);
	free(e->pstate);
	if (e->view.rng)
		gsl_rng_free(e->view.rng);
	wl_free(e->src);
	sim_heap_free(&e->heap);
	for (size_t i = 0; i < e->n_chunks; i++)
		free(e->chunks[i]);
	free(e->chunks);
	if (e->types)
		for (uint32_t tt = 0; tt < e->prof->n_tasks; tt++)
			sim_stat_free(&e->types[tt].response);
	free(e->types);
	sim_stat_free(&e->response);
	sim_stat_free(&e->wait);
	free(e->mviews);
	free(e->ready);
	free(e->machines);
	free(e->run_end);
	free(e->run_deadline);
	free(e->etc);
	free(e->type_used);
	free(e->type_z);
	free(e->slot_end);
	free(e->slot_seq);
	free(e->slot_task);
	if (e->wf)
		wf_teardown(e);
}

static uint32_t queue_types(const void *engine_ptr, uint32_t m, uint32_t *out,
			    uint32_t cap)
{
	const engine *e = engine_ptr;
	uint32_t n = 0;
	for (const task *t = e->machines[m].head; t; t = t->next, n++)
		if (n < cap)
			out[n] = t->type;
	return n;
}

static int queue_tail(const void *engine_ptr, uint32_t m, uint32_t *type,
		      double *expected_s)
{
	const engine *e = engine_ptr;
	const task *t = e->machines[m].tail;
	/* a merged run, or a workflow's job, is not evicted */
	if (!t || t->members || e->wf)
		return 0;
	*type = t->type;
	*expected_s = t->expected_s;
	return 1;
}

static const void *queue_next(const void *engine_ptr, uint32_t m,
			      const void *at, double *expected_s,
			      double *deadline_s)
{
	const engine *e = engine_ptr;
	const task *t = at ? ((const task *)at)->next : e->machines[m].head;
	if (t) {
		*expected_s = t->expected_s;
		*deadline_s = run_deadline(t);
	}
	return t;
}

static int setup(engine *e, const sim_experiment *x, const exp_policy *p,
		 const sim_run_opts *o, io_err *err)
{
	const prof_profile *prof = x->profile;
	uint32_t n = x->n_machines, nmt = prof->n_machines, ntt = prof->n_tasks;
	e->x = x;
	e->serving = x->serving;
	e->prof = prof;
	e->err = err;
	e->seed = o->has_seed ? o->seed : x->seed;
	e->task_key = sim_task_key(e->seed);
	e->rho = x->exec_rank_correlation;
	e->policy = p->policy;
	size_t slots_total = 0;
	for (uint32_t m = 0; m < n; m++)
		slots_total += x->machine_slots[m];
	e->mviews = calloc(n, sizeof *e->mviews);
	e->ready = calloc(n, sizeof *e->ready);
	e->machines = calloc(n, sizeof *e->machines);
	e->run_end = malloc(slots_total * sizeof *e->run_end);
	e->run_start = calloc(slots_total, sizeof *e->run_start);
	e->run_type = calloc(slots_total, sizeof *e->run_type);
	e->run_deadline = calloc(slots_total, sizeof *e->run_deadline);
	e->type_arrived = calloc(ntt, sizeof *e->type_arrived);
	e->type_on_time = calloc(ntt, sizeof *e->type_on_time);
	e->type_failed = calloc(ntt, sizeof *e->type_failed);
	e->etc = malloc((size_t)ntt * nmt * sizeof *e->etc);
	e->types = calloc(ntt, sizeof *e->types);
	e->pstate = calloc(1, p->policy->state_size ? p->policy->state_size : 1);
	e->view.rng = sim_rng_new(e->seed, SIM_STREAM_POLICY);
	if (!e->mviews || !e->ready || !e->machines || !e->run_end || !e->etc || !e->types ||
	    !e->run_start || !e->run_type || !e->run_deadline ||
	    !e->type_arrived ||
	    !e->type_on_time || !e->type_failed ||
	    !e->pstate || !e->view.rng || sim_heap_init(&e->heap, 64) != 0)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t tt = 0; tt < ntt; tt++)
		for (uint32_t mt = 0; mt < nmt; mt++)
			e->etc[(size_t)tt * nmt + mt] = prof_mean(prof, tt, mt);
	size_t slot = 0;
	e->one_slot = 1;
	for (uint32_t m = 0; m < n; m++) {
		sim_machine_view *mv = &e->mviews[m];
		machine *mc = &e->machines[m];
		mv->type = x->machine_type[m];
		mv->slots = x->machine_slots[m];
		e->one_slot &= mv->slots == 1;
		mv->queue_cap = x->machine_qcap[m];
		mv->run_end_s = mc->run_end = e->run_end + slot;
		mv->run_start_s = mc->run_start = e->run_start + slot;
		mv->run_type = mc->run_type = e->run_type + slot;
		mv->run_deadline_s = mc->run_deadline = e->run_deadline + slot;
		mc->slot0 = (uint32_t)slot;
		for (uint32_t s = 0; s < mv->slots; s++)
			mc->run_end[s] = -INFINITY;
		slot += mv->slots;
		ready_refresh(e, m);
	}
	e->view.n_machines = n;
	e->slots_total = (uint32_t)slots_total;
	e->view.machines = e->mviews;
	e->view.ready = e->ready;
	e->view.n_machine_types = nmt;
	e->view.n_task_types = ntt;
	e->view.etc = e->etc;
	e->view.profile = prof;
	e->view.type_arrived = e->type_arrived;
	e->view.type_on_time = e->type_on_time;
	e->view.type_failed = e->type_failed;
	e->view.queue_types = queue_types;
	e->view.queue_next = queue_next;
	e->view.queue_tail = queue_tail;
	e->view.tie_random = x->tie_random;
	e->view.readiness_e2c = x->readiness_e2c;
	e->view.engine = e;
	if (x->prune_threshold > 0) {
		double h = x->prune_step_s > 0 ? x->prune_step_s
					       : pol_prune_default_step(prof);
		int prc = pol_prune_new(&e->pruner, prof, h, POL_PRUNE_DEFAULT_BINS, err);
		if (prc)
			return prc;
	}
	e->pinit = 1; /* fini runs even after a failed init */
	if (p->policy->init) {
		int rc = p->policy->init(e->pstate, &e->view, &x->doc, p->params, err);
		if (rc)
			return rc;
	}
	e->offer_full = p->policy->sees_full && p->policy->sees_full(e->pstate);
	if (p->policy->label)
		p->policy->label(e->pstate, e->label, sizeof e->label);
	else
		snprintf(e->label, sizeof e->label, "%s", p->policy->name);

	if (x->wf) {
		e->wf = x->wf;
		e->task_doubles = 2 * nmt;
		e->type_used = calloc(nmt ? nmt : 1, sizeof *e->type_used);
		if (!e->type_used)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (uint32_t m = 0; m < n; m++)
			e->type_used[x->machine_type[m]] = 1;
		if (sim_stat_init(&e->response, 1) || sim_stat_init(&e->wait, 0))
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (uint32_t tt = 0; tt < ntt; tt++)
			if (sim_stat_init(&e->types[tt].response, 1))
				return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		return wf_setup(e);
	}
	if (p->policy == &sim_wf_heft || p->policy == &sim_wf_eft)
		return io_errf(err, IO_EINPUT, x->doc.path, 0,
			       "policy \"%s\" runs workflows only "
			       "(\"workload\": {\"workflow\": ...})",
			       p->policy->name);
	const json_t *wnode = x->workload;
	json_t *copy = NULL;
	if (o->tasks > 0) { /* --tasks overrides the workload's stop rule */
		copy = json_deep_copy(wnode);
		if (!copy)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		json_object_set_new(copy, "tasks", json_integer((json_int_t)o->tasks));
		json_object_del(copy, "duration_s");
		wnode = copy;
	}
	int rc = wl_source_from_json(&e->src, &x->doc, wnode, prof, e->seed, err);
	json_decref(copy);
	if (rc)
		return rc;
	/* room per task for its own expected and replayed times */
	if (x->clairvoyant || wl_task_data(e->src))
		e->task_doubles = 2 * nmt;
	e->type_used = calloc(nmt ? nmt : 1, sizeof *e->type_used);
	if (!e->type_used)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t m = 0; m < n; m++)
		e->type_used[x->machine_type[m]] = 1;
	if (x->merge_strategy != POL_MERGE_NEVER && wl_segments(e->src) > 0) {
		e->n_keys = wl_segments(e->src);
		e->leader_of = calloc(e->n_keys, sizeof *e->leader_of);
		if (!e->leader_of)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	e->plain_admit = !e->leader_of && !p->policy->on_batch &&
			 !x->drop_at_mapping && !e->pruner;
	e->plain_start = !e->serving && !e->leader_of && !x->clairvoyant &&
			 !e->task_doubles && !x->drop_while_running;
	e->straight = e->plain_start && e->plain_admit && !e->wf &&
		      x->deadline_rule == DEADLINE_NONE && !x->drop_in_queue &&
		      e->rho >= 1.0;
	const char *events = getenv("HETSIM_EVENTS");
	if (e->straight && e->slots_total <= SLOTTED_MAX &&
	    !(events && strcmp(events, "heap") == 0)) {
		uint32_t n8 = (e->slots_total + 7) & ~7u;
		e->slot_end = malloc(n8 * sizeof *e->slot_end);
		e->slot_seq = calloc(n8, sizeof *e->slot_seq);
		e->slot_task = calloc(n8, sizeof *e->slot_task);
		if (!e->slot_end || !e->slot_seq || !e->slot_task)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (uint32_t k = 0; k < n8; k++)
			e->slot_end[k] = INFINITY;
		e->n_slot_ev = n8;
		e->next_end = INFINITY;
		e->slotted = 1;
	}
	e->runs_anywhere = 1;
	e->draws_in_range = 1;
	if (e->straight && !(e->type_z = malloc(ntt ? ntt : 1)))
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t tt = 0; tt < ntt; tt++) {
		if (e->type_z)
			e->type_z[tt] = 1;
		for (uint32_t mt = 0; mt < nmt; mt++) {
			if (!e->type_used[mt])
				continue;
			const prof_model *pm = prof_model_at(prof, tt, mt);
			if (e->type_z && pm->kind != PROF_LOGNORMAL)
				e->type_z[tt] = 0;
			double lo, hi;
			if (!isfinite(e->etc[(size_t)tt * nmt + mt]))
				e->runs_anywhere = 0;
			else if (!prof_model_bounds(pm, &lo, &hi) || !(lo >= 0) ||
				 !(hi <= SIM_MAX_TIME_S / 2)) /* the margin */
				e->draws_in_range = 0;
		}
	}
	if (sim_stat_init(&e->response, 1) || sim_stat_init(&e->wait, 0))
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t tt = 0; tt < ntt; tt++)
		if (sim_stat_init(&e->types[tt].response, 1))
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

/* The run's response statistics from its types' (see engine.response):
 * the same count, extremes and histogram as if each sample had been
 * added to it, and the sum as it was added up. */
static void merge_response(engine *e)
{
	double sum = e->response.sum;
	for (uint32_t tt = 0; tt < e->prof->n_tasks; tt++)
		sim_stat_merge(&e->response, &e->types[tt].response);
	e->response.sum = sum;
}

/* A histogram that could not grow has lost counts (sim/stats.h): its
 * quantiles are unknown, so the run fails rather than report them. */
static int stats_failed(const engine *e)
{
	if (sim_stat_failed(&e->response))
		return 1;
	for (uint32_t tt = 0; tt < e->prof->n_tasks; tt++)
		if (sim_stat_failed(&e->types[tt].response))
			return 1;
	return 0;
}

int sim_engine_run(const sim_experiment *x, const exp_policy *p,
		   const sim_run_opts *o, int validate_only, sim_result *res,
		   io_err *err)
{
	engine e;
	memset(&e, 0, sizeof e);
	int rc = setup(&e, x, p, o, err);
	if (rc || validate_only) {
		if (!rc && res) {
			memset(res, 0, sizeof *res);
			snprintf(res->label, sizeof res->label, "%s", e.label);
		}
		teardown(&e);
		return rc;
	}
	const char *dir = o->out_dir ? o->out_dir : x->out_dir;
	int csv = o->tasks_csv >= 0 ? o->tasks_csv : x->tasks_csv;
	char *rundir = NULL, *path = NULL;
	if (o->run_dir && *o->run_dir) {
		rundir = strdup(o->run_dir);
	} else if (dir && *dir) {
		char sub[64];
		sim_label_to_dir(e.label, sub, sizeof sub);
		rundir = sim_pathf("%s/%s", dir, sub);
	}
	int writes = (o->run_dir && *o->run_dir) || (dir && *dir);
	if (writes && !rundir)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc && writes) {
		rc = sim_mkdirs(rundir, err);
		if (!rc && csv) {
			path = sim_pathf("%s/%s", rundir, x->wf ? "jobs.csv.gz"
							       : "tasks.csv.gz");
			rc = path ? sim_gzout_open(&e.csv, path, err)
				  : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			free(path);
			path = NULL;
			static const char header[] =
				"id,task_type,arrival_s,start_s,end_s,deadline_s,"
				"machine,machine_type,outcome,energy_j\n";
			if (!rc && x->wf) {
				rc = wf_rows_begin(&e, err);
			} else if (!rc) {
				sim_gzout_write(e.csv, header, sizeof header - 1);
				rc = row_names_init(&e, err);
			}
		}
	}
	double t0 = sim_clock_s();
	if (!rc)
		rc = run_loop(&e);
	merge_response(&e);
	if (!rc && stats_failed(&e))
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	sim_result r;
	summarise(&e, &r);
	/* tasks.csv.gz first: when it fails (disk full), the message names
	 * it, not the small file written after it */
	int crc = sim_gzout_close(e.csv, rc == 0 || rc == GZ_FAILED, err);
	r.wall_s = sim_clock_s() - t0; /* with the rows still being compressed */
	if (!rc || rc == GZ_FAILED)
		rc = crc ? crc : rc == GZ_FAILED ? IO_EIO : 0;
	if (!rc && writes) {
		path = sim_pathf("%s/summary.json", rundir);
		rc = path ? write_summary(&e, &r, path, err)
			  : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	free(path);
	free(rundir);
	if (res)
		*res = r;
	teardown(&e);
	return rc;
}

/* ------------------------------------------------------------ sim_dag_run
 *
 * sim/dag.h's front: a DAG and machines given in C (tests, benchmarks) run
 * by the same kernel as `hetsim run`'s workflows, with no WMS overheads: an
 * experiment and a workflow are filled in here, the engine is set up as
 * sim_engine_run sets it up, and the results are copied out. */

static int dag_check(const sim_dag_config *c, io_err *err)
{
	const prof_profile *p = c->profile;
	const wl_dag *d = c->dag;
	if (!p || !d || !c->machines || c->n_machines == 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "DAG run: profile, DAG and machines are required");
	if (d->finalized != 1)
		return io_errf(err, IO_EINPUT, d->label, 0,
			       "DAG run: the DAG is not finalized");
	if (c->policy != SIM_DAG_EFT && c->policy != SIM_DAG_HEFT)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "DAG run: unknown policy %d", (int)c->policy);
	if (!isfinite(c->storage_bps) || c->storage_bps < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "DAG run: storage_bps must be finite and >= 0");
	if (!(c->exec_rank_correlation >= 0 && c->exec_rank_correlation <= 1))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "DAG run: exec_rank_correlation must be in [0, 1]");
	for (uint32_t m = 0; m < c->n_machines; m++)
		if (c->machines[m].type >= p->n_machines)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "DAG run: machine %u: type %u out of "
				       "range (%u types)",
				       m, c->machines[m].type, p->n_machines);
	for (uint32_t j = 0; j < d->n_jobs; j++)
		if (d->job_type[j] >= p->n_tasks) {
			char b[96];
			return io_errf(err, IO_EINPUT, d->label, 0,
				       "job %s: task type %u out of range (%u "
				       "types)",
				       wl_dag_job_label(d, j, b, sizeof b),
				       d->job_type[j], p->n_tasks);
		}
	return 0;
}

int sim_dag_run(const sim_dag_config *c, sim_dag_result *r, io_err *err)
{
	memset(r, 0, sizeof *r);
	double t0 = sim_clock_s();
	int rc = dag_check(c, err);
	if (rc)
		return rc;
	uint32_t n = c->n_machines;
	sim_experiment x;
	exp_workflow w;
	memset(&x, 0, sizeof x);
	memset(&w, 0, sizeof w);
	x.profile = (prof_profile *)c->profile;
	x.profile_shared = 1;
	x.name = (char *)"dag";
	x.n_machines = n;
	x.machine_type = malloc(n * sizeof *x.machine_type);
	x.machine_slots = malloc(n * sizeof *x.machine_slots);
	x.machine_qcap = malloc(n * sizeof *x.machine_qcap);
	double *up = malloc(n * sizeof *up), *down = malloc(n * sizeof *down);
	w.wms.name = (char *)"none";
	if (!x.machine_type || !x.machine_slots || !x.machine_qcap || !up || !down)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t m = 0; !rc && m < n; m++) {
		const sim_dag_machine *dm = &c->machines[m];
		uint32_t s = dm->slots ? dm->slots : c->profile->machines[dm->type].slots;
		x.machine_type[m] = dm->type;
		x.machine_slots[m] = s ? s : 1;
		x.machine_qcap[m] = SIM_UNBOUNDED;
		up[m] = dm->up_bps;
		down[m] = dm->down_bps;
	}
	x.seed = c->seed;
	x.exec_rank_correlation = c->exec_rank_correlation;
	x.wf = &w;
	w.dag = (wl_dag *)c->dag;
	w.job_type = c->dag->job_type;
	w.use_runtime = 1;
	w.latency_s = c->latency_s;
	w.storage_bps = c->storage_bps;
	w.contention_free = c->contention_free;
	w.nic_up_bps = up;
	w.nic_down_bps = down;
	exp_policy p = {.policy = c->policy == SIM_DAG_HEFT ? &sim_wf_heft
							    : &sim_wf_eft};
	sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
	engine e;
	memset(&e, 0, sizeof e);
	if (!rc)
		rc = setup(&e, &x, &p, &o, err);
	e.on_job = c->on_job;
	e.on_job_ctx = c->ctx;
	if (!rc && c->jobs_csv) {
		rc = sim_gzout_open(&e.csv, c->jobs_csv, err);
		if (!rc)
			rc = wf_rows_begin(&e, err);
	}
	if (!rc)
		rc = run_loop(&e);
	if (e.csv) {
		int crc = sim_gzout_close(e.csv, rc == 0, err);
		if (!rc)
			rc = crc;
	}
	if (!rc) {
		r->n_machines = n;
		r->busy_s = malloc(n * sizeof *r->busy_s);
		r->jobs_on = malloc(n * sizeof *r->jobs_on);
		if (!r->busy_s || !r->jobs_on) {
			sim_dag_result_free(r);
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		}
	}
	if (!rc) {
		for (uint32_t m = 0; m < n; m++) {
			r->busy_s[m] = e.wf_compute_s[m];
			r->jobs_on[m] = e.machines[m].completed;
		}
		sim_net_stats ns;
		sim_net_get_stats(e.net, &ns);
		r->makespan_s = e.last_done_s;
		r->jobs_done = e.wf_done;
		r->transfers = ns.completed;
		r->bytes_transferred = ns.bytes_done;
		r->local_reads = e.wf_local_reads;
		r->events = e.events;
		r->peak_in_flight = e.peak_in_system;
		r->peak_flows = ns.peak_active;
		r->solves = ns.solves;
		r->reschedules = ns.reschedules;
		r->peak_records = e.wf_rec_peak;
	}
	if (e.x)
		teardown(&e);
	free(x.machine_type);
	free(x.machine_slots);
	free(x.machine_qcap);
	free(up);
	free(down);
	r->wall_s = sim_clock_s() - t0;
	return rc;
}

void sim_dag_result_free(sim_dag_result *r)
{
	free(r->busy_s);
	free(r->jobs_on);
	r->busy_s = NULL;
	r->jobs_on = NULL;
}

const char *sim_dag_policy_name(sim_dag_policy p)
{
	return p == SIM_DAG_HEFT ? "heft" : p == SIM_DAG_EFT ? "eft" : "?";
}

int sim_dag_policy_from_name(const char *name)
{
	if (strcmp(name, "eft") == 0 || strcmp(name, "mct") == 0)
		return SIM_DAG_EFT;
	if (strcmp(name, "heft") == 0)
		return SIM_DAG_HEFT;
	return -1;
}
