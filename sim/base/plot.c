/*
 * sim/base/plot.c — a line chart of one column against another from a CSV
 * table, one line per series, with 95% interval whiskers when low/high
 * columns are given (`hetsim plot`, sim/cli/plot.c; sweep summaries).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/base/plot.h"
#include "sim/base/svg.h"
#include "sim/io/csv.h"

#define MAX_SERIES 16

typedef struct point {
	double x, y, lo, hi;
} point;

typedef struct series {
	char name[64];
	point *pts;
	size_t n, cap;
} series;

static int by_x(const void *a, const void *b)
{
	double x = ((const point *)a)->x, y = ((const point *)b)->x;
	return x < y ? -1 : x > y;
}

int sim_plot_table(const sim_plot_spec *sp, io_err *err)
{
	io_csv *r = NULL;
	series ss[MAX_SERIES];
	int ns = 0, rc = io_csv_open(&r, sp->csv, err);
	int ix = -1, iy = -1, is = -1, ilo = -1, ihi = -1, iw[SIM_PLOT_MAX_WHERE];
	if (!rc && !(rc = io_csv_read_header(r, err))) {
		if (!(rc = io_csv_need_col(r, sp->x, &ix, err)) &&
		    !(rc = io_csv_need_col(r, sp->y, &iy, err)) &&
		    !(sp->series && (rc = io_csv_need_col(r, sp->series, &is, err))) &&
		    !(sp->lo && (rc = io_csv_need_col(r, sp->lo, &ilo, err))))
			rc = sp->hi ? io_csv_need_col(r, sp->hi, &ihi, err) : 0;
		for (int k = 0; k < sp->n_where && !rc; k++)
			rc = io_csv_need_col(r, sp->where_col[k], &iw[k], err);
	}
	while (!rc && (rc = io_csv_next(r, err)) == 1) {
		char *const *f = io_csv_fields(r);
		if ((rc = io_csv_check_width(r, err)))
			break;
		int keep = 1;
		for (int k = 0; k < sp->n_where && keep; k++)
			keep = strcmp(f[iw[k]], sp->where_val[k]) == 0;
		if (!keep)
			continue;
		point p = {0, 0, NAN, NAN};
		if (io_parse_double(f[ix], &p.x) || io_parse_double(f[iy], &p.y) ||
		    (ilo >= 0 && io_parse_double(f[ilo], &p.lo)) ||
		    (ihi >= 0 && io_parse_double(f[ihi], &p.hi))) {
			rc = io_csv_errf(r, err, "not a number in a plotted column");
			break;
		}
		const char *name = is >= 0 ? f[is] : sp->y;
		int k = 0;
		while (k < ns && strcmp(ss[k].name, name) != 0)
			k++;
		if (k == ns) {
			if (ns == MAX_SERIES) {
				rc = io_csv_errf(r, err, "more than %d series",
						   MAX_SERIES);
				break;
			}
			memset(&ss[ns], 0, sizeof ss[ns]);
			snprintf(ss[ns].name, sizeof ss[ns].name, "%s", name);
			ns++;
		}
		series *s = &ss[k];
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			point *np = realloc(s->pts, s->cap * sizeof *np);
			if (!np) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				break;
			}
			s->pts = np;
		}
		p.y *= sp->scale;
		p.lo *= sp->scale;
		p.hi *= sp->scale;
		s->pts[s->n++] = p;
	}
	if (rc > 0)
		rc = 0;
	if (!rc && ns == 0)
		rc = io_errf(err, IO_EINPUT, sp->csv, 0, "no rows to plot");
	if (!rc) {
		double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
		for (int k = 0; k < ns; k++) {
			qsort(ss[k].pts, ss[k].n, sizeof(point), by_x);
			for (size_t i = 0; i < ss[k].n; i++) {
				const point *p = &ss[k].pts[i];
				x0 = fmin(x0, p->x);
				x1 = fmax(x1, p->x);
				y0 = fmin(y0, isfinite(p->lo) ? p->lo : p->y);
				y1 = fmax(y1, isfinite(p->hi) ? p->hi : p->y);
			}
		}
		/* 5% of the span, halved first: +-1e308 must not overflow */
		double pad = (y1 / 2 - y0 / 2) * 0.1 + 1e-12;
		if (y0 >= 0 && y0 - pad < 0)
			y0 = pad; /* keep a non-negative axis at 0 */
		sim_svg *svg = sim_svg_new(860, 520);
		if (!svg)
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		else {
			sim_svg_panel pn = sim_svg_axes(svg, 80, 40, 560, 400, x0, x1,
							y0 - pad, y1 + pad, sp->title,
							sp->xlabel ? sp->xlabel : sp->x, sp->ylabel ? sp->ylabel : sp->y);
			for (int k = 0; k < ns; k++) {
				const series *s = &ss[k];
				double xs[1024], ys[1024];
				size_t n = s->n < 1024 ? s->n : 1024;
				for (size_t i = 0; i < n; i++) {
					xs[i] = s->pts[i].x;
					ys[i] = s->pts[i].y;
					sim_svg_marker(svg, &pn, xs[i], ys[i], sim_svg_color(k));
					if (isfinite(s->pts[i].lo) && isfinite(s->pts[i].hi)) {
						double wx[2] = {xs[i], xs[i]};
						double wy[2] = {s->pts[i].lo, s->pts[i].hi};
						sim_svg_line(svg, &pn, wx, wy, 2, sim_svg_color(k), 1, 0);
					}
				}
				sim_svg_line(svg, &pn, xs, ys, n, sim_svg_color(k), 2, k / 10);
				/* legend to the right of the panel */
				sim_svg_panel lg = {pn.x + pn.w + 200, pn.y, 1, 1, 0, 1, 0, 1};
				sim_svg_legend(svg, &lg, k, 0, sim_svg_color(k), k / 10, s->name);
			}
			rc = sim_svg_write(svg, sp->out, err);
			sim_svg_free(svg);
		}
	}
	for (int k = 0; k < ns; k++)
		free(ss[k].pts);
	io_csv_close(r);
	return rc;
}
