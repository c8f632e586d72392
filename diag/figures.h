/*
 * figures.h - the figures derived from a snapshot, computed the one way
 * mallard.h's lists define them (MALLARD_STATS_DIFFERENCES and
 * MALLARD_STATS_FRACTIONS). mallard-report's figures.py follows the same
 * lists; a test checks the two against mallard.h.
 */
#ifndef MALLARD_DIAG_FIGURES_H
#define MALLARD_DIAG_FIGURES_H

#include "mallard.h"

enum {
#define FIGURE_ENUM(name, a, b, what) FIGURE_##name,
	MALLARD_STATS_DIFFERENCES(FIGURE_ENUM)
	MALLARD_STATS_FRACTIONS(FIGURE_ENUM)
#undef FIGURE_ENUM
	FIGURE_COUNT
};

/* A difference is `num` bytes (den 0); a fraction is num / den (0 when den
 * is 0), kept as the pair so that writers format it without floating point. */
typedef struct {
	uint64_t num, den;
} figure_t;

/* plus - minus, 0 when minus is the larger. */
static inline figure_t figure_difference(uint64_t plus, uint64_t minus)
{
	figure_t f = {plus > minus ? plus - minus : 0, 0};
	return f;
}

/* 1 - part/whole, part counted as whole when it is the larger. */
static inline figure_t figure_fraction(uint64_t part, uint64_t whole)
{
	figure_t f = {whole - (part < whole ? part : whole), whole};
	return f;
}

/* Every derived figure of snapshot s, indexed by FIGURE_*. */
static inline void figures_of(const mallard_stats_t *s, figure_t out[FIGURE_COUNT])
{
	struct {
		uint64_t rss;
#define FIGURE_INPUT(name, what) uint64_t name;
		MALLARD_STATS_TOTALS(FIGURE_INPUT)
#undef FIGURE_INPUT
	} in = {.rss = s->rss};
#define FIGURE_COPY(name, what) in.name = s->totals.name;
	MALLARD_STATS_TOTALS(FIGURE_COPY)
#undef FIGURE_COPY
#define FIGURE_DIFFERENCE(name, plus, minus, what) out[FIGURE_##name] = figure_difference(in.plus, in.minus);
#define FIGURE_FRACTION(name, part, whole, what) out[FIGURE_##name] = figure_fraction(in.part, in.whole);
	MALLARD_STATS_DIFFERENCES(FIGURE_DIFFERENCE)
	MALLARD_STATS_FRACTIONS(FIGURE_FRACTION)
#undef FIGURE_DIFFERENCE
#undef FIGURE_FRACTION
}

/* What figure i means, with its formula: "free memory not yet given back
 * (committed - active)". */
static inline const char *figure_what(unsigned i)
{
	static const char *const what[FIGURE_COUNT] = {
#define FIGURE_WHAT_DIFFERENCE(name, plus, minus, what) what " (" #plus " - " #minus ")",
#define FIGURE_WHAT_FRACTION(name, part, whole, what) what " (1 - " #part "/" #whole ")",
		MALLARD_STATS_DIFFERENCES(FIGURE_WHAT_DIFFERENCE)
		MALLARD_STATS_FRACTIONS(FIGURE_WHAT_FRACTION)
#undef FIGURE_WHAT_DIFFERENCE
#undef FIGURE_WHAT_FRACTION
	};
	return what[i];
}

#endif /* MALLARD_DIAG_FIGURES_H */
