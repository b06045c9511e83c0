/* tests/test_net.c — the network (sim/net.h): max-min shares computed by
 * hand (also a pair left alone on its links by a neighbour's end: the
 * solver's direct path, with and without a cap), packet loss capping
 * flows at the Mathis rate (exact values, both ends combined, a loss
 * window set mid-flow, p = 0 changes nothing, bad values rejected), and
 * random flows with and without loss against a brute-force progressive
 * filling over single flows, on small networks and on large components,
 * and the bits of a tie-laden schedule pinned (a faster solver must give
 * the same rates to the bit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/heap.h"
#include "sim/net.h"
#include "sim/base/rng.h"
#include "tests/netref.h"
#include "tests/tests.h"

enum { NET_BASE = TEST_NET_BASE };



#define PINNED_0 0x22b37c5a697a87caull
#define PINNED_1 0x73abcdb592b9063bull
#define PINNED_2 0x8d6b3f61047e9974ull
#define PINNED_3 0xec5fa26de6ca47f0ull
#define PINNED_4 0xc228ff86179d153dull
#define PINNED_SHORT 0xda190983f34f5979ull

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) <= 1e-9 * (1 + fabs((double)(b))))

/* A network with the flows started at 0 and solved (latency 0: the first
 * event is the solve); the caller reads rates, then frees both. */
static sim_net *solved(sim_heap *h, const sim_nic *nics, uint32_t nn,
		       const xfer *x, uint32_t n, const double *loss, double rtt)
{
	ck_assert_int_eq(sim_heap_init(h, 16), 0);
	sim_net *net;
	io_err err = {0};
	ck_assert_int_eq(sim_net_new(&net, h, NET_BASE, nn, nics, 0, 0, &err), 0);
	if (rtt > 0)
		ck_assert_int_eq(sim_net_set_rtt(net, 0, rtt), 0);
	for (uint32_t i = 0; loss && i < nn; i++)
		ck_assert_int_eq(sim_net_set_loss(net, 0, i, loss[i]), 0);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(sim_net_start(net, 0, x[i].src, x[i].dst,
					       x[i].bytes, i),
				 0);
	double t;
	uint32_t kind;
	void *data;
	const uint64_t *done;
	ck_assert(sim_heap_pop(h, &t, &kind, &data));
	ck_assert_int_eq(sim_net_event(net, t, kind, data, &done), 0);
	return net;
}

static double mathis(double mss, double rtt, double p)
{
	return mss / (rtt * sqrt(2 * p / 3));
}

/* ---- max-min by hand ------------------------------------------------------ */

START_TEST(two_flows_on_one_link_get_half_each)
{
	/* into one downlink of 80 from two senders of 100: 40 each */
	sim_nic nics[3] = {{100, 100}, {100, 100}, {100, 80}};
	xfer x[2] = {{.src = 0, .dst = 2, .bytes = 40},
		     {.src = 1, .dst = 2, .bytes = 120}};
	sim_heap h;
	sim_net *net = solved(&h, nics, 3, x, 2, NULL, 0);
	ck_assert(NEAR(sim_net_rate(net, 0, 2), 40));
	ck_assert(NEAR(sim_net_rate(net, 1, 2), 40));
	sim_net_free(net);
	sim_heap_free(&h);
	/* the first ends at 1; the second has 80 left, alone at 80 -> 2 */
	test_net_setup r = {.nics = nics, .n_nodes = 3};
	test_net_run(&r, x, 2, NULL);
	ck_assert(NEAR(x[0].end, 1.0) && NEAR(x[1].end, 2.0));
}
END_TEST

START_TEST(max_min_on_three_links_by_hand)
{
	/* uplink A 12, downlink B 2, downlink C 9, all else 100;
	 * f1 A->B, f2 A->C, f3 E->C, f4 A->D. Shares: A 12/3 = 4, B 2/1,
	 * C 9/2 = 4.5. B fills first: f1 = 2 (A: 10 left for 2 -> 5); then C:
	 * f2 = f3 = 4.5 (A: 5.5 left for 1); then A: f4 = 5.5. */
	enum { A, B, C, D, E };
	sim_nic nics[5] = {{12, 100}, {100, 2}, {100, 9}, {100, 100}, {100, 100}};
	xfer x[4] = {{.src = A, .dst = B, .bytes = 4},
		     {.src = A, .dst = C, .bytes = 18},
		     {.src = E, .dst = C, .bytes = 18},
		     {.src = A, .dst = D, .bytes = 30}};
	sim_heap h;
	sim_net *net = solved(&h, nics, 5, x, 4, NULL, 0);
	ck_assert(NEAR(sim_net_rate(net, A, B), 2));
	ck_assert(NEAR(sim_net_rate(net, A, C), 4.5));
	ck_assert(NEAR(sim_net_rate(net, E, C), 4.5));
	ck_assert(NEAR(sim_net_rate(net, A, D), 5.5));
	sim_net_free(net);
	sim_heap_free(&h);
	/* f1 ends at 4/2 = 2 (f2, f3 have 9 left, f4 19); then C still
	 * gives 4.5 each and A the 7.5 left to f4: f2, f3 end at 2 + 9/4.5
	 * = 4, f4 has 19 - 15 = 4 left, alone on A at 12: 4 + 1/3 */
	test_net_setup r = {.nics = nics, .n_nodes = 5};
	test_net_run(&r, x, 4, NULL);
	ck_assert(NEAR(x[0].end, 2.0));
	ck_assert(NEAR(x[1].end, 4.0) && NEAR(x[2].end, 4.0));
	ck_assert(NEAR(x[3].end, 4.0 + 1.0 / 3.0));
}
END_TEST

START_TEST(pair_left_alone_by_its_neighbour_gets_its_smaller_link)
{
	/* uplink A 100, downlink B 60, all else 1000; f0 A->C (50 B), f1 and
	 * f2 A->B (150 B each): B's 60 / 2 = 30 fills first, A's 40 left go
	 * to f0, which ends at 1.25. Then the pair A->B is alone on both its
	 * links (the solver's direct path for one pair): min(100, 60) / 2 =
	 * 30 each, 112.5 B left: both end at 1.25 + 3.75 = 5. With 1% loss
	 * on B (Mathis cap c ~ 17.9 B/s at an RTT of 1000 s) f1 and f2 stop
	 * at c from the start, f0 gets 100 - 2 c and, once it ends, the pair
	 * still gets c (its cap, under its links' 30): ends at 150 / c. */
	enum { A, B, C };
	sim_nic nics[3] = {{100, 1000}, {1000, 60}, {1000, 1000}};
	xfer x[3] = {{.src = A, .dst = C, .bytes = 50},
		     {.src = A, .dst = B, .bytes = 150},
		     {.src = A, .dst = B, .bytes = 150}};
	test_net_setup r = {.nics = nics, .n_nodes = 3};
	test_net_run(&r, x, 3, NULL);
	ck_assert_msg(NEAR(x[0].end, 1.25), "%.17g", x[0].end);
	ck_assert_msg(NEAR(x[1].end, 5.0) && NEAR(x[2].end, 5.0), "%.17g %.17g",
		      x[1].end, x[2].end);
	double loss[3] = {0, 0.01, 0}, c = mathis(1460, 1000, 0.01);
	test_net_setup rl = {.nics = nics, .n_nodes = 3, .rtt = 1000, .loss = loss};
	test_net_run(&rl, x, 3, NULL);
	ck_assert_msg(NEAR(x[0].end, 50 / (100 - 2 * c)), "%.17g", x[0].end);
	ck_assert_msg(NEAR(x[1].end, 150 / c) && NEAR(x[2].end, 150 / c),
		      "%.17g %.17g vs %.17g", x[1].end, x[2].end, 150 / c);
}
END_TEST

/* ---- packet loss ------------------------------------------------------------ */

START_TEST(mathis_rate_of_one_flow)
{
	/* p = 1%, latency 10 ms (RTT 20 ms), MSS 1460: the cap is
	 * 1460 / (0.02 sqrt(0.02/3)) = 894,063.76 B/s, under the 1 GB/s NICs */
	sim_nic nics[2] = {{1e9, 1e9}, {1e9, 1e9}};
	double loss[2] = {0.01, 0};
	double cap = mathis(1460, 0.02, 0.01);
	ck_assert(fabs(cap - 894063.756) < 1e-3);
	xfer x = {.src = 0, .dst = 1, .bytes = 1e6};
	test_net_setup r = {.nics = nics, .n_nodes = 2, .latency = 0.01, .loss = loss};
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 0.01 + 1e6 / cap));
	/* the same bound in contention-free mode, in the estimate, and as
	 * the flow's rate while it runs */
	r.cf = 1;
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 0.01 + 1e6 / cap));
	sim_heap h;
	sim_net *net = solved(&h, nics, 2, &x, 1, loss, 0.02);
	ck_assert(NEAR(sim_net_rate(net, 0, 1), cap));
	ck_assert(NEAR(sim_net_flow_cap(net, 0, 1), cap));
	ck_assert(NEAR(sim_net_flow_cap(net, 1, 0), cap)); /* either end */
	ck_assert(NEAR(sim_net_estimate(net, 0, 1, 1e6), 1e6 / cap));
	ck_assert_int_eq(sim_net_set_mss(net, 0, 9000), 0);
	ck_assert(NEAR(sim_net_rate(net, 0, 1), mathis(9000, 0.02, 0.01)));
	sim_net_free(net);
	sim_heap_free(&h);
	/* a cap above the NICs changes nothing: 1460 / (1e-6 sqrt(1e-4/1.5))
	 * = 1.8e11 > 100 B/s */
	sim_nic slow[2] = {{100, 100}, {100, 100}};
	double tiny[2] = {1e-4, 0};
	r = (test_net_setup){.nics = slow, .n_nodes = 2, .rtt = 1e-6, .loss = tiny};
	x.bytes = 300;
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 3.0));
}
END_TEST

START_TEST(loss_on_both_ends_combines)
{
	/* 1% at the sender, 2% at the receiver: p = 1 - 0.99 x 0.98 = 2.98% */
	sim_nic nics[2] = {{1e9, 1e9}, {1e9, 1e9}};
	double loss[2] = {0.01, 0.02};
	double cap = mathis(1460, 0.02, 0.0298);
	ck_assert(fabs(cap - 517917.228) < 1e-3);
	xfer x = {.src = 0, .dst = 1, .bytes = 5e6};
	test_net_setup r = {.nics = nics, .n_nodes = 2, .latency = 0.01, .loss = loss};
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 0.01 + 5e6 / cap));
}
END_TEST

START_TEST(capped_flow_leaves_the_rest_of_its_link_to_others)
{
	/* A sends to B (lossy) and to C on an uplink of 1e6: fair would be
	 * 5e5 each, but A->B is capped at 1.46e5 (MSS 1460, RTT 0.1, p =
	 * 1.5%: 1460 / (0.1 x 0.1)), so A->C gets 8.54e5 */
	sim_nic nics[3] = {{1e6, 1e9}, {1e9, 1e9}, {1e9, 1e9}};
	double loss[3] = {0, 0.015, 0};
	xfer x[2] = {{.src = 0, .dst = 1, .bytes = 1}, {.src = 0, .dst = 2, .bytes = 1}};
	sim_heap h;
	sim_net *net = solved(&h, nics, 3, x, 2, loss, 0.1);
	ck_assert(NEAR(sim_net_rate(net, 0, 1), 1.46e5));
	ck_assert(NEAR(sim_net_rate(net, 0, 2), 1e6 - 1.46e5));
	sim_net_free(net);
	sim_heap_free(&h);
	/* two flows on the lossy pair: each capped, 2 x 1.46e5 off A */
	xfer y[3] = {{.src = 0, .dst = 1, .bytes = 1},
		     {.src = 0, .dst = 1, .bytes = 1},
		     {.src = 0, .dst = 2, .bytes = 1}};
	net = solved(&h, nics, 3, y, 3, loss, 0.1);
	ck_assert(NEAR(sim_net_rate(net, 0, 1), 1.46e5));
	ck_assert(NEAR(sim_net_rate(net, 0, 2), 1e6 - 2 * 1.46e5));
	sim_net_free(net);
	sim_heap_free(&h);
}
END_TEST

START_TEST(loss_set_mid_flow_changes_its_end_as_by_hand)
{
	/* 1e6 bytes at 1e6 B/s, RTT 0.1 s. At 0.5 s (5e5 sent) the receiver
	 * starts losing 1.5%: cap 1.46e5, so 5e5 / 1.46e5 s more */
	sim_nic nics[2] = {{1e6, 1e6}, {1e6, 1e6}};
	xfer x = {.src = 0, .dst = 1, .bytes = 1e6};
	test_net_ctl on = {.t = 0.5, .node = 1, .p = 0.015};
	test_net_setup r = {.nics = nics, .n_nodes = 2, .rtt = 0.1, .ctls = &on, .n_ctls = 1};
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 0.5 + 5e5 / 1.46e5));
	/* a window: loss from 0.5 to 2 s (1.5 x 1.46e5 = 219,000 bytes),
	 * then 281,000 left at 1e6 B/s: ends at 2.281 */
	test_net_ctl window[2] = {{.t = 0.5, .node = 1, .p = 0.015},
			 {.t = 2, .node = 1, .p = 0}};
	r.ctls = window;
	r.n_ctls = 2;
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 2.281));
	/* the same in contention-free mode */
	r.cf = 1;
	test_net_run(&r, &x, 1, NULL);
	ck_assert(NEAR(x.end, 2.281));
	/* loss on a node the flow does not touch changes nothing */
	window[0].node = window[1].node = 2;
	sim_nic three[3] = {{1e6, 1e6}, {1e6, 1e6}, {1e6, 1e6}};
	r = (test_net_setup){.nics = three, .n_nodes = 3, .rtt = 0.1, .ctls = window,
		      .n_ctls = 2};
	test_net_run(&r, &x, 1, NULL);
	ck_assert_double_eq(x.end, 1.0);
}
END_TEST

/* Random transfers on nn nodes (grid starts so some coincide). */
/* n flows between distinct nodes of nn, started at a multiple of 0.5 s
 * below halves / 2, of 1..201 bytes. */
static void random_flows(gsl_rng *g, uint32_t nn, xfer *x, uint32_t n,
			 unsigned long halves)
{
	for (uint32_t i = 0; i < n; i++) {
		x[i].src = (uint32_t)gsl_rng_uniform_int(g, nn);
		do
			x[i].dst = (uint32_t)gsl_rng_uniform_int(g, nn);
		while (x[i].dst == x[i].src);
		x[i].start = (double)gsl_rng_uniform_int(g, halves) / 2;
		x[i].bytes = 1 + 200 * gsl_rng_uniform(g);
	}
}

static void random_xfers(gsl_rng *g, uint32_t nn, xfer *x, uint32_t n,
			 sim_nic *nics)
{
	for (uint32_t i = 0; i < nn; i++) {
		nics[i].up_bps = 10 + 90 * gsl_rng_uniform(g);
		nics[i].down_bps = 10 + 90 * gsl_rng_uniform(g);
	}
	random_flows(g, nn, x, n, 20);
}

START_TEST(zero_loss_changes_nothing_to_the_bit)
{
	/* flows among nodes 0..5 without loss; node 6, idle, loses 5% (so
	 * the network does have loss, only not on these flows) */
	enum { NN = 7, NF = 150 };
	gsl_rng *g = sim_rng_new(7, 0);
	sim_nic nics[NN];
	xfer x[NF], y[NF];
	random_xfers(g, NN - 1, x, NF, nics);
	nics[NN - 1] = nics[0];
	memcpy(y, x, sizeof x);
	double zero[NN] = {[NN - 1] = 0.05};
	/* loss switched on and off again mid-run, on every node */
	test_net_ctl flick[2 * NN];
	for (uint32_t i = 0; i < NN; i++) {
		flick[2 * i] = (test_net_ctl){.t = 3, .node = i, .p = zero[i]};
		flick[2 * i + 1] = (test_net_ctl){.t = 4, .node = i, .p = zero[i]};
	}
	test_net_setup plain = {.nics = nics, .n_nodes = NN, .latency = 0.05};
	/* an RTT so long that any cap would bite (MSS / RTT < 10 B/s) */
	test_net_setup lossless = {.nics = nics, .n_nodes = NN, .latency = 0.05,
			    .rtt = 1000, .loss = zero, .ctls = flick,
			    .n_ctls = 2 * NN};
	test_net_run(&plain, x, NF, NULL);
	test_net_run(&lossless, y, NF, NULL);
	for (int i = 0; i < NF; i++)
		ck_assert_msg(memcmp(&x[i].end, &y[i].end, sizeof x[i].end) == 0,
			      "flow %d: %.17g vs %.17g", i, x[i].end, y[i].end);
	gsl_rng_free(g);
}
END_TEST

START_TEST(bad_loss_rtt_and_mss_are_errors)
{
	sim_heap h;
	sim_heap_init(&h, 4);
	sim_nic nics[2] = {{1, 1}, {1, 1}};
	sim_net *net;
	io_err err = {0};
	ck_assert_int_eq(sim_net_new(&net, &h, NET_BASE, 2, nics, 0.01, 0, &err), 0);
	const double bad[] = {-0.1, 1, 1.5, NAN, INFINITY, -INFINITY};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_int_eq(sim_net_set_loss(net, 0, 0, bad[i]), IO_EINPUT);
	ck_assert_int_eq(sim_net_set_loss(net, 0, 2, 0.1), IO_EINPUT); /* node */
	ck_assert_double_eq(sim_net_loss(net, 0), 0);
	ck_assert_int_eq(sim_net_set_loss(net, 0, 0, 0.999), 0);
	ck_assert_double_eq(sim_net_loss(net, 0), 0.999);
	ck_assert_int_eq(sim_net_set_rtt(net, 0, 0), IO_EINPUT);
	ck_assert_int_eq(sim_net_set_rtt(net, 0, NAN), IO_EINPUT);
	ck_assert_int_eq(sim_net_set_mss(net, 0, -1), IO_EINPUT);
	ck_assert_int_eq(sim_net_set_mss(net, 0, INFINITY), IO_EINPUT);
	sim_net_free(net);
	/* latency 0 and no RTT: the bound would be infinite, so loss is an
	 * error until an RTT is set */
	ck_assert_int_eq(sim_net_new(&net, &h, NET_BASE, 2, nics, 0, 0, &err), 0);
	ck_assert_int_eq(sim_net_set_loss(net, 0, 1, 0.01), IO_EINPUT);
	ck_assert_int_eq(sim_net_set_loss(net, 0, 1, 0), 0);
	ck_assert_int_eq(sim_net_set_rtt(net, 0, 0.05), 0);
	ck_assert_int_eq(sim_net_set_loss(net, 0, 1, 0.01), 0);
	sim_net_free(net);
	sim_heap_free(&h);
}
END_TEST

/* ---- against the brute force of tests/netref.c ------------------------------ */

/* Rounds of random flows on nn nodes, half of the nodes lossy if lossy,
 * against the reference. */
static void random_against_reference(uint32_t nn, uint32_t nf, int rounds,
				     int lossy)
{
	gsl_rng *g = sim_rng_new(42 + nn, (uint64_t)lossy);
	sim_nic *nics = malloc(nn * sizeof *nics);
	double *loss = calloc(nn, sizeof *loss), *capf = malloc(nf * sizeof *capf);
	xfer *x = malloc(nf * sizeof *x), *y = malloc(nf * sizeof *y);
	const double rtt = 1000; /* caps of 10..100 B/s, like the NICs */
	for (int round = 0; round < rounds; round++) {
		random_xfers(g, nn, x, nf, nics);
		for (uint32_t i = 0; i < nn; i++)
			loss[i] = lossy && gsl_rng_uniform(g) < 0.5
					  ? 0.0005 + 0.01 * gsl_rng_uniform(g)
					  : 0;
		for (uint32_t i = 0; i < nf; i++) {
			double p = 1 - (1 - loss[x[i].src]) * (1 - loss[x[i].dst]);
			capf[i] = p > 0 ? mathis(1460, rtt, p) : INFINITY;
			y[i] = x[i];
		}
		double lat = round % 2 ? 0.05 : 0;
		test_net_setup r = {.nics = nics, .n_nodes = nn, .latency = lat,
			     .rtt = rtt, .loss = loss};
		sim_net_stats st;
		test_net_run(&r, x, nf, &st);
		test_reference_max_min(nics, nn, lat, capf, y, nf);
		for (uint32_t i = 0; i < nf; i++)
			tck_assert_msg(fabs(x[i].end - y[i].end) <= 1e-7 * (1 + y[i].end),
				      "%u nodes, round %d flow %u: %.12g vs "
				      "reference %.12g",
				      nn, round, i, x[i].end, y[i].end);
		ck_assert_uint_eq(st.completed, nf);
		ck_assert_uint_eq(st.active, 0);
	}
	free(nics);
	free(loss);
	free(capf);
	free(x);
	free(y);
	gsl_rng_free(g);
}

START_TEST(random_lossy_flows_match_brute_force)
{
	random_against_reference(6, 120, 12, 1);
}
END_TEST

START_TEST(pairs_are_found_from_either_link)
{
	/* node 0 sends to 1..5 (5 pairs on its uplink), 6 and 7 send to 1
	 * too (3 pairs on 1's downlink); a second flow of 0 -> 1, 6 -> 1 and
	 * 0 -> 5 joins its pair, looked up on the shorter list: 1's
	 * downlink, 6's uplink, 5's downlink */
	sim_nic nics[8];
	for (int i = 0; i < 8; i++)
		nics[i] = (sim_nic){100, 100};
	static const uint32_t sd[10][2] = {{0, 1}, {0, 2}, {0, 3}, {0, 4},
					   {0, 5}, {6, 1}, {7, 1}, {0, 1},
					   {6, 1}, {0, 5}};
	xfer x[10];
	for (int i = 0; i < 10; i++)
		x[i] = (xfer){.src = sd[i][0], .dst = sd[i][1], .bytes = 50 + i};
	sim_heap h;
	sim_net *net = solved(&h, nics, 8, x, 10, NULL, 0);
	ck_assert_uint_eq(sim_net_flows(net, 0, 1), 2);
	ck_assert_uint_eq(sim_net_flows(net, 6, 1), 2);
	ck_assert_uint_eq(sim_net_flows(net, 0, 5), 2);
	ck_assert_uint_eq(sim_net_flows(net, 0, 2), 1);
	ck_assert_uint_eq(sim_net_flows(net, 7, 1), 1);
	ck_assert_uint_eq(sim_net_flows(net, 1, 0), 0);
	ck_assert_uint_eq(sim_net_flows(net, 6, 7), 0);
	ck_assert_uint_eq(sim_net_flows(net, 8, 1), 0); /* no such node */
	ck_assert_uint_eq(sim_net_flows(net, 0, 99), 0);
	ck_assert(sim_net_rate(net, 0, 99) == 0);
	/* 0's uplink fills first (7 flows: 100/7 each), 1's downlink shares
	 * the rest among its other 3 flows */
	ck_assert(NEAR(sim_net_rate(net, 0, 1), 100.0 / 7));
	ck_assert(NEAR(sim_net_rate(net, 0, 5), 100.0 / 7));
	ck_assert(NEAR(sim_net_rate(net, 6, 1), (100 - 200.0 / 7) / 3));
	ck_assert(NEAR(sim_net_rate(net, 7, 1), (100 - 200.0 / 7) / 3));
	sim_net_free(net);
	sim_heap_free(&h);
}
END_TEST

START_TEST(large_components_match_brute_force)
{
	/* 60 nodes, 120 links in one component: the solver's large path */
	random_against_reference(60, 400, 2, 0);
	random_against_reference(60, 400, 2, 1);
}
END_TEST

/* Equal NICs, so that fair shares tie all the time, and one node in four
 * at a third of the rate; with and without latency, with and without
 * loss; last, 40 such nodes in one large component (the solver's scan of
 * long lists): a hash of the bits of every end time. The values are what
 * the solver gave before the fifth round of issue 12 item 6: which link
 * fills first on a tie, and the order in which fixed rates come off a
 * link, decide the last bits, and a faster solver must keep both (a tie
 * broken the other way changes the hash). */
START_TEST(schedule_bits_are_pinned)
{
	enum { RUNS = 5, MAX_NN = 40, MAX_NF = 1200 };
	static const uint64_t pinned[RUNS] = {PINNED_0, PINNED_1, PINNED_2,
					      PINNED_3, PINNED_4};
	gsl_rng *g = sim_rng_new(2026, 5);
	sim_nic nics[MAX_NN];
	double loss[MAX_NN];
	static xfer x[MAX_NF];
	for (int run = 0; run < RUNS; run++) {
		int large = run == RUNS - 1;
		uint32_t nn = large ? MAX_NN : 12, nf = large ? MAX_NF : 600;
		random_xfers(g, nn, x, nf, nics);
		for (uint32_t i = 0; i < nn; i++) {
			double bps = i % 4 == 3 ? 30 : 90;
			nics[i] = (sim_nic){bps, bps};
			loss[i] = run == 2 || run == 3 ? (i % 2) * 0.001 * (1 + i % 5)
						       : 0;
		}
		test_net_setup r = {.nics = nics, .n_nodes = nn,
			     .latency = run % 2 ? 0.05 : 0, .rtt = 1000,
			     .loss = loss};
		test_net_run(&r, x, nf, NULL);
		uint64_t h = 0xcbf29ce484222325ull;
		for (uint32_t i = 0; i < nf; i++) {
			uint64_t bits;
			memcpy(&bits, &x[i].end, sizeof bits);
			h = (h ^ bits) * 0x100000001b3ull;
		}
		ck_assert_msg(h == pinned[run],
			      "run %d: hash %016llx, pinned %016llx", run,
			      (unsigned long long)h,
			      (unsigned long long)pinned[run]);
	}
	gsl_rng_free(g);
}
END_TEST

/* The short active list's tie order (fill_with's scan of fewer than
 * LONG_LIST entries: the first least share fills first) decides last bits
 * as the long list's does: 3,000 flows on 8 equal NICs, started over 30 s,
 * keep components small (the short scan) with shares tied everywhere. The
 * hash of every end time's bits is pinned to the solver of 2026-12-04;
 * taking the last least share instead changes it. */
START_TEST(short_scan_ties_are_pinned)
{
	enum { NN = 8, NF = 3000 };
	static xfer x[NF];
	sim_nic nics[NN];
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 11);
	random_flows(g, NN, x, NF, 60);
	gsl_rng_free(g);
	for (uint32_t i = 0; i < NN; i++)
		nics[i] = (sim_nic){90, 90};
	test_net_setup r = {.nics = nics, .n_nodes = NN, .rtt = 1000};
	test_net_run(&r, x, NF, NULL);
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < NF; i++) {
		uint64_t bits;
		memcpy(&bits, &x[i].end, sizeof bits);
		h = (h ^ bits) * 0x100000001b3ull;
	}
	ck_assert_msg(h == PINNED_SHORT, "hash %016llx, pinned %016llx",
		      (unsigned long long)h, (unsigned long long)PINNED_SHORT);
}
END_TEST

Suite *suite_net(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("max-min");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, two_flows_on_one_link_get_half_each);
	tcase_add_test(tc, max_min_on_three_links_by_hand);
	tcase_add_test(tc, pair_left_alone_by_its_neighbour_gets_its_smaller_link);
	tcase_add_test(tc, pairs_are_found_from_either_link);
	tcase_add_test(tc, large_components_match_brute_force);
	tcase_add_test(tc, schedule_bits_are_pinned);
	tcase_add_test(tc, short_scan_ties_are_pinned);
	suite_add_tcase(s, tc);
	tc = tcase_create("loss");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mathis_rate_of_one_flow);
	tcase_add_test(tc, loss_on_both_ends_combines);
	tcase_add_test(tc, capped_flow_leaves_the_rest_of_its_link_to_others);
	tcase_add_test(tc, loss_set_mid_flow_changes_its_end_as_by_hand);
	tcase_add_test(tc, zero_loss_changes_nothing_to_the_bit);
	tcase_add_test(tc, bad_loss_rtt_and_mss_are_errors);
	tcase_add_test(tc, random_lossy_flows_match_brute_force);
	suite_add_tcase(s, tc);
	return s;
}
