/*
 * sim/cli/merge.c — `hetsim merge fit` and `hetsim merge predict`: the
 * relative merge model (policies/merge.h) fitted from measured merged runs
 * and the single runs of the same operations on the same segments
 * (real/merge_fit.h), and its predictions for other merged runs.
 *
 *   hetsim merge fit MERGED.csv SINGLES.csv -o merge.json [--videos LIST]
 *        [--campaign-ratio]
 *   hetsim merge predict merge.json MERGED.csv SINGLES.csv -o out.csv
 *        [--videos LIST] [--table table.md] [--no-ratio]
 *
 * The files are in the layout of merge_saving_*.csv.gz and
 * merge_single_ops_*.csv.gz (shared data README; real_merge_data_load).
 * merge.json is the profile's relative "merge" object
 * (profiles/profile.h): add "tasks" to a class to use it in a profile.
 * predict writes every merged row of the chosen videos with four columns
 * added: predicted_merged_real_s, predicted_saving_real_pct,
 * predicted_merged_cpu_s, predicted_saving_cpu_pct (empty for rows that
 * cannot be predicted: no operations recorded, match_status not "ok"),
 * and prints the error table per operation group and merge degree k:
 * mean measured and predicted saving (percent of the separate runs'
 * sum, those runs being the SINGLES rows), their difference and the mean
 * absolute error per run. A class the model has no fraction for takes
 * the pooled one ("*"). --campaign-ratio (fit) adds each class's
 * campaign ratio (real_merge_fit.h: the data set's merged runs against its
 * single runs timed at other times); predict applies the ratios in the
 * model unless --no-ratio; the simulator never does.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policies/merge.h"
#include "real/merge_fit.h"
#include "sim/base/out.h"
#include "sim/cli/cli.h"
#include "sim/io/csv.h"

const char sim_cli_merge_usage[] =
	"  merge fit MERGED.csv SINGLES.csv -o merge.json [--videos LIST]\n"
	"        [--campaign-ratio]\n"
	"                        fit the relative merge model (a shared fraction of\n"
	"                        each operation class's own time, real and CPU) from\n"
	"                        merged runs and the single runs of their operations\n"
	"                        (layout of merge_saving_*.csv.gz and\n"
	"                        merge_single_ops_*.csv.gz); --videos 1-25,40 keeps\n"
	"                        those videos only (odd, even: by number);\n"
	"                        --campaign-ratio also fits, per class, the ratio of\n"
	"                        the merged runs it leads to the model (singles timed\n"
	"                        under other conditions; used by predict, never by\n"
	"                        the simulator)\n"
	"  merge predict merge.json MERGED.csv SINGLES.csv -o out.csv [--videos LIST]\n"
	"        [--table table.md] [--no-ratio] [--quiet]\n"
	"                        predict each merged run's time and saving from its\n"
	"                        single runs; prints the error per group and degree\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hetsim: merge: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see: hetsim help)\n");
	va_end(ap);
	return 2;
}

static int fail(const io_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return err->code == IO_EINPUT ? 2 : 1;
}

typedef struct args {
	const char *pos[3];
	int n_pos;
	const char *out, *videos, *table;
	int quiet, ratio, no_ratio;
} args;

static int parse_args(int argc, char **argv, args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int *flag = strcmp(arg, "--quiet") == 0		 ? &a->quiet
			    : strcmp(arg, "--campaign-ratio") == 0 ? &a->ratio
			    : strcmp(arg, "--no-ratio") == 0	 ? &a->no_ratio
								 : NULL;
		if (flag) {
			*flag = 1;
			continue;
		}
		if (arg[0] == '-' && arg[1]) {
			const char **to = strcmp(arg, "-o") == 0	    ? &a->out
					  : strcmp(arg, "--videos") == 0 ? &a->videos
					  : strcmp(arg, "--table") == 0  ? &a->table
									 : NULL;
			if (!to)
				return usage("unknown option %s", arg);
			if (!val)
				return usage("%s needs a value", arg);
			*to = val;
			i++;
			continue;
		}
		if (a->n_pos == 3)
			return usage("too many files (%s)", arg);
		a->pos[a->n_pos++] = arg;
	}
	if (a->videos && real_merge_video_in(a->videos, 0) < 0)
		return usage("bad --videos %s (e.g. 1-25,40)", a->videos);
	return 0;
}

static int cmd_fit(const args *a)
{
	if (a->n_pos != 2 || !a->out)
		return usage("fit needs MERGED.csv SINGLES.csv -o merge.json");
	if (a->table)
		return usage("--table is an option of predict");
	io_err err = {0};
	real_merge_data d;
	if (real_merge_data_load(a->pos[0], a->pos[1], a->videos, &d, &err))
		return fail(&err);
	int nc = d.n_classes;
	double *frac = calloc((size_t)nc + 1, sizeof *frac);
	double *frac_cpu = calloc((size_t)nc + 1, sizeof *frac_cpu);
	double *ratio = calloc((size_t)nc + 1, sizeof *ratio);
	double *ratio_cpu = calloc((size_t)nc + 1, sizeof *ratio_cpu);
	size_t *n_out = calloc((size_t)nc + 1, sizeof *n_out);
	real_merge_rel_fit_stats st, st_cpu;
	int rc = 0;
	if (!frac || !frac_cpu || !n_out || !ratio || !ratio_cpu) {
		io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		rc = fail(&err);
		goto out;
	}
	real_merge_runs real = real_merge_data_runs(&d, 0), cpu = real_merge_data_runs(&d, 1);
	if (a->no_ratio)
		return usage("--no-ratio is an option of predict");
	if (a->ratio ? real_merge_ratio_fit(&real, nc, frac, ratio, n_out, &st, &err) ||
			       real_merge_ratio_fit(&cpu, nc, frac_cpu, ratio_cpu, NULL, &st_cpu,
						    &err)
		     : real_merge_rel_fit(&real, nc, frac, n_out, &st, &err) ||
			       real_merge_rel_fit(&cpu, nc, frac_cpu, NULL, &st_cpu, &err)) {
		fprintf(stderr, "hetsim: %s: %s\n", a->pos[0], err.msg);
		rc = err.code == IO_EINPUT ? 2 : 1;
		goto out;
	}
	json_t *root = json_object(), *classes = json_array();
	json_object_set_new(root, "model", json_string("relative"));
	json_object_set_new(root, "time", json_string("real"));
	for (int c = 0; c <= nc; c++) {
		json_t *o = json_object();
		json_object_set_new(o, "class", json_string(c < nc ? d.classes[c] : "*"));
		json_object_set_new(o, "shared_frac", sim_json_num(c < nc ? frac[c] : st.pooled_frac));
		json_object_set_new(o, "shared_frac_cpu",
				    sim_json_num(c < nc ? frac_cpu[c] : st_cpu.pooled_frac));
		if (c < nc && a->ratio) {
			json_object_set_new(o, "campaign_ratio", sim_json_num(ratio[c]));
			json_object_set_new(o, "campaign_ratio_cpu", sim_json_num(ratio_cpu[c]));
		}
		if (c < nc)
			json_object_set_new(o, "n_outputs", json_integer((json_int_t)n_out[c]));
		json_array_append_new(classes, o);
	}
	json_object_set_new(root, "classes", classes);
	json_object_set_new(root, "n_runs", json_integer((json_int_t)d.n));
	char train[300], src[1200], notes[400];
	snprintf(train, sizeof train, "%s", a->videos ? a->videos : "all videos");
	json_object_set_new(root, "train", json_string(train));
	json_object_set_new(root, "rmse_pts", sim_json_num(st.rmse_pts));
	json_object_set_new(root, "rmse_pts_cpu", sim_json_num(st_cpu.rmse_pts));
	snprintf(src, sizeof src,
		 "hetsim merge fit %s %s%s%s%s: relative merge model "
		 "(policies/merge.h), least squares on the saving%s",
		 a->pos[0], a->pos[1], a->videos ? " --videos " : "",
		 a->videos ? a->videos : "", a->ratio ? " --campaign-ratio" : "",
		 a->ratio ? "; campaign_ratio: merged runs led by the class over the "
			    "model (real_merge_fit.h), used by merge predict only" : "");
	json_object_set_new(root, "source", json_string(src));
	snprintf(notes, sizeof notes,
		 "%zu of %zu runs (real time; %zu in CPU time) were measured "
		 "shorter than their longest single run: the model (never shorter) "
		 "cannot fit them; n_outputs: outputs that were not their run's "
		 "largest shared part (the data that set the class's fraction)",
		 st.below_longest, d.n, st_cpu.below_longest);
	json_object_set_new(root, "notes", json_string(notes));
	if (sim_write_json(a->out, root, &err))
		rc = fail(&err);
	json_decref(root);
	if (!rc && !a->quiet) {
		printf("merge fit: %zu merged runs (%zu rows skipped), %d classes, "
		       "RMS error of the saving %.2f points real, %.2f CPU\n",
		       d.n, d.skipped, nc, st.rmse_pts, st_cpu.rmse_pts);
		printf("%-24s %10s %10s %10s%s\n", "class", "frac_real", "frac_cpu", "outputs",
		       a->ratio ? "  ratio_real  ratio_cpu" : "");
		for (int c = 0; c < nc; c++) {
			printf("%-24s %10.4f %10.4f %10zu", d.classes[c], frac[c], frac_cpu[c],
			       n_out[c]);
			if (a->ratio)
				printf(" %11.4f %10.4f", ratio[c], ratio_cpu[c]);
			printf("\n");
		}
		printf("%-24s %10.4f %10.4f\n", "* (pooled)", st.pooled_frac, st_cpu.pooled_frac);
		printf("runs shorter than their longest single run: %zu real, %zu CPU\n",
		       st.below_longest, st_cpu.below_longest);
	}
out:
	free(frac);
	free(frac_cpu);
	free(ratio);
	free(ratio_cpu);
	free(n_out);
	real_merge_data_free(&d);
	return rc;
}

/* The fractions of merge.json for d's classes. */
static int model_fracs(const char *path, const real_merge_data *d, double *frac,
		       double *frac_cpu, double *ratio, double *ratio_cpu, io_err *err)
{
	io_jdoc doc;
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	const json_t *classes = json_object_get(doc.root, "classes");
	const char *model = NULL;
	if (!json_is_object(doc.root) ||
	    (rc = io_jget_str(&doc, doc.root, "model", 1, &model, err)))
		goto out;
	if (strcmp(model, "relative") != 0 || !json_is_array(classes)) {
		rc = io_jerr(err, &doc, doc.root, "not a relative merge model "
			     "(\"model\": \"relative\" with \"classes\")");
		goto out;
	}
	for (int c = 0; c <= d->n_classes; c++) {
		const char *want = c < d->n_classes ? d->classes[c] : "*";
		size_t i;
		const json_t *o;
		frac[c] = frac_cpu[c] = NAN;
		ratio[c] = ratio_cpu[c] = 1;
		json_array_foreach(classes, i, o)
		{
			const char *name = NULL;
			if (!json_is_object(o) ||
			    (rc = io_jget_str(&doc, o, "class", 1, &name, err))) {
				rc = rc ? rc : io_jerr_at(err, &doc, classes, NULL, i,
							  "a class must be an object");
				goto out;
			}
			if (strcmp(name, want) != 0)
				continue;
			if ((rc = io_jget_num(&doc, o, "shared_frac", 1, &frac[c], err)) ||
			    (rc = io_jget_num(&doc, o, "shared_frac_cpu", 1, &frac_cpu[c], err)) ||
			    (rc = io_jget_posnum(&doc, o, "campaign_ratio", 0, &ratio[c], err)) ||
			    (rc = io_jget_posnum(&doc, o, "campaign_ratio_cpu", 0, &ratio_cpu[c],
						 err)))
				goto out;
			if (frac[c] > 1 || frac_cpu[c] > 1) {
				rc = io_jerr(err, &doc, o, "a shared fraction above 1");
				goto out;
			}
		}
	}
	for (int c = 0; c < d->n_classes; c++)
		if (isnan(frac[c])) {
			if (isnan(frac[d->n_classes])) {
				rc = io_jerr(err, &doc, classes,
					     "no fraction for class \"%s\" and no pooled "
					     "class \"*\"", d->classes[c]);
				goto out;
			}
			frac[c] = frac[d->n_classes];
			frac_cpu[c] = frac_cpu[d->n_classes];
			fprintf(stderr, "hetsim: merge: class \"%s\" is not in %s: it "
				"takes the pooled fraction\n", d->classes[c], path);
		}
out:
	io_jdoc_free(&doc);
	return rc;
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void add_field(sim_text *t, const char *s, int first)
{
	if (!first)
		sim_text_add(t, ",");
	if (!strpbrk(s, ",\"\r\n")) {
		sim_text_add(t, "%s", s);
		return;
	}
	sim_text_add(t, "\"");
	for (const char *c = s; *c; c++)
		sim_text_add(t, *c == '"' ? "\"\"" : "%c", *c);
	sim_text_add(t, "\"");
}

/* Per (group, k) sums of the table; group n_groups = all groups. */
typedef struct cell {
	size_t n;
	double meas[2], pred[2], abs_err[2];
} cell;

/* table rows per k up to 14; runs of 15 or more operations share row 15 */
enum { MAX_K = 16 };

static void table(const real_merge_data *d, const cell *cells, sim_text *t)
{
	sim_text_add(t, "| group | k | runs | real: measured | predicted | diff | MAE | "
			"CPU: measured | predicted | diff | MAE |\n"
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int g = 0; g <= d->n_groups; g++)
		for (int k = 0; k <= MAX_K; k++) {
			const cell *c = &cells[(size_t)g * (MAX_K + 1) + (size_t)k];
			if (!c->n)
				continue;
			double n = (double)c->n;
			char kb[16];
			snprintf(kb, sizeof kb, "%d", k);
			sim_text_add(t, "| %s | %s | %zu",
				     g < d->n_groups ? (d->groups[g][0] ? d->groups[g] : "-")
						     : "**all**",
				     k == MAX_K ? "all" : kb, c->n);
			for (int m = 0; m < 2; m++)
				sim_text_add(t, " | %.1f | %.1f | %+.1f | %.1f", c->meas[m] / n,
					     c->pred[m] / n, (c->pred[m] - c->meas[m]) / n,
					     c->abs_err[m] / n);
			sim_text_add(t, " |\n");
		}
}

static int cmd_predict(const args *a)
{
	if (a->n_pos != 3 || !a->out)
		return usage("predict needs merge.json MERGED.csv SINGLES.csv -o out.csv");
	io_err err = {0};
	real_merge_data d;
	if (real_merge_data_load(a->pos[1], a->pos[2], a->videos, &d, &err))
		return fail(&err);
	int rc = 0, nc = d.n_classes;
	double *frac = calloc((size_t)nc + 1, sizeof *frac);
	double *frac_cpu = calloc((size_t)nc + 1, sizeof *frac_cpu);
	double *ratio = calloc((size_t)nc + 1, sizeof *ratio);
	double *ratio_cpu = calloc((size_t)nc + 1, sizeof *ratio_cpu);
	size_t n_cells = (size_t)(d.n_groups + 1) * (MAX_K + 1);
	cell *cells = calloc(n_cells, sizeof *cells);
	io_csv *r = NULL;
	sim_text out = {0}, tab = {0};
	if (a->ratio) {
		rc = usage("--campaign-ratio is an option of fit");
		goto done;
	}
	if (!frac || !frac_cpu || !cells || !ratio || !ratio_cpu) {
		io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		rc = fail(&err);
		goto done;
	}
	if (model_fracs(a->pos[0], &d, frac, frac_cpu, ratio, ratio_cpu, &err) ||
	    io_csv_open(&r, a->pos[1], &err) || io_csv_read_header(r, &err)) {
		rc = fail(&err);
		goto done;
	}
	for (int i = 0; i < io_csv_header_n(r); i++)
		add_field(&out, io_csv_header(r)[i], i == 0);
	sim_text_add(&out, ",predicted_merged_real_s,predicted_saving_real_pct,"
			   "predicted_merged_cpu_s,predicted_saving_cpu_pct\n");
	for (int c = 0; a->no_ratio && c <= nc; c++)
		ratio[c] = ratio_cpu[c] = 1;
	int c_v = io_csv_col(r, "video");
	size_t run = 0;
	int more;
	while ((more = io_csv_next(r, &err)) == 1) {
		char *const *f = io_csv_fields(r);
		double video;
		if (io_parse_double(f[c_v], &video) ||
		    !real_merge_video_in(a->videos, (long)video))
			continue; /* the loader checked the number */
		for (int i = 0; i < io_csv_nfields(r); i++)
			add_field(&out, f[i], i == 0);
		if (run < d.n && d.line[run] == io_csv_line(r)) {
			size_t k = d.start[run + 1] - d.start[run];
			int g = d.group[run];
			for (int m = 0; m < 2; m++) {
				real_merge_runs rr = real_merge_data_runs(&d, m);
				double T = real_merge_ratio_predict(&rr, run, m ? frac_cpu : frac,
								    m ? ratio_cpu : ratio);
				double S = 0;
				for (size_t i = d.start[run]; i < d.start[run + 1]; i++)
					S += rr.t[i];
				double pred = 100 * (S - T) / S, meas = 100 * (S - rr.merged[run]) / S;
				sim_text_add(&out, ",%.6f,%.4f", T, pred);
				size_t kk = k < MAX_K ? k : MAX_K - 1;
				cell *cs[4] = {&cells[(size_t)g * (MAX_K + 1) + kk],
					       &cells[(size_t)g * (MAX_K + 1) + MAX_K],
					       &cells[(size_t)d.n_groups * (MAX_K + 1) + kk],
					       &cells[(size_t)d.n_groups * (MAX_K + 1) + MAX_K]};
				for (int j = 0; j < 4; j++) {
					cs[j]->n += m == 0;
					cs[j]->meas[m] += meas;
					cs[j]->pred[m] += pred;
					cs[j]->abs_err[m] += fabs(pred - meas);
				}
			}
			run++;
		} else
			sim_text_add(&out, ",,,,");
		sim_text_add(&out, "\n");
	}
	if (more < 0) {
		rc = fail(&err);
		goto done;
	}
	table(&d, cells, &tab);
	if (out.failed || tab.failed) {
		io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		rc = fail(&err);
		goto done;
	}
	if (sim_write_text(a->out, out.buf, out.len, &err) ||
	    (a->table && sim_write_text(a->table, tab.buf, tab.len, &err))) {
		rc = fail(&err);
		goto done;
	}
	if (!a->quiet)
		fputs(tab.buf, stdout);
done:
	io_csv_close(r);
	free(out.buf);
	free(tab.buf);
	free(frac);
	free(frac_cpu);
	free(ratio);
	free(ratio_cpu);
	free(cells);
	real_merge_data_free(&d);
	return rc;
}

int sim_cmd_merge(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_merge_usage))
		return 0;
	if (argc < 1)
		return usage("merge needs fit or predict");
	args a;
	int rc = parse_args(argc - 1, argv + 1, &a);
	if (rc)
		return rc;
	if (strcmp(argv[0], "fit") == 0)
		return cmd_fit(&a);
	if (strcmp(argv[0], "predict") == 0)
		return cmd_predict(&a);
	return usage("unknown merge command \"%s\" (fit or predict)", argv[0]);
}
