/* Online log template mining (Drain-style fixed-depth parse tree with token masking).
 *
 * A miner takes log lines one at a time and assigns each to a template: the line's
 * tokens with the variable parts replaced by the wildcard "<*>". Numbers, hex, IPs (with
 * port), UUIDs, paths, URLs, dates/times, e-mail-like tokens and key=value values are
 * masked by hand-written scanners before matching; the remaining tokens are matched
 * against the templates in one leaf of a prefix tree (keyed by token count and the first
 * `depth` - 2 tokens) with a similarity threshold.
 *
 * Memory is bounded: at most max_templates live templates (the least recently used is
 * evicted when a new one is needed), at most max_children children per tree node (the
 * rest share a wildcard child), lines longer than FA2_LOGTPL_MAX_LINE_BYTES are cut.
 *
 * Matching (one configuration for every log source): positions where both the line and
 * the template hold a variable are left out of the similarity; two different plain words
 * at the same position (bytes/values, Active/Inactive) are different events, as are
 * key=value tokens of different keys or with an empty vs a non-empty value. A position
 * becomes a variable word once at least four templates differ only there (and three
 * other constant tokens remain): online within a tree leaf, and across leaves in
 * fa2_logtpl_finish (also for two words varying together, from eight templates). A line
 * whose leading words differ (a variable first token) can still match a template
 * elsewhere when it is nearly identical (similarity >= 0.8, no word conflict).
 *
 * Unequal token counts: at fa2_logtpl_finish, templates whose constant skeletons are
 * equal (at least three constants; pure values left out, a run of equal named tokens
 * counted once) are one template: a value took more or fewer tokens, a list was longer.
 * Two different stack frames ("com.a.Foo.bar(Foo.java:<*>)") are different events, as
 * two different plain words are.
 *
 * Display (fa2_logtpl_info.text): the masking above is for grouping only. A template
 * shows each token as it was until its lines disagree on it, so constants keep their
 * digits ("ssh2", "G1", "ap-northeast-1"); values on their own (numbers, addresses,
 * times, long hex) and the value part of an identifier holding a 5+ digit number are
 * "<*>" from the first line on. Where lines disagree, the common leading and trailing
 * parts stay ("attempt_<*>", "(<*>)", "user=<*>", "db<*>.internal:<*>") and paths keep
 * equal directories or become "/<*>/" before the file's shape ("/<*>/blk_<*>").
 *
 * Template ids are small positive integers, never reused. Merging makes the absorbed id
 * resolve to the surviving id through fa2_logtpl_resolve, so an id returned by
 * fa2_logtpl_feed stays meaningful for grouping: map ids through fa2_logtpl_resolve
 * after the last feed (and after fa2_logtpl_finish) to get final groups. Id 0 means
 * "none". Call fa2_logtpl_finish once the input is read, before reporting templates.
 *
 * Not thread-safe: one miner per thread. */
#ifndef FA2_TRIAGE_LOGTPL_H
#define FA2_TRIAGE_LOGTPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

#define FA2_LOGTPL_MAX_LINE_BYTES  8192u  /* longer lines are cut to this many bytes */
#define FA2_LOGTPL_MAX_TOKENS      256u   /* tokens beyond this are joined into the last */
#define FA2_LOGTPL_MAX_EXAMPLES    8u     /* cap on config.examples */
#define FA2_LOGTPL_NO_TIME         INT64_MIN

typedef struct fa2_logtpl fa2_logtpl;

typedef struct fa2_logtpl_config {
	double sim_threshold;  /* 0..1: share of equal tokens among positions that are not
	                        * variables on both sides; default 0.6 */
	unsigned depth;        /* tree depth >= 3 (depth-2 prefix tokens index a leaf); default 4 */
	size_t max_templates;  /* live template cap (LRU eviction); default FA2_MAX_LOG_TEMPLATES */
	size_t max_children;   /* per-node child cap; default 100 */
	unsigned examples;     /* raw example lines kept per template, <= FA2_LOGTPL_MAX_EXAMPLES; default 3 */
} fa2_logtpl_config;

typedef enum fa2_logtpl_sev {
	FA2_LOGTPL_SEV_NONE = 0,  /* no severity keyword seen */
	FA2_LOGTPL_SEV_DEBUG,
	FA2_LOGTPL_SEV_INFO,
	FA2_LOGTPL_SEV_WARN,
	FA2_LOGTPL_SEV_ERROR,     /* also "exception", "failed", "failure" */
	FA2_LOGTPL_SEV_FATAL      /* also "panic", "critical", "emerg" */
} fa2_logtpl_sev;

/* One template as seen through fa2_logtpl_get / fa2_logtpl_next. The slices point into
 * the miner and stay valid until the next feed, finish or free. */
typedef struct fa2_logtpl_info {
	uint32_t id;
	fa2_slice text;            /* tokens joined by one space, "<*>" for variables */
	uint64_t count;            /* lines assigned (including those of merged templates) */
	int64_t first_ms;          /* FA2_LOGTPL_NO_TIME when no line carried a time */
	int64_t last_ms;
	uint64_t first_line;       /* line numbers as given to feed (0 when not given) */
	uint64_t last_line;
	fa2_logtpl_sev severity;   /* highest severity guessed from the template's lines */
	size_t n_examples;
	fa2_slice examples[FA2_LOGTPL_MAX_EXAMPLES];  /* first lines seen, as fed (cut) */
} fa2_logtpl_info;

typedef struct fa2_logtpl_stats {
	uint64_t lines;            /* lines fed */
	size_t live;               /* live templates */
	uint64_t created;          /* templates ever created */
	uint64_t evicted;          /* templates evicted by the LRU cap */
	uint64_t merged;           /* templates absorbed by a merge */
} fa2_logtpl_stats;

/* Fills cfg with the defaults above (the one configuration used for every system). */
void fa2_logtpl_config_default(fa2_logtpl_config *cfg);

/* Creates a miner. cfg may be NULL (defaults). Errors: FA2_ERR_INVALID for an out-of-range
 * field, FA2_ERR_NOMEM. */
fa2_err fa2_logtpl_new(const fa2_logtpl_config *cfg, fa2_logtpl **out);
void fa2_logtpl_free(fa2_logtpl *m);  /* NULL is fine */

/* Assigns one line (without its line terminator; a trailing CR is ignored) to a template,
 * creating or generalising one as needed. ts_ms may be FA2_LOGTPL_NO_TIME; line_no may be
 * 0. *tpl_id (may be NULL) receives the id. On error (FA2_ERR_NOMEM) the miner is
 * unchanged apart from statistics and stays usable. */
fa2_err fa2_logtpl_feed(fa2_logtpl *m, fa2_slice line, int64_t ts_ms, uint64_t line_no,
                        uint32_t *tpl_id);

/* End-of-input pass: merges sibling templates (equal token count, differing in one or
 * two word positions only, enough of them: see above) across tree leaves. Feeding may
 * continue afterwards; calling it again is fine. Errors: FA2_ERR_NOMEM (the miner stays
 * consistent; merges done so far stand). */
fa2_err fa2_logtpl_finish(fa2_logtpl *m);

/* The id a template id now stands for after merges (the id itself when never merged,
 * also for evicted ids; 0 for 0 or an id never issued). */
uint32_t fa2_logtpl_resolve(const fa2_logtpl *m, uint32_t id);

/* Looks up a live template by id (resolved through merges). FA2_ERR_NOT_FOUND when the
 * id was never issued or its template was evicted. */
fa2_err fa2_logtpl_get(const fa2_logtpl *m, uint32_t id, fa2_logtpl_info *out);

/* Iterates over live templates in id order. Start with *cursor = 0; returns 1 and fills
 * *out while there is one more, 0 at the end. Do not feed while iterating. */
int fa2_logtpl_next(const fa2_logtpl *m, size_t *cursor, fa2_logtpl_info *out);

void fa2_logtpl_stats_get(const fa2_logtpl *m, fa2_logtpl_stats *out);

/* Severity guessed from one line's keywords (case-insensitive whole words). */
fa2_logtpl_sev fa2_logtpl_guess_severity(fa2_slice line);
const char *fa2_logtpl_sev_name(fa2_logtpl_sev sev);  /* "ERROR", ... "-" for NONE */

/* Token masking, exposed for tests: returns 1 when the token (already split from a line)
 * is variable-like and would be replaced by "<*>". */
int fa2_logtpl_token_is_variable(fa2_slice tok);

#endif
