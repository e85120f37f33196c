/* The /insight engine (also `fa2 insight`): a question about the workload answered from
 * CloudWatch metrics of the last 1..14 days.
 *
 * window = [now - days, now] in UTC -> model call 1 names the CloudWatch namespaces (JSON;
 * FA2_INSIGHT_DEFAULT_NAMESPACES when the call fails or names none) -> ListMetrics per
 * namespace over all pages (RecentlyActive PT3H) -> model call 2 picks at most
 * FA2_INSIGHT_MAX_METRICS of them (each checked against what ListMetrics returned; the
 * first listed ones when none survive) -> GetMetricData and per-series summaries
 * (metrics_tool's summariser) -> model call 3 writes the Markdown answer. When call 3
 * fails the answer is the summaries themselves, saying the model was unavailable. */
#ifndef FA2_AGENT_INSIGHT_H
#define FA2_AGENT_INSIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/config.h"
#include "agent/prompts.h"
#include "base/buf.h"
#include "base/err.h"
#include "llm/llm.h"

#define FA2_INSIGHT_MAX_DAYS        14
#define FA2_INSIGHT_MAX_METRICS     5u
#define FA2_INSIGHT_MAX_NAMESPACES  5u
#define FA2_INSIGHT_MAX_LISTED      1000L              /* ListMetrics results kept per namespace */
#define FA2_INSIGHT_MAX_LIST_BYTES  (96u * 1024u)      /* metric list shown to the model */
#define FA2_INSIGHT_MAX_QUESTION    3000u              /* bytes of question */
#define FA2_INSIGHT_DEFAULT_NAMESPACES { "AWS/EC2", "AWS/ECS", "AWS/RDS", "AWS/Lambda", "AWS/ApplicationELB" }

typedef struct fa2_insight_req {
	const fa2_config *cfg;        /* region, architectureDescription, sampling (borrowed) */
	fa2_llm_provider *llm;        /* ready to call (borrowed) */
	const fa2_prompts *prompts;   /* loaded in lang (borrowed) */
	fa2_lang lang;
	const char *question;         /* non-empty */
	int days;                     /* 1..FA2_INSIGHT_MAX_DAYS */
	int64_t now_ms;               /* end of the window; 0: the current time */
	int64_t deadline_mono_ms;     /* absolute; every call ends before it */
} fa2_insight_req;

typedef struct fa2_insight_info {
	int64_t from_ms, to_ms;
	size_t n_namespaces, n_listed, n_selected;
	int namespaces_fallback;      /* model call 1 gave nothing usable */
	int selection_fallback;       /* model call 2 gave nothing usable */
	int model_ok;                 /* model call 3 wrote the answer */
} fa2_insight_info;

/* Runs the pipeline and appends the Markdown answer to md. info may be NULL. On failure
 * (bad request, AWS errors that leave no metrics to read) returns the error with a
 * sentence for the user in msg. */
fa2_err fa2_insight_run(const fa2_insight_req *r, fa2_buf *md, fa2_insight_info *info,
			char *msg, size_t cap);

/* ---- pieces, exposed for tests ---- */

/* Namespaces from model call 1's answer ({"namespaces": [...]} or a bare array): each a
 * CloudWatch namespace (1..255 of [A-Za-z0-9 .-_/#:]), duplicates dropped, at most max.
 * Returns how many were written to ns (each a 256-byte slot). */
size_t fa2_insight_parse_namespaces(fa2_slice answer, char (*ns)[256], size_t max);

/* The metrics model call 2 chose ({"metrics": [{namespace, metricName, dimensions:
 * [{name, value}]}]}, also with the API's capitalised keys), kept only when namespace,
 * name and the whole dimension set equal one entry of listed (ListMetrics' Metrics),
 * duplicates dropped, at most max. Returns a new array of copies of the listed entries
 * (NULL on no memory); *rejected (may be NULL) counts the choices dropped. */
cJSON *fa2_insight_select_metrics(fa2_slice answer, const cJSON *listed, size_t max,
				  size_t *rejected);

#endif
