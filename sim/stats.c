/* sim/stats.c — streaming mean / min / max and log-linear histogram (see
 * stats.h for its two forms). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/stats.h"

#define PAGE_SIZE SIM_HIST_PAGE_SIZE
#define FIRST_CAP 4

int sim_stat_init(sim_stat *s, int with_quantiles)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
	s->quantiles = with_quantiles != 0;
	return 0;
}

void sim_stat_free(sim_stat *s)
{
	if (s->paged)
		for (uint32_t i = 0; i < SIM_HIST_PAGES; i++)
			free(s->paged[i]);
	free(s->paged);
	free(s->list);
	s->paged = NULL;
	s->list = NULL;
	s->used = s->cap = 0;
}

/* Midpoint of bucket b. */
static double bucket_mid(uint32_t b)
{
	int e = (int)(b >> SIM_HIST_SUB_BITS) + SIM_HIST_MIN_EXP;
	double sub = (double)(b & ((1u << SIM_HIST_SUB_BITS) - 1));
	return ldexp(1.0 + (sub + 0.5) / (1u << SIM_HIST_SUB_BITS), e);
}

/* Add count to bucket b of the paged form. */
static int paged_add(sim_stat *s, uint32_t b, uint64_t count)
{
	uint64_t **page = &s->paged[b >> SIM_HIST_SUB_BITS];
	if (!*page && !(*page = calloc(PAGE_SIZE, sizeof **page)))
		return -1;
	(*page)[b & (PAGE_SIZE - 1)] += count;
	return 0;
}

/* Move the list into pages (the list is freed). */
static int to_pages(sim_stat *s)
{
	s->paged = calloc(SIM_HIST_PAGES, sizeof *s->paged);
	if (!s->paged)
		return -1;
	for (uint32_t i = 0; i < s->used; i++)
		if (paged_add(s, s->list[i].bucket, s->list[i].count))
			return -1;
	free(s->list);
	s->list = NULL;
	s->used = s->cap = 0;
	return 0;
}

/* count more samples in bucket b of the list; 1 if the list is full (or
 * the bucket's count would overflow) and pages must take over. */
static int list_add(sim_stat *s, uint32_t b, uint32_t count)
{
	uint32_t lo = 0, hi = s->used;
	while (lo < hi) { /* first entry with bucket >= b */
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->list[mid].bucket < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->used && s->list[lo].bucket == b) {
		sim_hist_entry *at = s->list + lo;
		if (at->count > UINT32_MAX - count)
			return 1;
		at->count += count;
		return 0;
	}
	if (s->used == s->cap) {
		if (s->cap >= SIM_HIST_SPARSE_MAX)
			return 1;
		uint32_t cap = s->cap ? 2 * s->cap : FIRST_CAP;
		sim_hist_entry *l = realloc(s->list, cap * sizeof *l);
		if (!l)
			return -1;
		s->list = l;
		s->cap = cap;
	}
	sim_hist_entry *at = s->list + lo; /* s->list is not NULL here */
	memmove(at + 1, at, (s->used - lo) * sizeof *at);
	*at = (sim_hist_entry){b, count};
	s->used++;
	return 0;
}

/* count more samples in bucket b, in either form. */
static void hist_add_count(sim_stat *s, uint32_t b, uint64_t count)
{
	if (!s->paged) {
		int rc = count <= UINT32_MAX ? list_add(s, b, (uint32_t)count) : 1;
		if (rc == 0)
			return;
		if (rc < 0 || to_pages(s)) {
			s->failed = 1;
			return;
		}
	}
	if (paged_add(s, b, count))
		s->failed = 1;
}

void sim_stat_hist_add(sim_stat *s, uint32_t b)
{
	hist_add_count(s, b, 1);
}

void sim_stat_merge(sim_stat *dst, const sim_stat *src)
{
	dst->n += src->n;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	if (!dst->quantiles || dst->failed || !src->n)
		return;
	if (!src->quantiles || src->failed) {
		dst->failed = 1; /* its samples' buckets are not known */
		return;
	}
	if (!src->paged) {
		for (uint32_t i = 0; i < src->used && !dst->failed; i++)
			hist_add_count(dst, src->list[i].bucket, src->list[i].count);
		return;
	}
	for (uint32_t p = 0; p < SIM_HIST_PAGES; p++) {
		const uint64_t *page = src->paged[p];
		for (uint32_t i = 0; page && i < PAGE_SIZE && !dst->failed; i++)
			if (page[i])
				hist_add_count(dst, (p << SIM_HIST_SUB_BITS) + i,
					       page[i]);
	}
}

/* Bucket holding the rank-th smallest sample (1-based, rank <= n). */
static uint32_t rank_bucket(const sim_stat *s, uint64_t rank)
{
	uint64_t seen = 0;
	if (!s->paged) {
		for (uint32_t i = 0; i < s->used; i++)
			if ((seen += s->list[i].count) >= rank)
				return s->list[i].bucket;
		return UINT32_MAX;
	}
	for (uint32_t p = 0; p < SIM_HIST_PAGES; p++) {
		const uint64_t *page = s->paged[p];
		for (uint32_t i = 0; page && i < PAGE_SIZE; i++)
			if ((seen += page[i]) >= rank)
				return (p << SIM_HIST_SUB_BITS) + i;
	}
	return UINT32_MAX;
}

double sim_stat_quantile(const sim_stat *s, double q)
{
	if (s->n == 0 || !s->quantiles)
		return 0.0;
	if (s->failed)
		return NAN;
	if (q <= 0)
		return s->min;
	if (q >= 1)
		return s->max;
	uint64_t rank = (uint64_t)ceil(q * (double)s->n); /* 1-based */
	if (rank < 1)
		rank = 1;
	uint32_t b = rank_bucket(s, rank);
	if (b == UINT32_MAX)
		return s->max;
	double v = bucket_mid(b);
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

size_t sim_stat_hist_bytes(const sim_stat *s)
{
	size_t bytes = s->cap * sizeof *s->list;
	if (s->paged) {
		bytes += SIM_HIST_PAGES * sizeof *s->paged;
		for (uint32_t p = 0; p < SIM_HIST_PAGES; p++)
			if (s->paged[p])
				bytes += PAGE_SIZE * sizeof *s->paged[p];
	}
	return bytes;
}
