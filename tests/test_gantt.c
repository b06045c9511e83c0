/* tests/test_gantt.c — Gantt charts (sim/gantt.h, `hetsim gantt`,
 * `hetsim gantt-dataset`): a hand-made 3-job run drawn pixel by pixel as
 * gantt.h documents, decoded back with libpng; its SVG parsed with libxml2
 * and its bars counted; byte-identical PNGs; located errors that write
 * nothing; the real-run mapping on a small hand-made set and on the 19
 * real runs of ../shared/data/anomaly_sample. */
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "sim/gantt.h"
#include "tests/tests.h"

#define REAL_DIR "../shared/data/anomaly_sample"

/* Three jobs; makespan 100 s. At 10 s a column (W = 10):
 *   a: wms 0-10, queue 10-20, stage-in 20-30, compute 30-70, stage-out
 *      70-80, post 80-100 (no start-up: stage-in starts the slot)
 *   b: queue 5-25 (ready = submit: no wms), start-up 25-35, stage-in
 *      35-45, compute 45-55, held 55-65 (end 65), no post
 *   c: wms 50-60, compute 60-90, post 90-91 (no queue: start = submit) */
static const char three_jobs[] =
	GANTT_JOBS_HEADER "\n"
	"0,a,t,compute,m2,vm,0,10,20,20,30,30,70,70,80,80,100\n"
	"1,b,t,compute,m10,vm,5,5,25,35,45,45,55,,,65,65\n"
	"2,c,u,auxiliary,m2,,50,60,60,,,60,90,,,90,91\n";

enum { W_ = 0, Q_, S_, I_, C_, O_, H_, P_, __ };
static const int phase_of[] = {
	[W_] = GANTT_PH_WMS,	   [Q_] = GANTT_PH_QUEUE,
	[S_] = GANTT_PH_STARTUP,  [I_] = GANTT_PH_STAGE_IN,
	[C_] = GANTT_PH_COMPUTE,  [O_] = GANTT_PH_STAGE_OUT,
	[H_] = GANTT_PH_HELD,	   [P_] = GANTT_PH_POST,
	[__] = -1};

/* Rows by ready time: a, b, c. Job b's queue (5-25 s) touches columns 0
 * to 2, its start-up (25-35 s) columns 2 and 3, and so on: a later phase
 * takes a shared column. Job c's 1 s post still shows in column 9. */
static const int ready_rows[3][10] = {
	{W_, Q_, I_, C_, C_, C_, C_, O_, P_, P_},
	{Q_, Q_, S_, I_, C_, H_, H_, __, __, __},
	{__, __, __, __, __, W_, C_, C_, C_, P_}};

static gantt_run load_text(const char *name, const char *text)
{
	gantt_run run;
	io_err err = {0};
	ck_assert_msg(gantt_load(&run, test_write(name, text), &err) == 0, "%s",
		      err.msg);
	return run;
}

static void check_pixels(const uint8_t *rgb, const int rows[3][10],
			 const char *what)
{
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 10; c++) {
			uint8_t want[3] = {255, 255, 255};
			if (phase_of[rows[r][c]] >= 0)
				gantt_phase_rgb((gantt_phase)phase_of[rows[r][c]], want);
			const uint8_t *got = rgb + (r * 10 + c) * 3;
			ck_assert_msg(!memcmp(got, want, 3),
				      "%s: pixel row %d column %d is %d,%d,%d, "
				      "expected %d,%d,%d",
				      what, r, c, got[0], got[1], got[2], want[0],
				      want[1], want[2]);
		}
}

/* Decode PNG bytes with libpng into 8-bit RGB (malloc'd). */
static uint8_t *decode_png(const unsigned char *png, size_t len, int *w,
			   int *h)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	ck_assert_msg(png_image_begin_read_from_memory(&img, png, len),
		      "libpng: %s", img.message);
	img.format = PNG_FORMAT_RGB;
	uint8_t *rgb = malloc(PNG_IMAGE_SIZE(img));
	ck_assert_ptr_nonnull(rgb);
	ck_assert_msg(png_image_finish_read(&img, NULL, rgb, 0, NULL),
		      "libpng: %s", img.message);
	*w = (int)img.width;
	*h = (int)img.height;
	return rgb;
}

/* The colours gantt.h documents, byte for byte. */
START_TEST(phase_colours_are_the_documented_ones)
{
	static const uint8_t doc[GANTT_NPHASES][3] = {
		[GANTT_PH_WMS] = {148, 103, 189},  [GANTT_PH_QUEUE] = {255, 127, 14},
		[GANTT_PH_STARTUP] = {188, 189, 34}, [GANTT_PH_STAGE_IN] = {31, 119, 180},
		[GANTT_PH_COMPUTE] = {44, 160, 44}, [GANTT_PH_STAGE_OUT] = {214, 39, 40},
		[GANTT_PH_HELD] = {127, 127, 127}, [GANTT_PH_POST] = {140, 86, 75}};
	for (int ph = 0; ph < GANTT_NPHASES; ph++) {
		uint8_t rgb[3];
		gantt_phase_rgb((gantt_phase)ph, rgb);
		ck_assert_msg(!memcmp(rgb, doc[ph], 3), "%s",
			      gantt_phase_name((gantt_phase)ph));
		char hex[8];
		snprintf(hex, sizeof hex, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
		ck_assert_str_eq(gantt_phase_color((gantt_phase)ph), hex);
	}
}
END_TEST

START_TEST(raster_of_three_jobs_is_the_documented_pixels)
{
	gantt_run run = load_text("three.csv", three_jobs);
	ck_assert_double_eq(run.makespan_s, 100);
	uint8_t rgb[10 * 3 * 3];
	io_err err = {0};
	gantt_png_opts o = {.width = 10, .height = 3};
	ck_assert_int_eq(gantt_raster(&run, &o, rgb, &err), 0);
	check_pixels(rgb, ready_rows, "rows by ready time");
	/* node lanes: m2 (a, then c by start) before m10 (natural order) */
	o.rows = GANTT_ROWS_NODE;
	ck_assert_int_eq(gantt_raster(&run, &o, rgb, &err), 0);
	const int node_rows[3][10] = {
		{W_, Q_, I_, C_, C_, C_, C_, O_, P_, P_},
		{__, __, __, __, __, W_, C_, C_, C_, P_},
		{Q_, Q_, S_, I_, C_, H_, H_, __, __, __}};
	check_pixels(rgb, node_rows, "rows by node");
	/* a fixed horizon of 200 s: 20 s a column, nothing past column 4;
	 * a's compute (30-70 s) takes column 1 from its stage-in (20-30 s) */
	o.rows = GANTT_ROWS_READY;
	o.horizon_s = 200;
	ck_assert_int_eq(gantt_raster(&run, &o, rgb, &err), 0);
	const int horizon_rows[3][10] = {
		{Q_, C_, C_, O_, P_, __, __, __, __, __},
		{Q_, I_, H_, H_, __, __, __, __, __, __},
		{__, __, W_, C_, P_, __, __, __, __, __}};
	check_pixels(rgb, horizon_rows, "200 s horizon");
	gantt_free(&run);
}
END_TEST

/* The PNG file decodes (libpng) to the documented default size; each job's
 * band holds its phase colours where the documented mapping puts them. */
START_TEST(png_decodes_to_the_default_size_with_phase_colours)
{
	gantt_run run = load_text("three.csv", three_jobs);
	unsigned char *png;
	size_t len;
	io_err err = {0};
	ck_assert_int_eq(gantt_png_encode(&run, NULL, &png, &len, &err), 0);
	ck_assert(len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
	int w, h;
	uint8_t *rgb = decode_png(png, len, &w, &h);
	ck_assert_int_eq(w, GANTT_PNG_W);
	ck_assert_int_eq(h, GANTT_PNG_H);
	/* job a owns rows 0-84 (floor(256/3) = 85), b 85-169, c 170-255;
	 * 2.56 columns a second */
	struct {
		int x, y;
		gantt_phase ph; /* GANTT_NPHASES: white */
	} probe[] = {{128, 40, GANTT_PH_COMPUTE},   /* a at 50 s */
		     {64, 0, GANTT_PH_STAGE_IN},    /* a at 25 s, top row */
		     {200, 84, GANTT_PH_STAGE_OUT}, /* a at 78 s, last row */
		     {250, 60, GANTT_PH_POST},	    /* a at 97.7 s */
		     {20, 85, GANTT_PH_QUEUE},	    /* b at 7.8 s */
		     {76, 120, GANTT_PH_STARTUP},  /* b at 29.7 s */
		     {150, 169, GANTT_PH_HELD},	    /* b at 58.6 s */
		     {200, 130, GANTT_NPHASES},	    /* b is done at 78 s */
		     {10, 200, GANTT_NPHASES},	    /* c not ready at 3.9 s */
		     {140, 255, GANTT_PH_WMS},	    /* c at 54.7 s */
		     {231, 170, GANTT_PH_POST},    /* c's 1 s post, 90-91 s */
		     {255, 200, GANTT_NPHASES}};   /* c is done at 91 s */
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
		uint8_t want[3] = {255, 255, 255};
		if (probe[i].ph != GANTT_NPHASES)
			gantt_phase_rgb(probe[i].ph, want);
		const uint8_t *got = rgb + ((size_t)probe[i].y * (size_t)w +
					    (size_t)probe[i].x) * 3;
		ck_assert_msg(!memcmp(got, want, 3),
			      "pixel (%d, %d): %d,%d,%d, expected %d,%d,%d",
			      probe[i].x, probe[i].y, got[0], got[1], got[2],
			      want[0], want[1], want[2]);
	}
	free(rgb);
	free(png);
	gantt_free(&run);
}
END_TEST

static char *slurp_ok(const char *path, size_t *len)
{
	char *b = test_slurp(path, len);
	ck_assert_msg(b != NULL, "cannot read %s", path);
	return b;
}

/* Same jobs, same bytes: two processes, and the same jobs read back from a
 * jobs.csv.gz that gantt_write_jobs wrote. */
START_TEST(same_jobs_give_byte_identical_pngs)
{
	const char *csv = test_write("same.csv", three_jobs);
	char cmd[2048], err[512], a[600], b[600], gz[600];
	snprintf(a, sizeof a, "%s/same_a.png", test_tmpdir());
	snprintf(b, sizeof b, "%s/same_b.png", test_tmpdir());
	snprintf(gz, sizeof gz, "%s/same.jobs.csv.gz", test_tmpdir());
	gantt_run run = load_text("same.csv", three_jobs);
	io_err e = {0};
	ck_assert_int_eq(gantt_write_jobs(&run, gz, &e), 0);
	gantt_free(&run);
	snprintf(cmd, sizeof cmd, "%s gantt %s -o %s && %s gantt %s -o %s",
		 test_bin(), csv, a, test_bin(), gz, b);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	size_t la, lb;
	char *pa = slurp_ok(a, &la), *pb = slurp_ok(b, &lb);
	ck_assert(la == lb && !memcmp(pa, pb, la));
	free(pa);
	free(pb);
}
END_TEST

/* Count the elements named rect whose class starts with prefix, per class
 * suffix when counts is given (indexed by phase). */
static int count_rects(xmlNode *n, const char *prefix, int *counts)
{
	int total = 0;
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(n->name, BAD_CAST "rect")) {
			xmlChar *cls = xmlGetProp(n, BAD_CAST "class");
			if (cls && !strncmp((const char *)cls, prefix, strlen(prefix))) {
				total++;
				for (int ph = 0; counts && ph < GANTT_NPHASES; ph++)
					if (!strcmp((const char *)cls + strlen(prefix),
						    gantt_phase_name((gantt_phase)ph)))
						counts[ph]++;
			}
			xmlFree(cls);
		}
		total += count_rects(n->children, prefix, counts);
	}
	return total;
}

START_TEST(svg_has_one_bar_per_job_phase_and_parses_as_xml)
{
	const char *csv = test_write("svg.csv", three_jobs);
	char cmd[2048], err[512], out[600];
	snprintf(out, sizeof out, "%s/chart.svg", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s gantt %s -o %s --anomaly m10:30:60 --title 'a & <b>'",
		 test_bin(), csv, out);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	xmlDoc *doc = xmlReadFile(out, NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "%s is not well-formed XML", out);
	xmlNode *root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "svg");
	int per[GANTT_NPHASES] = {0};
	/* a: wms queue stage_in compute stage_out post; b: queue startup
	 * stage_in compute held; c: wms compute post */
	ck_assert_int_eq(count_rects(root->children, "bar ", per), 14);
	const int want[GANTT_NPHASES] = {
		[GANTT_PH_WMS] = 2,	 [GANTT_PH_QUEUE] = 2,
		[GANTT_PH_STARTUP] = 1,	 [GANTT_PH_STAGE_IN] = 2,
		[GANTT_PH_COMPUTE] = 3,	 [GANTT_PH_STAGE_OUT] = 1,
		[GANTT_PH_HELD] = 1,	 [GANTT_PH_POST] = 2};
	for (int ph = 0; ph < GANTT_NPHASES; ph++)
		ck_assert_msg(per[ph] == want[ph], "%s: %d bars, expected %d",
			      gantt_phase_name((gantt_phase)ph), per[ph], want[ph]);
	ck_assert_int_eq(count_rects(root->children, "anomaly", NULL), 1);
	ck_assert_int_eq(count_rects(root->children, "key", NULL),
			 GANTT_NPHASES + 1);
	xmlFreeDoc(doc);
	/* the lanes are labelled, the title escaped */
	char *text = slurp_ok(out, NULL);
	ck_assert_ptr_nonnull(strstr(text, ">m2 (2 jobs)<"));
	ck_assert_ptr_nonnull(strstr(text, ">m10 (1 job)<"));
	ck_assert_ptr_nonnull(strstr(text, "a &amp; &lt;b&gt;"));
	free(text);
	/* several machines, as the manifest lists them: one window each */
	snprintf(cmd, sizeof cmd, "%s gantt %s -o %s --anomaly 'm2 m10:30:60'",
		 test_bin(), csv, out);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	doc = xmlReadFile(out, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	root = xmlDocGetRootElement(doc);
	ck_assert_int_eq(count_rects(root->children, "anomaly", NULL), 2);
	ck_assert_int_eq(count_rects(root->children, "bar ", NULL), 14);
	xmlFreeDoc(doc);
}
END_TEST

/* No file in dir has name as a prefix (the output or its temporary). */
static int leftovers(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += !strncmp(e->d_name, name, strlen(name));
	closedir(d);
	return n;
}

START_TEST(malformed_jobs_csv_is_a_located_error_and_writes_nothing)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"", ":1: empty file"},
		{"job,name\n0,a\n", ":1: not a jobs.csv header: column 3 is missing"},
		{GANTT_JOBS_HEADER ",extra\n", ":1: not a jobs.csv header: 18 columns"},
		{GANTT_JOBS_HEADER "\n", "no jobs"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,,,2,3,,,3,4\n"
				   "1,b,t,gpu,m,,0,1,2,,,2,3,,,3,4\n",
		 ":3: class \"gpu\""},
		{GANTT_JOBS_HEADER "\n-1,a,t,compute,m,,0,1,2,,,2,3,,,3,4\n",
		 ":2: job \"-1\""},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,,,2,3,,,3\n",
		 ":2: the row has 16 fields"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,x,,,2,3,,,3,4\n",
		 ":2: start_s \"x\" is not a number"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,5,2,,,2,3,,,3,4\n",
		 ":2: job 0: submit_s 5 is after start_s 2"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,,,2,9,,,3,4\n",
		 ":2: job 0: compute_end_s 9 is after end_s 3"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,2,,2,3,,,3,4\n",
		 ":2: job 0: stage_in_start_s and stage_in_end_s must be both"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,,,2,3,,,3,\n",
		 ":2: job 0: post_end_s is empty"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,,,2,3,,,3,1e300\n",
		 ":2: job 0: post_end_s 1e+300 is not in"},
		{GANTT_JOBS_HEADER "\n0,a,t,compute,m,,0,1,2,,,2,3,,,3,4\n"
				   "0,b,t,compute,m,,0,1,2,,,2,3,,,3,4\n",
		 ":3: job 0 is given twice (also line 2)"},
		{GANTT_JOBS_HEADER "\n0,\"a,t,compute,m,,0,1,2,,,2,3,,,3,4\n",
		 ":2:"},
	};
	char cmd[2048], err[1024], out[600];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int png = 0; png < 2; png++) {
			const char *csv = test_write("bad.csv", cases[i].text);
			snprintf(out, sizeof out, "%s/bad_out.%s", test_tmpdir(),
				 png ? "png" : "svg");
			snprintf(cmd, sizeof cmd, "%s gantt %s -o %s", test_bin(), csv,
				 out);
			ck_assert_msg(test_run(cmd, err, sizeof err) == 2,
				      "case %zu: [%s]", i, err);
			ck_assert_msg(strstr(err, csv) && strstr(err, cases[i].want),
				      "case %zu: [%s], expected [%s%s]", i, err, csv,
				      cases[i].want);
			ck_assert_int_eq(leftovers(test_tmpdir(), "bad_out."), 0);
		}
	}
}
END_TEST

/* What the CSV reader accepts (BOM, CRLF, quotes, gzip) reaches the jobs,
 * and gantt_write_jobs writes what reads back the same; times within
 * GANTT_SLACK_S of their order are moved onto it. */
START_TEST(jobs_csv_quotes_bom_crlf_and_rounding_round_trip)
{
	const char text[] =
		"\xEF\xBB\xBF" GANTT_JOBS_HEADER "\r\n"
		"7,\"sift, \"\"x\"\"\",t,transfer,\" m 1\",,0,1.0000005,1,,,"
		"1,2,,,2,3\r\n"
		"3,b,t,auxiliary,,,0,0,0,0,0.5,0.5,0.9999996,,,1,1\r\n";
	gantt_run run = load_text("q.csv", text);
	ck_assert_uint_eq(run.n, 2);
	ck_assert_int_eq(run.jobs[0].index, 3); /* sorted by job */
	ck_assert_str_eq(run.jobs[1].name, "sift, \"x\"");
	ck_assert_str_eq(run.jobs[1].machine, " m 1");
	ck_assert_int_eq(run.jobs[1].cls, GANTT_TRANSFER);
	/* submit 5e-7 after start: start moved onto it */
	ck_assert_double_eq(run.jobs[1].t[GANTT_START], 1.0000005);
	ck_assert(isnan(run.jobs[0].t[GANTT_STAGE_OUT_START]));
	char gz[600];
	snprintf(gz, sizeof gz, "%s/q.jobs.csv.gz", test_tmpdir());
	io_err err = {0};
	ck_assert_int_eq(gantt_write_jobs(&run, gz, &err), 0);
	gantt_run back;
	ck_assert_msg(gantt_load(&back, gz, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(back.n, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(back.jobs[i].name, run.jobs[i].name);
		ck_assert_str_eq(back.jobs[i].machine, run.jobs[i].machine);
		for (int k = 0; k < GANTT_NTIMES; k++)
			ck_assert(isnan(run.jobs[i].t[k])
					  ? isnan(back.jobs[i].t[k])
					  : fabs(back.jobs[i].t[k] -
						 run.jobs[i].t[k]) <= 1e-6);
	}
	gantt_free(&back);
	gantt_free(&run);
}
END_TEST

START_TEST(cli_refuses_bad_flags_with_a_reason)
{
	const char *csv = test_write("flags.csv", three_jobs);
	static const struct {
		const char *args, *want;
	} cases[] = {
		{"-o %s/x.png --size 0x10", "--size takes WxH"},
		{"-o %s/x.png --size 10x", "--size takes WxH"},
		{"-o %s/x.png --size 99999999999x10", "--size takes WxH"},
		{"-o %s/x.png --size 8193x10", "--size takes WxH"},
		{"-o %s/x.png --size 10x10x", "--size takes WxH"},
		{"-o %s/x.png --rows time", "--rows takes ready or node"},
		{"-o %s/x.png --horizon -1", "--horizon takes seconds"},
		{"-o %s/x.png --anomaly m2:0:10", "for SVG charts"},
		{"-o %s/x.svg --size 10x10", "are for the PNG raster"},
		{"-o %s/x.svg --anomaly m2:10:5", "NODE:T0:T1"},
		{"-o %s/x.svg --anomaly nowhere:0:5", "no job ran there"},
		{"-o %s/x.svg --anomaly 'm2 nowhere:0:5'", "\"nowhere\": no job"},
		{"-o %s/x.jpg", "must end in .svg or .png"},
	};
	char cmd[2048], args[800], err[1024];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(args, sizeof args, cases[i].args, test_tmpdir());
		snprintf(cmd, sizeof cmd, "%s gantt %s %s", test_bin(), csv, args);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 2, "%s: [%s]", args,
			      err);
		ck_assert_msg(strstr(err, cases[i].want), "%s: [%s]", args, err);
		ck_assert_int_eq(leftovers(test_tmpdir(), "x."), 0);
	}
	/* bad flags of the simulated data set */
	static const struct {
		const char *args, *want;
	} ds[] = {
		{"--per-class 0", "--per-class takes 1 to 99999"},
		{"--per-class 2x", "--per-class takes 1 to 99999"},
		{"--per-class 1 -j 0", "-j takes 1 to 256"},
		{"--per-class 1 --seed -3", "--seed takes"},
		{"--per-class 1 --scope half", "--scope takes node or all"},
		{"--per-class 1 --balance fine", "--balance takes label or coarse"},
		{"--seed 3", "needs --per-class N"},
		{"--per-class 1 --workflow nowhere.json", "nowhere.json"},
		{"--per-class 1 --workflow experiments/assistive_ml.json",
		 "not a workflow experiment"},
	};
	for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
		snprintf(cmd, sizeof cmd, "%s gantt-dataset %s --out %s/ds",
			 test_bin(), ds[i].args, test_tmpdir());
		ck_assert_msg(test_run(cmd, err, sizeof err) == 2, "%s: [%s]",
			      ds[i].args, err);
		ck_assert_msg(strstr(err, ds[i].want), "%s: [%s]", ds[i].args, err);
	}
	/* both commands answer --help on standard output */
	for (int k = 0; k < 2; k++) {
		snprintf(cmd, sizeof cmd, "%s %s --help | grep -q '^usage: hetsim %s '",
			 test_bin(), k ? "gantt-dataset" : "gantt",
			 k ? "gantt-dataset" : "gantt");
		ck_assert_int_eq(test_run(cmd, err, sizeof err), 0);
	}
}
END_TEST

START_TEST(seed_labels_classes_and_splits)
{
	static const char *const ok[][2] = {
		{"normal", "normal"}, {"cpu_2", "cpu"},	     {"cpu_3", "cpu"},
		{"hdd_50", "hdd"},    {"hdd_100", "hdd"},    {"loss_0.1", "loss"},
		{"loss_5", "loss"},   {"hdd_5", "hdd"}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		ck_assert_str_eq(gantt_coarse_class(ok[i][0]), ok[i][1]);
	static const char *const bad[] = {"", "cpu", "cpu_", "cpu_x", "loss_.5",
					  "loss_1.", "hdd_1.5", "Normal", "gpu_2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(gantt_coarse_class(bad[i]) == NULL, "%s", bad[i]);
	static const size_t ns[][4] = {{100, 80, 10, 10}, {25, 21, 2, 2},
				       {10, 8, 1, 1},	  {9, 9, 0, 0},
				       {1, 1, 0, 0}};
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		size_t c[3] = {0};
		for (size_t k = 0; k < ns[i][0]; k++) {
			const char *s = gantt_split(k, ns[i][0]);
			c[!strcmp(s, "validation") + 2 * !strcmp(s, "test")]++;
		}
		ck_assert_msg(c[0] == ns[i][1] && c[1] == ns[i][2] &&
				      c[2] == ns[i][3],
			      "n %zu: %zu/%zu/%zu", ns[i][0], c[0], c[1], c[2]);
	}
}
END_TEST

/* A hand-made folder in the layout of anomaly_sample: one poseidon2020
 * run (staging durations only) and one flowbench2022 run (staging windows,
 * one past execute_end). */
static const char mini_runs[] =
	"campaign,run_id,anomaly_label,n_jobs,n_jobs_labelled_anomalous,"
	"anomalous_hosts\n"
	"poseidon2020,p-run1,loss_0.5,2,,\n"
	"flowbench2022,f-run1,hdd_5,1,1,w2 w3\n";
static const char mini_runs1[] =
	"campaign,run_id,anomaly_label,n_jobs,n_jobs_labelled_anomalous,"
	"anomalous_hosts\n"
	"poseidon2020,p-run1,loss_0.5,1,,\n";
static const char mini_jobs_head[] =
	"campaign,run_id,anomaly_label,job_anomaly_label,dag_node,job_type,"
	"job_class,host,ready,submit,stage_in_start,stage_in_end,execute_start,"
	"execute_end,stage_out_start,stage_out_end,post_script_end,"
	"stage_in_delay,stage_out_delay\n";
static const char mini_jobs_rows[] =
	"poseidon2020,p-run1,loss_0.5,,ind_1,individuals,compute,worker-1,0,4,,,"
	"10,100,,,105,30,5\n"
	"poseidon2020,p-run1,loss_0.5,,cleanup_0,cleanup,auxiliary,master,105,"
	"106,,,108,110,,,115,,\n"
	"flowbench2022,f-run1,hdd_5,hdd_5,ind_1,individuals,compute,w2,0,3,12,"
	"20,8,50,45,52,55,8,7\n";

static const char *mini_dir(const char *name, const char *runs,
			    const char *rows)
{
	static char dir[600];
	snprintf(dir, sizeof dir, "%s/%s", test_tmpdir(), name);
	char cmd[1400], path[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof path, "%s/1000genome_runs_sample.csv", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(runs, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/1000genome_jobs_sample.csv", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(mini_jobs_head, f);
	fputs(rows, f);
	fclose(f);
	return dir;
}

START_TEST(real_runs_map_as_the_spec_says)
{
	const char *in = mini_dir("mini", mini_runs, mini_jobs_rows);
	char out[700], cmd[2000], err[1024], path[900];
	snprintf(out, sizeof out, "%s/mini_out", test_tmpdir());
	snprintf(cmd, sizeof cmd, "%s gantt-dataset --real %s --out %s",
		 test_bin(), in, out);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	/* one clamped (stage-out 45-52 past end 50), two placed (poseidon) */
	ck_assert_msg(strstr(err, "1 staging windows clamped") &&
			      strstr(err, "2 placed from durations"),
		      "[%s]", err);
	snprintf(path, sizeof path, "%s/manifest.csv", out);
	char *m = slurp_ok(path, NULL);
	ck_assert_str_eq(m, GANTT_MANIFEST_HEADER "\n"
			 "real/flowbench2022/f-run1.png,hdd,hdd_5,,w2 w3,,,test\n"
			 "real/poseidon2020/p-run1.png,loss,loss_0.5,,,,,test\n");
	free(m);
	snprintf(path, sizeof path, "%s/real/poseidon2020/p-run1.jobs.csv.gz", out);
	gantt_run run;
	io_err e = {0};
	ck_assert_msg(gantt_load(&run, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(run.n, 2);
	/* ready 0, submit 4, start 10, stage-in 10-40 (30 s), compute 40-95,
	 * stage-out 95-100 (5 s), end 100, post_end 105 */
	const double want0[GANTT_NTIMES] = {0, 4, 10, 10, 40, 40, 95, 95, 100, 100, 105};
	for (int k = 0; k < GANTT_NTIMES; k++)
		ck_assert_double_eq(run.jobs[0].t[k], want0[k]);
	ck_assert_str_eq(run.jobs[0].name, "ind_1");
	ck_assert_str_eq(run.jobs[0].machine, "worker-1");
	ck_assert_str_eq(run.jobs[1].task_type, "cleanup");
	ck_assert_int_eq(run.jobs[1].cls, GANTT_AUXILIARY);
	ck_assert(isnan(run.jobs[1].t[GANTT_STAGE_IN_START]));
	ck_assert_double_eq(run.jobs[1].t[GANTT_COMPUTE_START], 108);
	gantt_free(&run);
	snprintf(path, sizeof path, "%s/real/flowbench2022/f-run1.jobs.csv.gz", out);
	ck_assert_msg(gantt_load(&run, path, &e) == 0, "%s", e.msg);
	/* stage-in 12-20 inside 8-50; stage-out 45-52 clamped to 45-50 */
	const double want1[GANTT_NTIMES] = {0, 3, 8, 12, 20, 20, 45, 45, 50, 50, 55};
	for (int k = 0; k < GANTT_NTIMES; k++)
		ck_assert_double_eq(run.jobs[0].t[k], want1[k]);
	gantt_free(&run);
	snprintf(path, sizeof path, "%s/real/flowbench2022/f-run1.png", out);
	size_t len;
	char *png = slurp_ok(path, &len);
	int w, h;
	free(decode_png((unsigned char *)png, len, &w, &h));
	ck_assert(w == GANTT_PNG_W && h == GANTT_PNG_H);
	free(png);
}
END_TEST

/* Counts that do not match the runs file, a label that is not seed-001's,
 * a job of an unknown run: a located error, and nothing is written. */
START_TEST(real_runs_that_disagree_with_the_runs_file_are_refused)
{
	static const struct {
		const char *runs, *rows, *file, *want;
	} cases[] = {
		{"campaign,run_id,anomaly_label,n_jobs,n_jobs_labelled_anomalous,"
		 "anomalous_hosts\nposeidon2020,p-run1,loss_0.5,3,,\n"
		 "flowbench2022,f-run1,hdd_5,1,1,w2\n",
		 NULL, "runs_sample.csv:2:", "n_jobs 3, but"},
		{"campaign,run_id,anomaly_label,n_jobs,n_jobs_labelled_anomalous,"
		 "anomalous_hosts\nposeidon2020,p-run1,loss_0.5,2,,\n"
		 "flowbench2022,f-run1,hdd_5,1,0,w2\n",
		 NULL, "runs_sample.csv:3:", "n_jobs_labelled_anomalous 0"},
		{"campaign,run_id,anomaly_label,n_jobs,n_jobs_labelled_anomalous,"
		 "anomalous_hosts\nposeidon2020,p-run1,loss_0.5,2,,\n"
		 "flowbench2022,f-run1,slow_5,1,1,w2\n",
		 NULL, "runs_sample.csv:3:", "not a seed-001 label"},
		{"campaign,run_id,anomaly_label,n_jobs,n_jobs_labelled_anomalous,"
		 "anomalous_hosts\nposeidon2020,../p,loss_0.5,2,,\n",
		 NULL, "runs_sample.csv:2:", "name files"},
		{mini_runs1,
		 "poseidon2020,p-run2,loss_0.5,,ind_1,individuals,compute,w,0,4,,,"
		 "10,100,,,105,30,5\n",
		 "jobs_sample.csv:2:", "run poseidon2020/p-run2 is not in"},
		{mini_runs1,
		 "poseidon2020,p-run1,loss_0.5,,ind_1,individuals,compute,w,0,4,,,"
		 "10,9,,,105,30,5\n",
		 "jobs_sample.csv:2:", "execute_start and execute_end"},
		{mini_runs1,
		 "poseidon2020,p-run1,loss_0.5,,ind_1,individuals,compute,w,0,40,,,"
		 "10,100,,,105,30,5\n",
		 "jobs_sample.csv:2:", "submit_s 40 is after start_s 10"},
	};
	char out[700], cmd[2000], err[1024];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *in = mini_dir("bad_real", cases[i].runs,
					  cases[i].rows ? cases[i].rows
							: mini_jobs_rows);
		snprintf(out, sizeof out, "%s/bad_real_out", test_tmpdir());
		snprintf(cmd, sizeof cmd, "%s gantt-dataset --real %s --out %s",
			 test_bin(), in, out);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 2, "case %zu: [%s]",
			      i, err);
		ck_assert_msg(strstr(err, cases[i].file) && strstr(err, cases[i].want),
			      "case %zu: [%s]", i, err);
		snprintf(cmd, sizeof cmd, "test ! -e %s", out);
		ck_assert_msg(system(cmd) == 0, "case %zu wrote files", i);
	}
}
END_TEST

/* The 19 real runs: every run of the runs file is a manifest row with its
 * label and coarse class, its jobs.csv.gz holds n_jobs jobs, its PNG
 * decodes to the default size; a second conversion gives the same bytes. */
START_TEST(the_19_real_runs_convert_with_their_labels)
{
	if (access(REAL_DIR "/1000genome_runs_sample.csv", R_OK) != 0)
		return; /* ../shared sits beside the repository */
	char out[700], out2[700], cmd[4800], err[1024], path[1200];
	snprintf(out, sizeof out, "%s/real19", test_tmpdir());
	snprintf(out2, sizeof out2, "%s/real19b", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "{ %s gantt-dataset --real %s --out %s && "
		 "%s gantt-dataset --real %s --out %s 2>/dev/null && "
		 "diff -r %s %s >&2; }",
		 test_bin(), REAL_DIR, out, test_bin(), REAL_DIR, out2, out, out2);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	ck_assert_msg(strstr(err, "19 real runs (1483 jobs)"), "[%s]", err);
	snprintf(path, sizeof path, "%s/manifest.csv", out);
	char *manifest = slurp_ok(path, NULL);
	char *runs = slurp_ok(REAL_DIR "/1000genome_runs_sample.csv", NULL);
	int n_rows = 0;
	for (char *p = strchr(manifest, '\n'); p && p[1]; p = strchr(p + 1, '\n'))
		n_rows++;
	ck_assert_int_eq(n_rows, 19);
	/* each run line: campaign,run_id,anomaly_label,n_jobs,... */
	char *save = NULL;
	int seen = 0;
	for (char *line = strtok_r(strchr(runs, '\n') + 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char campaign[64], run_id[128], label[32];
		int n_jobs;
		ck_assert_int_eq(sscanf(line, "%63[^,],%127[^,],%31[^,],%d",
					campaign, run_id, label, &n_jobs),
				 4);
		char row[512];
		snprintf(row, sizeof row, "\nreal/%s/%s.png,%s,%s,,", campaign,
			 run_id, gantt_coarse_class(label), label);
		ck_assert_msg(strstr(manifest, row), "no manifest row [%s]", row + 1);
		snprintf(path, sizeof path, "%s/real/%s/%s.jobs.csv.gz", out,
			 campaign, run_id);
		gantt_run run;
		io_err e = {0};
		ck_assert_msg(gantt_load(&run, path, &e) == 0, "%s", e.msg);
		ck_assert_int_eq((int)run.n, n_jobs);
		gantt_free(&run);
		snprintf(path, sizeof path, "%s/real/%s/%s.png", out, campaign,
			 run_id);
		size_t len;
		char *png = slurp_ok(path, &len);
		int w, h;
		free(decode_png((unsigned char *)png, len, &w, &h));
		ck_assert(w == GANTT_PNG_W && h == GANTT_PNG_H);
		free(png);
		seen++;
	}
	ck_assert_int_eq(seen, 19);
	free(runs);
	free(manifest);
}
END_TEST

/* The simulated data set (1000Genome on seed 001's 5 VMs, per class 2):
 * 14 labels x 2 rows with their classes, seeds, anomaly node and window,
 * the split of each class's 2 runs (both train: floor(2 / 10) = 0), a PNG
 * of the default size and a jobs.csv.gz of 57 jobs (DAG and Pegasus aux
 * jobs, as the real poseidon2020 runs) per row; the
 * same bytes with -j 1, -j 2 and -j 3; a different seed changes them. */
START_TEST(simulated_dataset_is_labelled_and_byte_identical_for_any_j)
{
	if (access("experiments/workflows/1000genome.json", R_OK) != 0 ||
	    access("../shared/data/workflows/wfformat", R_OK) != 0)
		return; /* run from the repository, ../shared beside it */
	char a[700], b[700], c[700], d[700], cmd[8192], err[1024], path[1200];
	snprintf(a, sizeof a, "%s/dsa", test_tmpdir());
	snprintf(b, sizeof b, "%s/dsb", test_tmpdir());
	snprintf(c, sizeof c, "%s/dsc", test_tmpdir());
	snprintf(d, sizeof d, "%s/dsd", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "{ %s gantt-dataset --scope node --per-class 2 -j 2 --out %s && "
		 "%s gantt-dataset --scope node --per-class 2 -j 1 --out %s 2>/dev/null && "
		 "%s gantt-dataset --scope node --per-class 2 -j 3 --out %s 2>/dev/null && "
		 "diff -r %s %s >&2 && diff -r %s %s >&2 && "
		 "%s gantt-dataset --scope node --per-class 2 --seed 2 --out %s 2>/dev/null && "
		 "! cmp -s %s/manifest.csv %s/manifest.csv; }",
		 test_bin(), a, test_bin(), b, test_bin(), c, a, b, a, c,
		 test_bin(), d, a, d);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	ck_assert_msg(strstr(err, "28 simulated runs (14 labels x 2) on 2 "
				  "processes") && strstr(err, "runs/s"),
		      "[%s]", err);
	snprintf(path, sizeof path, "%s/manifest.csv", a);
	char *manifest = slurp_ok(path, NULL);
	ck_assert_msg(!strncmp(manifest, GANTT_MANIFEST_HEADER "\n",
			       strlen(GANTT_MANIFEST_HEADER) + 1), "%s", manifest);
	static const char *const labels[] = {
		"normal", "cpu_2", "cpu_3", "hdd_50", "hdd_60", "hdd_70",
		"hdd_80", "hdd_90", "hdd_100", "loss_0.1", "loss_0.5",
		"loss_1", "loss_3", "loss_5"};
	for (int l = 0; l < 14; l++) {
		char want[64];
		snprintf(want, sizeof want, "sim/%s/%s_00001.png,", labels[l], labels[l]);
		ck_assert_msg(strstr(manifest, want), "%s", want);
	}
	int rows = 0;
	char *save = NULL;
	for (char *line = strtok_r(strchr(manifest, '\n') + 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char file[200], cls[16], label[16], rest[200], split[16];
		unsigned long long seed;
		ck_assert_msg(sscanf(line, "%199[^,],%15[^,],%15[^,],%llu,%199[^\n]",
				     file, cls, label, &seed, rest) == 5, "%s", line);
		ck_assert_str_eq(cls, gantt_coarse_class(label));
		char *last = strrchr(rest, ',');
		ck_assert_ptr_nonnull(last);
		snprintf(split, sizeof split, "%s", last + 1);
		ck_assert_str_eq(split, "train");
		if (!strcmp(label, "normal")) {
			ck_assert_msg(!strncmp(rest, ",,,", 3), "%s", line);
		} else {
			unsigned node;
			double t0, t1;
			ck_assert_msg(sscanf(rest, "%u,%lf,%lf,", &node, &t0, &t1) == 3,
				      "%s", line);
			ck_assert(node < 5 && t0 >= 0 && t1 > t0);
		}
		int known = 0;
		for (int l = 0; l < 14; l++)
			known += !strcmp(labels[l], label);
		ck_assert_msg(known, "%s", label);
		char want[200];
		snprintf(want, sizeof want, "sim/%s/%s_0000", label, label);
		ck_assert_msg(!strncmp(file, want, strlen(want)), "%s", file);
		snprintf(path, sizeof path, "%s/%s", a, file);
		size_t len;
		char *png = slurp_ok(path, &len);
		int w, h;
		free(decode_png((unsigned char *)png, len, &w, &h));
		ck_assert(w == GANTT_PNG_W && h == GANTT_PNG_H);
		free(png);
		strcpy(strstr(path, ".png"), ".jobs.csv.gz");
		gantt_run run;
		io_err e = {0};
		ck_assert_msg(gantt_load(&run, path, &e) == 0, "%s", e.msg);
		ck_assert_int_eq((int)run.n, 57); /* as poseidon2020's runs */
		gantt_free(&run);
		rows++;
	}
	ck_assert_int_eq(rows, 28);
	free(manifest);
}
END_TEST

/* --balance coarse, per class 4: T = 14 x 4 / 4 = 14 runs per coarse
 * class, shared among its labels (normal 14; cpu 7, 7; hdd 3, 3, 2, 2, 2,
 * 2; loss 3, 3, 3, 3, 2): 56 rows, as many as --balance label's 14 x 4,
 * with each label's run k on the same seed as there. */
START_TEST(balance_coarse_gives_each_coarse_class_the_same_runs)
{
	if (access("experiments/anomaly/1000genome_poseidon2020.json", R_OK) != 0)
		return; /* run from the repository */
	char a[700], b[700], cmd[4096], err[1024], path[1200];
	snprintf(a, sizeof a, "%s/bal", test_tmpdir());
	snprintf(b, sizeof b, "%s/unbal", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "{ %s gantt-dataset --workflow experiments/anomaly/1000genome_poseidon2020.json "
		 "--per-class 4 -j 2 --balance label --out %s 2>/dev/null && "
		 "%s gantt-dataset --workflow experiments/anomaly/1000genome_poseidon2020.json "
		 "--per-class 4 -j 2 --balance coarse --out %s; }",
		 test_bin(), b, test_bin(), a);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "[%s]", err);
	ck_assert_msg(strstr(err, "56 simulated runs (14 labels, balanced by "
				  "coarse class from 4)"), "[%s]", err);
	static const struct { const char *label; int n; } want[] = {
		{"normal", 14}, {"cpu_2", 7}, {"cpu_3", 7}, {"hdd_50", 3},
		{"hdd_60", 3}, {"hdd_70", 2}, {"hdd_80", 2}, {"hdd_90", 2},
		{"hdd_100", 2}, {"loss_0.1", 3}, {"loss_0.5", 3}, {"loss_1", 3},
		{"loss_3", 3}, {"loss_5", 2}};
	snprintf(path, sizeof path, "%s/manifest.csv", a);
	char *bal = slurp_ok(path, NULL);
	snprintf(path, sizeof path, "%s/manifest.csv", b);
	char *unbal = slurp_ok(path, NULL);
	int per_coarse[4] = {0}, rows = 0;
	static const char *const coarse[] = {"normal", "cpu", "hdd", "loss"};
	for (size_t l = 0; l < sizeof want / sizeof want[0]; l++) {
		int n = 0;
		char key[64];
		for (int k = 0; k < 20; k++) {
			snprintf(key, sizeof key, "sim/%s/%s_%05d.png,", want[l].label,
				 want[l].label, k);
			n += strstr(bal, key) != NULL;
		}
		ck_assert_msg(n == want[l].n, "%s: %d runs", want[l].label, n);
		for (int c = 0; c < 4; c++)
			per_coarse[c] += !strcmp(gantt_coarse_class(want[l].label),
						 coarse[c]) ? n : 0;
		rows += n;
		/* run 0 of the label: the same seed (4th column) in both */
		snprintf(key, sizeof key, "sim/%s/%s_00000.png,", want[l].label,
			 want[l].label);
		const char *x = strstr(bal, key), *y = strstr(unbal, key);
		ck_assert_ptr_nonnull(x);
		ck_assert_ptr_nonnull(y);
		unsigned long long sx, sy;
		ck_assert(sscanf(strchr(strchr(strchr(x, ',') + 1, ',') + 1, ',') + 1,
				 "%llu", &sx) == 1);
		ck_assert(sscanf(strchr(strchr(strchr(y, ',') + 1, ',') + 1, ',') + 1,
				 "%llu", &sy) == 1);
		ck_assert_msg(sx == sy, "%s: seed %llu vs %llu", want[l].label, sx, sy);
	}
	for (int c = 0; c < 4; c++)
		ck_assert_msg(per_coarse[c] == 14, "%s: %d", coarse[c], per_coarse[c]);
	ck_assert_int_eq(rows, 56);
	free(bal);
	free(unbal);
}
END_TEST

Suite *suite_gantt(void)
{
	Suite *s = suite_create("gantt");
	TCase *tc = tcase_create("charts");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, phase_colours_are_the_documented_ones);
	tcase_add_test(tc, raster_of_three_jobs_is_the_documented_pixels);
	tcase_add_test(tc, png_decodes_to_the_default_size_with_phase_colours);
	tcase_add_test(tc, same_jobs_give_byte_identical_pngs);
	tcase_add_test(tc, svg_has_one_bar_per_job_phase_and_parses_as_xml);
	tcase_add_test(tc, malformed_jobs_csv_is_a_located_error_and_writes_nothing);
	tcase_add_test(tc, jobs_csv_quotes_bom_crlf_and_rounding_round_trip);
	tcase_add_test(tc, cli_refuses_bad_flags_with_a_reason);
	tcase_add_test(tc, seed_labels_classes_and_splits);
	tcase_add_test(tc, real_runs_map_as_the_spec_says);
	tcase_add_test(tc, real_runs_that_disagree_with_the_runs_file_are_refused);
	tcase_add_test(tc, the_19_real_runs_convert_with_their_labels);
	tcase_add_test(tc, simulated_dataset_is_labelled_and_byte_identical_for_any_j);
	tcase_add_test(tc, balance_coarse_gives_each_coarse_class_the_same_runs);
	suite_add_tcase(s, tc);
	return s;
}
