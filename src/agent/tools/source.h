/* The data source the agent's tools read: one interface, two implementations.
 *
 *   LIVE      AWS through the per-service files of src/aws (logs.c, cloudwatch.c,
 *             cloudtrail.c, xray.c), with the AWS client the caller passes in (never a
 *             process-wide global), plus Bedrock Knowledge Bases and a local runbooks
 *             directory (runbooksDir) for kb_tool.
 *   SNAPSHOT  a snapshot directory (docs/snapshot.md) read once into memory, and its
 *             runbooks/ folder.
 *
 * Each tool (logs_tool, metrics_tool, audit_log_tool, xray_tool, kb_tool) is written
 * once over this interface: the source answers "which rows, series, events, traces or
 * passages", the tool decides what matters and words the observation. alb_log_tool and
 * the Athena form of audit_log_tool exist only over the live source.
 *
 * fa2_tools_build() registers the tools a source offers. A source outlives the registry
 * built over it; its operations are thread-safe (the agent runs tools concurrently). */
#ifndef FA2_AGENT_TOOLS_SOURCE_H
#define FA2_AGENT_TOOLS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "aws/logs.h"
#include "base/buf.h"
#include "base/err.h"
#include "triage/data.h"

struct fa2_config;
struct fa2_aws_client;
struct fa2_snap;
struct fa2_runbooks;
struct fa2_metrics_series;

typedef struct fa2_source fa2_source;

/* ---- logs ---- */

/* One row handed to a logs consumer. Log events have msg (and t_ms, group, stream);
 * aggregate rows (a stats query) have fields instead and msg.len == 0. Borrowed for the
 * duration of the call. */
typedef struct fa2_src_row {
	int64_t t_ms;                 /* FA2_LOGS_NO_TIME when unknown */
	fa2_slice msg;
	const char *group, *stream;   /* "" when unknown */
	const fa2_tr_kv *fields;      /* aggregate rows: (name, value) in the query's order */
	size_t n_fields;
} fa2_src_row;

typedef fa2_err (*fa2_src_row_fn)(void *ctx, const fa2_src_row *row);

#define FA2_SRC_MAX_RANGES 8u        /* partial ranges reported to a tool */

typedef struct fa2_src_logs_req {
	const char *const *groups;    /* log groups to read (1..FA2_LOGS_MAX_GROUPS) */
	size_t n_groups;
	const char *filter;           /* the model's filter; may continue with stages; NULL: none */
	size_t limit;                 /* newest rows wanted at most (0: every row of the window) */
	fa2_src_row_fn on_row;
	void *ctx;
} fa2_src_logs_req;

typedef struct fa2_src_logs_res {
	fa2_buf *query;               /* caller-initialised: the query as run, for the observation */
	int snapshot;                 /* the rows came from a snapshot */
	int aggregate;                /* rows were aggregates (a stats stage) */
	size_t rows;                  /* rows delivered (log events or aggregates) */
	double estimated;             /* log events the window holds for the query; -1 unknown */
	int partial, budget_hit, limited;
	long query_limit;             /* a limit written in the configured query or the filter */
	size_t n_queries;             /* queries the source ran (live) */
	fa2_logs_range ranges[FA2_SRC_MAX_RANGES];   /* parts not read in full */
	size_t n_ranges;
	size_t error_rows;            /* rows of the error-only pass over those parts */
	const char *missing[FA2_LOGS_MAX_GROUPS];    /* asked groups that do not exist (skipped) */
	size_t n_missing;
	int malformed;                /* the query was rejected as malformed */
	char code[128], message[1600];/* the rejection: code and the service's (or parser's) message */
	const char *note;             /* the source's own caveat (a snapshot's coverage), or NULL */
} fa2_src_logs_res;

/* ---- metrics ---- */

typedef struct fa2_src_metrics_req {
	const char *ns, *name;        /* NULL: any */
	const cJSON *dims;            /* [{name, value?}] or NULL */
	const char *recently_active;  /* "PT3H" or NULL (live only) */
	size_t max_series;
} fa2_src_metrics_req;

typedef struct fa2_src_metrics {
	cJSON *metrics;               /* owned: the metric objects the series point into */
	struct fa2_metrics_series *ss;/* owned, n entries */
	size_t n;
	long period_s;
	const char *stat;             /* statistic label for the header */
	int truncated;
} fa2_src_metrics;

void fa2_src_metrics_cleanup(fa2_src_metrics *m);

/* ---- CloudTrail events ---- */

typedef struct fa2_src_events_req {
	const char *event_name, *event_source, *resource_name, *user_name;  /* NULL: any */
	size_t max_events;
} fa2_src_events_req;

typedef struct fa2_src_events {
	fa2_tr_data own;              /* the live source decodes into this */
	const fa2_tr_event **v;       /* matching events in the window, oldest first (owned array) */
	size_t n;
	int more;                     /* the window holds more than was read */
	size_t pages;                 /* LookupEvents pages read (live) */
	char how[300];                /* what was read, in words (live: the lookups made) */
	const char *note;             /* the source's own caveat, or NULL */
} fa2_src_events;

void fa2_src_events_cleanup(fa2_src_events *r);
/* 1 when ev matches every attribute of q that is given (exact, as LookupEvents compares;
 * a user name also matches the last part of an identity ARN). */
int fa2_src_event_matches(const fa2_tr_event *ev, const fa2_src_events_req *q);
/* Points r->v (allocated) at the events of d that lie in env's window and match q, in
 * d's order. FA2_ERR_NOMEM. */
fa2_err fa2_src_events_select(const fa2_tool_env *env, const fa2_src_events_req *q, const fa2_tr_data *d,
			      fa2_src_events *r);

/* ---- X-Ray ---- */

typedef struct fa2_src_traces {
	fa2_tr_data own;
	const fa2_tr_trace **v;       /* matching trace summaries in the window (owned array) */
	size_t n;
	int more;
	const char *note;
} fa2_src_traces;

void fa2_src_traces_cleanup(fa2_src_traces *r);

/* ---- the interface ---- */

typedef struct fa2_source_ops {
	/* 1 when the source can answer the named tool. */
	int (*offers)(const fa2_source *s, const char *tool);
	/* The log groups the source holds (borrowed, *n may be 0: unknown/any). */
	const char *const *(*log_groups)(const fa2_source *s, size_t *n);
	/* Reads the rows of q in env's window. A rejected query: FA2_ERR_INVALID with
	 * res->malformed set (nothing appended to out). Other failures: an error with one
	 * line in out. */
	fa2_err (*logs)(fa2_source *s, const fa2_tool_env *env, const fa2_src_logs_req *q, fa2_src_logs_res *res,
			fa2_buf *out);
	fa2_err (*metrics)(fa2_source *s, const fa2_tool_env *env, const fa2_src_metrics_req *q, fa2_src_metrics *r,
			   fa2_buf *out);
	fa2_err (*events)(fa2_source *s, const fa2_tool_env *env, const fa2_src_events_req *q, fa2_src_events *r,
			  fa2_buf *out);
	/* filter: the X-Ray filter expression or NULL. */
	fa2_err (*traces)(fa2_source *s, const fa2_tool_env *env, const char *filter, size_t max, fa2_src_traces *r,
			  fa2_buf *out);
	/* The fault and error details of up to 5 traces, appended to out; NULL op: none. */
	fa2_err (*trace_details)(fa2_source *s, const fa2_tool_env *env, const char *const *ids, size_t n,
				 fa2_buf *out, unsigned *causes);
	/* Up to n passages for query, appended to out as numbered results; *shown counts. */
	fa2_err (*kb)(fa2_source *s, const fa2_tool_env *env, const char *query, size_t n, fa2_buf *out, int *shown);
	void (*close)(fa2_source *s);
} fa2_source_ops;

#define FA2_SRC_MAX_FOCUS 8u          /* names the incident is about (the alarm's resources) */

struct fa2_source {
	const fa2_source_ops *ops;
	const char *kind;                       /* "live" or "snapshot" */
	const struct fa2_config *cfg;           /* borrowed; may be NULL */
	struct fa2_aws_client *aws;             /* live: borrowed; NULL when AWS is unavailable */
	char no_aws[400];                       /* live: why aws is NULL */
	struct fa2_snap *snap;                  /* snapshot: owned */
	struct fa2_runbooks *runbooks;          /* owned; NULL when none */
	void *impl;                             /* an implementation's own state (tests' fakes) */
	/* The names of the resources the incident is about (fa2_source_set_focus): tools put
	 * what touches them first. Owned copies; n_focus 0: none known. */
	char *focus[FA2_SRC_MAX_FOCUS];
	size_t n_focus;
};

/* A live source over aws (borrowed, may be NULL: then every AWS-backed answer says
 * why_no_aws) and cfg (borrowed: log groups, cwLogsInsightQuery, xrayTrace, knowledge
 * base, runbooksDir, Athena tables). Reads cfg->runbooks_dir now when set. Errors:
 * FA2_ERR_NOMEM, or the runbooks directory's error with msg (cap bytes). */
fa2_err fa2_source_open_live(const struct fa2_config *cfg, struct fa2_aws_client *aws, const char *why_no_aws,
			     fa2_source **out, char *msg, size_t cap);
/* A snapshot source: reads dir (manifest, every response file, runbooks/). cfg may be
 * NULL. Errors as fa2_snap_open, with msg. */
fa2_err fa2_source_open_snapshot(const char *dir, const struct fa2_config *cfg, fa2_source **out, char *msg,
				 size_t cap);
void fa2_source_close(fa2_source *s);   /* NULL is fine */

/* Sets the names the incident is about from the values of an alarm's dimensions
 * (values[0..n)): each value and the names inside it (an ARN's or a path's parts,
 * "app/payments-api-alb/91ae..." gives "payments-api-alb" and "payments-api"), without
 * ids, generic words (prod, default, ...) and names under 4 characters; at most
 * FA2_SRC_MAX_FOCUS, replacing any set before. A snapshot source starts with its
 * manifest alarm's. FA2_ERR_NOMEM. */
fa2_err fa2_source_set_focus(fa2_source *s, const char *const *values, size_t n);
/* 1 when text names one of the source's focus names (case-insensitive, as a whole word:
 * not inside a longer run of letters and digits). */
int fa2_source_focus_hit(const fa2_source *s, const char *text);

/* The snapshot's window (epoch ms); 0 when the source is live. */
void fa2_source_window(const fa2_source *s, int64_t *from_ms, int64_t *to_ms);

/* env with the source's AWS client set (for calls a tool makes itself). */
void fa2_source_env(const fa2_source *s, const fa2_tool_env *env, fa2_tool_env *out);

/* Registers the tools the source offers, each with ctx = s: metrics_tool,
 * audit_log_tool (the Athena form when the live source's configuration names a
 * CloudTrail table), logs_tool when there are log groups, xray_tool (live: xrayTrace;
 * snapshot: it has traces), kb_tool (live: a knowledge base id or runbooksDir;
 * snapshot: a runbooks folder), alb_log_tool (live, with an ALB table). */
fa2_err fa2_tools_build(fa2_tool_registry *r, fa2_source *s);

#endif
