/* Incident data for the triage engine: what a snapshot directory (or, later, the AWS
 * layer) provides, decoded from the raw AWS API responses into plain structs.
 *
 * Ownership: an fa2_tr_data owns everything reachable from it. Strings live in the
 * data's string pool and stay valid until fa2_tr_data_cleanup(); arrays are owned by the
 * data. All instants are int64 milliseconds since the Unix epoch (UTC); 0 means unknown.
 * Every array is capped (src/base/limits.h, FA2_MAX_TR_*); exceeding a cap is
 * FA2_ERR_TOO_LARGE. */
#ifndef FA2_TRIAGE_DATA_H
#define FA2_TRIAGE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

/* A string pool: chunks of memory freed together. */
typedef struct fa2_tr_pool {
	struct fa2_tr_chunk *head;
	struct fa2_tr_chunk *spare;  /* emptied chunks, used again before new ones */
	size_t used_bytes;   /* total bytes handed out */
	size_t max_bytes;    /* cap; FA2_ERR_TOO_LARGE beyond */
} fa2_tr_pool;

void fa2_tr_pool_init(fa2_tr_pool *p, size_t max_bytes);
void fa2_tr_pool_cleanup(fa2_tr_pool *p);
/* Copies s (len bytes) into the pool, NUL-terminated. NULL on no memory or cap. */
char *fa2_tr_pool_strndup(fa2_tr_pool *p, const char *s, size_t len);
char *fa2_tr_pool_strdup(fa2_tr_pool *p, const char *s);

typedef struct fa2_tr_kv {
	const char *name;
	const char *value;
} fa2_tr_kv;

/* One log event (a Logs Insights result row). */
typedef struct fa2_tr_logline {
	int64_t t_ms;
	const char *msg;       /* @message, NUL-terminated */
	size_t msg_len;
	const char *group;     /* log group name (from @log, or the file's log group); may be "" */
	const char *stream;    /* @logStream; may be "" */
} fa2_tr_logline;

/* One metric time series (a GetMetricData MetricDataResult joined with its query). */
typedef struct fa2_tr_series {
	const char *id;
	const char *label;
	const char *namespace_;  /* "" when the query definition is unknown */
	const char *metric;      /* metric name, or the label when unknown */
	const char *stat;
	int64_t period_s;
	fa2_tr_kv *dims;
	size_t n_dims;
	int64_t *t_ms;           /* ascending after reading */
	double *v;
	size_t n;
} fa2_tr_series;

/* One CloudTrail event (LookupEvents Events[] with CloudTrailEvent decoded). */
typedef struct fa2_tr_event {
	int64_t t_ms;
	const char *id;
	const char *name;        /* EventName */
	const char *source;      /* EventSource, e.g. "ec2.amazonaws.com" */
	const char *user;        /* Username or the identity ARN */
	int read_only;           /* 1 read-only, 0 mutating, -1 unknown */
	int by_service;          /* 1 when an AWS service made the call on the account's
	                          * behalf (userIdentity type AWSService, or a Username
	                          * like "ecs.amazonaws.com") */
	const char *error_code;  /* "" when the call succeeded */
	const char *error_message; /* errorMessage; "" when none */
	fa2_tr_kv *resources;    /* type, name (Resources[] plus ids found in the request) */
	size_t n_resources;
	const char *params;      /* the requestParameters strings, space-separated; may be "" */
} fa2_tr_event;

typedef struct fa2_tr_rootcause {
	const char *service;     /* service name */
	const char *entity;      /* deepest entity on the path, e.g. "DynamoDB"; may be "" */
	const char *exception;   /* first exception name; may be "" */
	const char *message;     /* its message; may be "" */
	int remote;
} fa2_tr_rootcause;

/* One X-Ray trace summary. */
typedef struct fa2_tr_trace {
	const char *id;
	int64_t t_ms;
	double duration_s;
	int fault, error, throttle;
	int http_status;         /* 0 unknown */
	const char *url;
	const char **services;   /* ServiceIds[].Name */
	size_t n_services;
	fa2_tr_rootcause *faults;  /* FaultRootCauses, flattened per service */
	size_t n_faults;
	fa2_tr_rootcause *errors;  /* ErrorRootCauses, flattened per service */
	size_t n_errors;
} fa2_tr_trace;

typedef struct fa2_tr_alarm {
	const char *name;        /* NULL when no alarm */
	int64_t t_ms;            /* state change time; 0 unknown */
	const char *reason;
	const char *namespace_;
	const char *metric;
	fa2_tr_kv *dims;
	size_t n_dims;
} fa2_tr_alarm;

#define FA2_TR_INTERN_SLOTS 16

typedef struct fa2_tr_data {
	fa2_tr_pool pool;
	const char *fa2_version;
	const char *region;
	int64_t from_ms, to_ms;
	fa2_tr_alarm alarm;
	const char **log_groups;
	size_t n_log_groups;
	fa2_tr_logline *lines; size_t n_lines, cap_lines;
	fa2_tr_series *series; size_t n_series, cap_series;
	fa2_tr_event *events;  size_t n_events, cap_events;
	fa2_tr_trace *traces;  size_t n_traces, cap_traces;
	/* The manifest's "coverage" when some source was not read in full (a row cap or a
	 * page budget, a failed source): one line for people, e.g. "logs partial: 10000 of
	 * about 20849 rows kept (2 ranges not read in full: ...)". NULL when complete. */
	const char *coverage_note;
	/* Recently pooled log group and stream names, reused instead of copied again for
	 * each line (most lines of a page share a few); most recent first. */
	const char *interned[FA2_TR_INTERN_SLOTS];
	/* Log lines mined while they were read (fa2_tr_snapshot_read_mined): what the
	 * analysis needs of them (triage/logs.h); lines stays empty. NULL otherwise. */
	struct fa2_tr_mined *mined;
} fa2_tr_data;

void fa2_tr_data_init(fa2_tr_data *d);
void fa2_tr_data_cleanup(fa2_tr_data *d);

/* Parsers of the raw AWS responses. Each appends what it decodes to d; on error d keeps
 * what was appended before (still consistent, still owned by d).
 *   logs:    Logs Insights GetQueryResults ({"results":[[{"field","value"}...]...]});
 *            @timestamp as "YYYY-MM-DD HH:MM:SS.mmm" (UTC) or epoch milliseconds.
 *            default_group names the group when a row has no @log field (may be NULL).
 *   metrics: CloudWatch GetMetricData ({"MetricDataResults":[...]}); queries is the
 *            request's MetricDataQueries array (may be NULL) to name each Id.
 *   events:  CloudTrail LookupEvents ({"Events":[...]}).
 *   traces:  X-Ray GetTraceSummaries ({"TraceSummaries":[...]}).
 * Timestamps in metrics/events/traces: epoch seconds (number) or RFC 3339 strings. */
fa2_err fa2_tr_parse_logs(fa2_tr_data *d, fa2_slice json, const char *default_group);
fa2_err fa2_tr_parse_metrics(fa2_tr_data *d, fa2_slice json, fa2_slice queries_json);
fa2_err fa2_tr_parse_events(fa2_tr_data *d, fa2_slice json);
fa2_err fa2_tr_parse_traces(fa2_tr_data *d, fa2_slice json);
/* manifest.json: window, region, alarm, log groups, coverage (not the files). */
fa2_err fa2_tr_parse_manifest(fa2_tr_data *d, fa2_slice json);

/* Sorts lines (stably), events and traces by time: what a reader does once every
 * response is decoded. */
fa2_err fa2_tr_data_finish(fa2_tr_data *d);

/* Reads a snapshot directory (docs/snapshot.md): the manifest, then every file it lists.
 * Sorts lines, events and traces by time. On error, *why (may be NULL) gets a static or
 * pooled message naming the file. */
fa2_err fa2_tr_snapshot_read(fa2_tr_data *d, const char *dir, const char **why);

/* The same for triage alone, with memory bounded by templates rather than lines: each
 * log line is mined as it is read and dropped (d->mined holds its time and template), in
 * the order the reader above would sort them (by time, stably: a file's rows in their
 * order, files in the manifest's); only lines within [from_ms, to_ms] (0 = unbounded)
 * are kept, as fa2_tr_data_narrow would keep them. Result files whose rows overlap in
 * time are held together until mined; disjoint ones one at a time. */
fa2_err fa2_tr_snapshot_read_mined(fa2_tr_data *d, const char *dir, int64_t from_ms,
				   int64_t to_ms, const char **why);

/* Keeps only lines, points, events and traces within [from_ms, to_ms] (0 = unbounded)
 * and narrows the window accordingly. */
void fa2_tr_data_narrow(fa2_tr_data *d, int64_t from_ms, int64_t to_ms);

/* A JSON timestamp: number of epoch seconds (fractional allowed), or a string in any form
 * fa2_time_parse accepts at UTC (RFC 3339, "YYYY-MM-DD HH:MM:SS.mmm", epoch s/ms digits).
 * Returns 0 when absent or malformed. */
struct cJSON;
int64_t fa2_tr_json_time_s(const struct cJSON *item);

#endif
