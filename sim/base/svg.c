/* sim/base/svg.c — SVG plots (see svg.h). */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/base/out.h"
#include "sim/base/svg.h"

struct sim_svg {
	char *buf;
	size_t len, cap;
	int failed;
	double width, height;
};

static void put(sim_svg *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(sim_svg *s, const char *fmt, ...)
{
	if (s->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->failed = 1;
			return;
		}
		if ((size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		size_t cap = 2 * s->cap + (size_t)n;
		char *b = realloc(s->buf, cap);
		if (!b) {
			s->failed = 1;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
}

static void put_escaped(sim_svg *s, const char *text)
{
	for (const char *c = text; *c; c++) {
		switch (*c) {
		case '<': put(s, "&lt;"); break;
		case '>': put(s, "&gt;"); break;
		case '&': put(s, "&amp;"); break;
		case '"': put(s, "&quot;"); break;
		default:
			if ((unsigned char)*c >= 0x20 || *c == '\t')
				put(s, "%c", *c);
		}
	}
}

sim_svg *sim_svg_new(double width_px, double height_px)
{
	sim_svg *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cap = 1 << 14;
	s->buf = malloc(s->cap);
	if (!s->buf) {
		free(s);
		return NULL;
	}
	s->width = width_px;
	s->height = height_px;
	put(s,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"Helvetica, Arial, sans-serif\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	    width_px, height_px, width_px, height_px);
	return s;
}

void sim_svg_free(sim_svg *s)
{
	if (s) {
		free(s->buf);
		free(s);
	}
}

const char *sim_svg_color(int i)
{
	static const char *const palette[] = {
		"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
		"#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
	return palette[(unsigned)i % (sizeof palette / sizeof palette[0])];
}

/* Where v lies in [lo, hi], as a fraction. Halves keep the differences
 * finite for ranges as wide as -DBL_MAX..DBL_MAX (and, being exact, give
 * the same result as the plain differences otherwise). */
static double frac(double v, double lo, double hi)
{
	return (v / 2 - lo / 2) / (hi / 2 - lo / 2);
}

static double px(const sim_svg_panel *p, double x)
{
	return p->x + frac(x, p->x0, p->x1) * p->w;
}

static double py(const sim_svg_panel *p, double y)
{
	return p->y + p->h - frac(y, p->y0, p->y1) * p->h;
}

/* A data range every axis can draw: finite (infinities become +-DBL_MAX,
 * NaN the other end or 0) and increasing (an empty range grows by 1, or
 * by half its magnitude where 1 is lost to rounding). */
static void axis_range(double *lo, double *hi)
{
	double a = isnan(*lo) ? (isnan(*hi) ? 0 : *hi) : *lo;
	double b = isnan(*hi) ? a : *hi;
	a = fmax(fmin(a, DBL_MAX), -DBL_MAX);
	b = fmax(fmin(b, DBL_MAX), -DBL_MAX);
	if (!(b > a)) {
		b = a + 1;
		if (!(b > a)) {
			double d = fabs(a) / 2;
			if (a + d <= DBL_MAX)
				b = a + d;
			else
				a = b - d;
		}
	}
	*lo = a;
	*hi = b;
}

/* A tick step of 1, 2 or 5 times a power of ten giving about 5 ticks; 0
 * when there is none (a span too small for a power of ten). */
static double nice_step(double span)
{
	if (!(span > 0) || !isfinite(span))
		return 0;
	double raw = span / 5, mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	if (!(mag > 0) || !isfinite(f))
		return 0;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

enum { MAX_TICKS = 64 };

/* Ticks of the range [lo, hi] (axis_range'd) into t: multiples of a nice
 * step, or lo and hi alone when no step works (subnormal spans, spans
 * beyond DBL_MAX). Never more than MAX_TICKS. *step is the step used. */
static int axis_ticks(double lo, double hi, double *t, double *step)
{
	double span = hi - lo;
	double sx = isfinite(span) ? nice_step(span) : 2 * nice_step(hi / 2 - lo / 2);
	double first = sx > 0 ? ceil(lo / sx) * sx : NAN;
	int n = 0;
	if (isfinite(first) && (hi / 2 - lo / 2) / sx * 2 < MAX_TICKS - 2)
		for (double v = first; isfinite(v) && v <= hi + 1e-9 * sx; v += sx) {
			if (n == MAX_TICKS || (n && !(v > t[n - 1]))) {
				n = 0; /* the step is lost to rounding */
				break;
			}
			t[n++] = v;
		}
	if (n == 0) {
		t[n++] = lo;
		t[n++] = hi;
		sx = hi / 2 - lo / 2;
	}
	*step = sx;
	return n;
}

/* Grid line and label of each tick of one axis. */
static void axis_draw(sim_svg *s, const sim_svg_panel *p, int vertical)
{
	double t[MAX_TICKS], step;
	int n = vertical ? axis_ticks(p->y0, p->y1, t, &step)
			 : axis_ticks(p->x0, p->x1, t, &step);
	char label[64];
	for (int i = 0; i < n; i++) {
		snprintf(label, sizeof label, "%g", fabs(t[i]) < 1e-12 * step ? 0 : t[i]);
		if (vertical) {
			double Y = py(p, t[i]);
			put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			       "stroke=\"#ddd\"/>\n", p->x, Y, p->x + p->w, Y);
			sim_svg_text(s, p->x - 4, Y + 4, "end", 11, label);
		} else {
			double X = px(p, t[i]);
			put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			       "stroke=\"#ddd\"/>\n", X, p->y, X, p->y + p->h);
			sim_svg_text(s, X, p->y + p->h + 14, "middle", 11, label);
		}
	}
}

void sim_svg_text(sim_svg *s, double x, double y, const char *anchor,
		  double size, const char *text)
{
	put(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.1f\">",
	    x, y, anchor, size);
	put_escaped(s, text);
	put(s, "</text>\n");
}

sim_svg_panel sim_svg_axes(sim_svg *s, double x, double y, double w, double h,
			   double x0, double x1, double y0, double y1,
			   const char *title, const char *xlabel,
			   const char *ylabel)
{
	axis_range(&x0, &x1);
	axis_range(&y0, &y1);
	sim_svg_panel p = {x, y, w, h, x0, x1, y0, y1};
	put(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	       "fill=\"none\" stroke=\"#333\" stroke-width=\"1\"/>\n",
	    x, y, w, h);
	axis_draw(s, &p, 0);
	axis_draw(s, &p, 1);
	if (title)
		sim_svg_text(s, x + w / 2, y - 8, "middle", 13, title);
	if (xlabel)
		sim_svg_text(s, x + w / 2, y + h + 32, "middle", 12, xlabel);
	if (ylabel) {
		put(s, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" "
		       "text-anchor=\"middle\" font-size=\"12\">", x - 46, y + h / 2);
		put_escaped(s, ylabel);
		put(s, "</text>\n");
	}
	return p;
}

static const char *dash_attr(int dash)
{
	return dash == 1 ? " stroke-dasharray=\"6,4\""
	       : dash == 2 ? " stroke-dasharray=\"2,3\""
			   : "";
}

void sim_svg_line(sim_svg *s, const sim_svg_panel *p, const double *xs,
		  const double *ys, size_t n, const char *color, double width,
		  int dash)
{
	int open = 0;
	for (size_t i = 0; i < n; i++) {
		int ok = isfinite(xs[i]) && isfinite(ys[i]);
		if (ok) {
			double X = px(p, xs[i]), Y = py(p, ys[i]);
			/* clip to the panel: keep lines readable when a density
			 * spikes */
			if (Y < p->y)
				Y = p->y;
			if (Y > p->y + p->h)
				Y = p->y + p->h;
			if (!open)
				put(s, "<polyline fill=\"none\" stroke=\"%s\" "
				       "stroke-width=\"%.1f\"%s points=\"",
				    color, width, dash_attr(dash));
			put(s, "%.1f,%.1f ", X, Y);
			open = 1;
		} else if (open) {
			put(s, "\"/>\n");
			open = 0;
		}
	}
	if (open)
		put(s, "\"/>\n");
}

void sim_svg_bar(sim_svg *s, const sim_svg_panel *p, double x_left,
		 double x_right, double y, const char *fill)
{
	double X0 = px(p, x_left), X1 = px(p, x_right), Y = py(p, y);
	double Yb = py(p, p->y0 > 0 ? p->y0 : 0);
	if (Y < p->y)
		Y = p->y;
	put(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	       "fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\"/>\n",
	    X0, Y, X1 - X0 > 0 ? X1 - X0 : 0, Yb - Y > 0 ? Yb - Y : 0, fill);
}

void sim_svg_rect(sim_svg *s, const sim_svg_panel *p, double x0, double y0,
		  double x1, double y1, const char *fill, double opacity,
		  const char *cls, const char *tooltip)
{
	double X0 = fmin(x0, x1), X1 = fmax(x0, x1);
	double Y0 = fmin(y0, y1), Y1 = fmax(y0, y1);
	if (p) { /* to pixels (y grows downwards), clipped to the panel */
		double top = py(p, Y1), bottom = py(p, Y0);
		X0 = fmax(px(p, X0), p->x);
		X1 = fmin(px(p, X1), p->x + p->w);
		Y0 = fmax(top, p->y);
		Y1 = fmin(bottom, p->y + p->h);
	}
	put(s, "<rect");
	if (cls) {
		put(s, " class=\"");
		put_escaped(s, cls);
		put(s, "\"");
	}
	put(s, " x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
	       "fill=\"%s\"",
	    X0, Y0, X1 - X0 > 0 ? X1 - X0 : 0, Y1 - Y0 > 0 ? Y1 - Y0 : 0, fill);
	if (opacity < 1)
		put(s, " fill-opacity=\"%.2f\"", opacity);
	if (!tooltip) {
		put(s, "/>\n");
		return;
	}
	put(s, "><title>");
	put_escaped(s, tooltip);
	put(s, "</title></rect>\n");
}

void sim_svg_marker(sim_svg *s, const sim_svg_panel *p, double x, double y,
		    const char *color)
{
	put(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
	    px(p, x), py(p, y), color);
}

void sim_svg_legend(sim_svg *s, const sim_svg_panel *p, int i, int bottom,
		    const char *color, int dash, const char *label)
{
	double X = p->x + p->w - 190;
	double Y = bottom ? p->y + p->h - 10 - 16 * i : p->y + 14 + 16 * i;
	put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	       "stroke=\"%s\" stroke-width=\"2\"%s/>\n",
	    X, Y - 4, X + 22, Y - 4, color, dash_attr(dash));
	sim_svg_text(s, X + 28, Y, "start", 11, label);
}

int sim_svg_write(sim_svg *s, const char *path, io_err *err)
{
	size_t len = s->len; /* the closing tag is added for this write only */
	put(s, "</svg>\n");
	int rc = s->failed ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
			   : sim_write_text(path, s->buf, s->len, err);
	s->len = len;
	return rc;
}
