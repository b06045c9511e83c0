/*
 * sim/base/svg.h — a small SVG plot writer for people: panels with linear axes,
 * "nice" ticks, lines, bars, markers and a legend. Text is escaped; the
 * document is built in memory and written atomically.
 */
#ifndef HETSIM_SIM_BASE_SVG_H
#define HETSIM_SIM_BASE_SVG_H

#include <stddef.h>
#include "sim/io/io.h"

typedef struct sim_svg sim_svg;

typedef struct sim_svg_panel {
	double x, y, w, h;            /* pixel box of the plotting area */
	double x0, x1, y0, y1;        /* data ranges */
} sim_svg_panel;

sim_svg *sim_svg_new(double width_px, double height_px);
void sim_svg_free(sim_svg *s);
/* A panel at pixel box (x, y, w, h) with data ranges; draws the frame,
 * ticks, tick labels, axis labels and title. Any ranges work: infinite
 * ends become +-DBL_MAX, NaN or empty ranges are widened, and there are
 * at most a few dozen ticks (only the two ends when the span is too
 * small or too large for a round step). */
sim_svg_panel sim_svg_axes(sim_svg *s, double x, double y, double w, double h,
			   double x0, double x1, double y0, double y1,
			   const char *title, const char *xlabel,
			   const char *ylabel);
/* Polyline through n points (NAN points break the line). dash: 0 solid. */
void sim_svg_line(sim_svg *s, const sim_svg_panel *p, const double *xs,
		  const double *ys, size_t n, const char *color, double width,
		  int dash);
/* A filled bar from (x_left, 0) to (x_right, y) in data units. */
void sim_svg_bar(sim_svg *s, const sim_svg_panel *p, double x_left,
		 double x_right, double y, const char *fill);
/* A filled rectangle between the corners (x0, y0) and (x1, y1): data units
 * of panel p, clipped to it, or pixels when p is NULL. opacity in (0, 1]
 * (1: opaque); cls (NULL: none) becomes its class attribute, tooltip
 * (NULL: none) its <title> child, escaped. */
void sim_svg_rect(sim_svg *s, const sim_svg_panel *p, double x0, double y0,
		  double x1, double y1, const char *fill, double opacity,
		  const char *cls, const char *tooltip);
void sim_svg_marker(sim_svg *s, const sim_svg_panel *p, double x, double y,
		    const char *color);
/* Legend entry i (0-based) in the top-right corner of the panel, or the
 * bottom-right one when bottom is set (entries then count upwards). */
void sim_svg_legend(sim_svg *s, const sim_svg_panel *p, int i, int bottom,
		    const char *color, int dash, const char *label);
void sim_svg_text(sim_svg *s, double x, double y, const char *anchor,
		  double size, const char *text);
int sim_svg_write(sim_svg *s, const char *path, io_err *err);

/* A palette of distinguishable colours, index modulo its size. */
const char *sim_svg_color(int i);

#endif
