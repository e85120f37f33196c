/* The triage engine: from incident data (data.h) to an evidence digest.
 *
 *   fa2_tr_analyze()  metrics -> change points; logs -> templates new or spiking in the
 *                     incident vs before; X-Ray -> faults per service and root causes;
 *                     CloudTrail -> mutating changes ranked against the onset; then a
 *                     merged timeline and a ranked list of suspects with their evidence.
 *   fa2_tr_render()   the digest as Markdown or JSON within a token budget.
 *
 * Nothing here is specific to one incident or one log format: every rule is about the
 * shape of the data (time, novelty, rates, resource names, symptom words).
 * The analysis refers into the fa2_tr_data it was made from: keep that alive. */
#ifndef FA2_TRIAGE_TRIAGE_H
#define FA2_TRIAGE_TRIAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "triage/data.h"
#include "triage/metric.h"

/* Symptom classes, found in error text (templates, exception messages) and explained by
 * kinds of changes. */
enum {
	FA2_TR_SYM_CONNECT    = 1u << 0,  /* timeouts, refused, unreachable */
	FA2_TR_SYM_PERMISSION = 1u << 1,  /* access denied, not authorized, 403, KMS key state */
	FA2_TR_SYM_CONFIG     = 1u << 2,  /* invalid/missing settings, bad parameters */
	FA2_TR_SYM_CAPACITY   = 1u << 3,  /* limits, saturation, scaling */
	FA2_TR_SYM_DATASTORE  = 1u << 4,  /* database / datastore errors */
	FA2_TR_SYM_CRASH      = 1u << 5,  /* exceptions, panics, exits */
	FA2_TR_SYM_STORAGE    = 1u << 6,  /* no space left on device, disk full */
	FA2_TR_SYM_MEMORY     = 1u << 7,  /* out of memory, OOM kills, exit 137 */
	FA2_TR_SYM_TLS        = 1u << 8,  /* certificates, TLS handshakes */
	FA2_TR_SYM_DNS        = 1u << 9,  /* name resolution */
	FA2_TR_SYM_THROTTLE   = 1u << 10, /* throttling, rate exceeded */
	FA2_TR_SYM_QUOTA      = 1u << 11, /* quotas, connection limits, exhausted pools */
	FA2_TR_SYM__COUNT     = 12
};
/* Classes that name an exhausted or expired resource: a cause of their own, with or
 * without a change behind them. */
#define FA2_TR_SYM_RESOURCE (FA2_TR_SYM_STORAGE | FA2_TR_SYM_MEMORY | FA2_TR_SYM_TLS | \
			     FA2_TR_SYM_THROTTLE | FA2_TR_SYM_QUOTA)
/* Bitmask of the symptom classes named in text (case-insensitive; each phrase must
 * start a word: at the start, after a non-alphanumeric byte or at a camelCase hump). */
unsigned fa2_tr_symptoms(const char *text, size_t len);
const char *fa2_tr_symptom_name(unsigned bit);

/* Change categories (bitmask). */
enum {
	FA2_TR_CAT_NETWORK  = 1u << 0,  /* security groups, NACLs, routes, endpoints, LB */
	FA2_TR_CAT_IAM      = 1u << 1,  /* policies, roles, key and bucket policies */
	FA2_TR_CAT_DEPLOY   = 1u << 2,  /* service / function / stack deployments */
	FA2_TR_CAT_CONFIG   = 1u << 3,  /* parameters, DB settings, secrets, tables */
	FA2_TR_CAT_SCALING  = 1u << 4,  /* capacity, instances stopped or replaced */
	FA2_TR_CAT_OTHER    = 1u << 5   /* any other mutating call */
};
/* Categories of a CloudTrail event name (and source); 0 for read-only calls. */
unsigned fa2_tr_change_categories(const char *event_name, const char *event_source);
const char *fa2_tr_category_name(unsigned cats);
/* 1 when the event is a write (mutating) call: ReadOnly false, or, when unknown, a
 * name that is not Describe/List/Get/Head/Lookup/... */
int fa2_tr_event_is_write(const fa2_tr_event *ev);

/* Severity guesses for log templates. */
enum { FA2_TR_SEV_UNKNOWN = 0, FA2_TR_SEV_DEBUG, FA2_TR_SEV_INFO, FA2_TR_SEV_WARN,
       FA2_TR_SEV_ERROR, FA2_TR_SEV_FATAL };
int fa2_tr_severity_guess(const char *text, size_t len);
const char *fa2_tr_severity_name(int sev);

typedef struct fa2_tr_tpl {
	const char *text;         /* template (analysis pool) */
	const char *example;      /* one raw line (data pool) */
	const char *group;        /* log group of the first line */
	size_t count, n_before, n_after;
	int64_t first_ms, last_ms, first_after_ms;
	int severity;
	unsigned symptoms;
	int is_new;               /* none before the incident period, some in it */
	double ratio;             /* rate in the incident period / rate before (smoothed) */
	double score;             /* 0 for steady noise */
} fa2_tr_tpl;

/* Metric families: which way is bad, and whether a shift is a cause of its own (a
 * resource at its limit, a surge of demand) or a symptom (errors, latency). */
enum { FA2_TR_MF_OTHER = 0, FA2_TR_MF_ERRORS, FA2_TR_MF_LATENCY, FA2_TR_MF_THROTTLE,
       FA2_TR_MF_SATURATION, FA2_TR_MF_TRAFFIC, FA2_TR_MF_TLS, FA2_TR_MF_HEADROOM };
/* Family of a metric name (case-insensitive, e.g. "disk_used_percent" saturation,
 * "RequestCount" traffic, "HTTPCode_Target_5XX_Count" errors, "FreeStorageSpace"
 * headroom: falling is bad). */
int fa2_tr_metric_family(const char *metric);

typedef struct fa2_tr_metric {
	const fa2_tr_series *s;
	fa2_tr_metric_result r;
	int family;               /* FA2_TR_MF_* */
	int harmful;              /* 1 when the change goes the bad way for this metric */
	int alarm_metric;         /* the alarm's own metric */
	int64_t harm_ms;          /* first shift the bad way (or the trend's start); 0 none */
	int64_t trend_ms;         /* start of a gradual rise the bad way; 0 none */
	double ratio;             /* level after / before that shift (0 when unknown) */
	int at_ceiling;           /* reached a limit: 100 percent, or the series' own plateau */
	double score;             /* ranking: r.score, weighted by harm and alarm */
} fa2_tr_metric;

typedef struct fa2_tr_svc {
	const char *name;
	size_t traces, faults, errors, throttles;
	size_t root_faults;       /* faulting traces whose root cause is this service */
} fa2_tr_svc;

/* A fault signature: root-cause service, the entity on its path that failed, and the
 * exception (X-Ray FaultRootCauses), counted over faulting traces. */
typedef struct fa2_tr_cause {
	const char *service, *entity, *exception, *message;
	size_t count, n_before, n_after;   /* before / during the incident period */
	int64_t first_ms, first_after_ms;
	double share;             /* of the faulting traces in the incident period */
} fa2_tr_cause;

typedef struct fa2_tr_change {
	const fa2_tr_event *ev;
	unsigned cats;
	double prior, time_score, symptom_score, overlap_score, score;
	int64_t delta_ms;         /* onset - event time (positive: before the onset) */
	char matched[256];        /* resource names it shares with the incident, ", "-separated */
	unsigned explained;       /* symptom classes it would explain that were observed */
	unsigned sharp;           /* those its kind explains directly (not as a deployment) */
	int routine;              /* a periodic or background write (its own cadence in the window) */
	double link;              /* evidence linking it to the symptoms, 0..1 (never timing) */
} fa2_tr_change;

enum { FA2_TR_EV_METRIC = 1, FA2_TR_EV_TEMPLATE, FA2_TR_EV_CAUSE, FA2_TR_EV_CHANGE };

/* Routine writes: marks routine[i] = 1 for each of the n events (ascending by time,
 * writes only) that belongs to a periodic or background series in the window: the same
 * call on the same resource at a regular cadence (4+ times, gaps within a factor of 1.6
 * of their median), or the same call on any resource throughout the window (8+ times in
 * 3 of its 4 quarters). from_ms/to_ms bound the window. */
void fa2_tr_mark_routine(const fa2_tr_event *const *ev, size_t n, int64_t from_ms,
			 int64_t to_ms, int *routine);

/* Start of a gradual rise in v[0..n) (t ascending) that ends no later than until_ms
 * (0: anywhere): block medians rising for 4+ blocks by at least 6 noise sigmas and 10%
 * of the level. Returns the first point's time, 0 when there is no such rise. */
int64_t fa2_tr_trend_start(const int64_t *t_ms, const double *v, size_t n, int64_t until_ms);

typedef struct fa2_tr_ref {
	int kind;                 /* FA2_TR_EV_* */
	size_t idx;               /* into metrics / tpls / causes / changes */
} fa2_tr_ref;

#define FA2_TR_MAX_EVIDENCE 8
#define FA2_TR_MAX_SUSPECTS 8

typedef struct fa2_tr_suspect {
	fa2_tr_ref what;          /* a change, a fault cause, or a template */
	double score;             /* 0..1 */
	fa2_tr_ref evidence[FA2_TR_MAX_EVIDENCE];
	size_t n_evidence;
} fa2_tr_suspect;

typedef struct fa2_tr_tl {
	int64_t t_ms;
	fa2_tr_ref ref;
} fa2_tr_tl;

typedef struct fa2_tr_config {
	int64_t horizon_ms;       /* how long after a change its effects are attributed to it */
	int64_t tau_ms;           /* time-proximity decay */
} fa2_tr_config;

void fa2_tr_config_default(fa2_tr_config *c);

typedef struct fa2_tr_analysis {
	const fa2_tr_data *d;
	fa2_tr_config cfg;
	fa2_tr_pool pool;
	int64_t ref_ms;           /* reference time (alarm, else first harmful change) */
	int64_t split_ms;         /* start of the incident period (ref minus a margin) */
	int64_t first_harm_ms;    /* first harmful (or alarm-metric) level shift; 0 none */
	int64_t onset_ms;         /* estimated incident onset; 0 unknown */
	int64_t onset_slack_ms;   /* its resolution (a metric period); changes within count as before */
	const char *onset_basis;  /* what the onset was taken from */
	unsigned symptoms;        /* observed symptom classes */
	double sym_strength[FA2_TR_SYM__COUNT];
	const char *log_note;     /* why logs were not mined, or NULL */
	fa2_tr_metric *metrics; size_t n_metrics;   /* sorted by score, descending */
	fa2_tr_tpl *tpls; size_t n_tpls;            /* sorted by score, then count */
	size_t n_lines;
	fa2_tr_svc *svcs; size_t n_svcs;            /* sorted by root faults, faults */
	fa2_tr_cause *causes; size_t n_causes;      /* sorted by incident-period count */
	size_t n_traces, n_fault_traces, n_error_traces;
	int64_t trace_fault_onset_ms;
	fa2_tr_change *changes; size_t n_changes;   /* writes, sorted by score */
	size_t n_events, n_read_events;
	int64_t trend_ms;         /* start of a harmful gradual rise linked to the incident; 0 none */
	const char *main_group;   /* log group of the leading error template, or NULL */
	int no_change;            /* 1: no change is implicated (the lead is a symptom) */
	fa2_tr_suspect suspects[FA2_TR_MAX_SUSPECTS];
	size_t n_suspects;
	fa2_tr_tl *timeline; size_t n_timeline;
	int lang;                 /* language of fa2_tr_render's texts (base/msg.h FA2_MSG_EN
	                           * or FA2_MSG_JA); set by the caller after the analysis */
} fa2_tr_analysis;

fa2_err fa2_tr_analyze(const fa2_tr_data *d, const fa2_tr_config *cfg, fa2_tr_analysis *a);
void fa2_tr_analysis_cleanup(fa2_tr_analysis *a);

/* Parts of the analysis, exposed for tests and for the agent's tools. */
fa2_err fa2_tr_analyze_metrics(fa2_tr_analysis *a);
fa2_err fa2_tr_analyze_logs(fa2_tr_analysis *a);
fa2_err fa2_tr_analyze_traces(fa2_tr_analysis *a);
fa2_err fa2_tr_rank_changes(fa2_tr_analysis *a);

enum { FA2_TR_FMT_MD = 0, FA2_TR_FMT_JSON = 1 };

/* Renders the digest into out (appended), fitting it into budget_tokens (estimated as
 * bytes / 4): lists are shortened, lowest-ranked entries first, and the report says
 * what was left out. budget_tokens 0 means FA2_MAX_TR_REPORT_BYTES / 4. */
fa2_err fa2_tr_render(const fa2_tr_analysis *a, int format, size_t budget_tokens, fa2_buf *out);

#endif
