/* The analysis report: a JSON document (schema: docs/report-schema.md) rendered as
 * Markdown in en or ja, or as JSON.
 *
 * The model writes the body (summary, rootCauses, impact, timeline, references, actions,
 * prevention, missing, causalChain); fa2 normalises it (types, enums, sizes) and adds the envelope
 * (schemaVersion, status, language, incident, agent). Renderers trust a normalised
 * document only. */
#ifndef FA2_AGENT_REPORT_H
#define FA2_AGENT_REPORT_H

#include "cJSON.h"

#include "agent/tool.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"
#include "base/tz.h"
#include "doc/chain.h"

#define FA2_REPORT_SCHEMA_VERSION 1
#define FA2_REPORT_MAX_ITEMS      50u      /* entries kept per list */
#define FA2_REPORT_MAX_STRING     16384u   /* bytes kept per string */
#define FA2_REPORT_MAX_CHAIN_IDS  8u       /* "next" entries kept per causal chain node */

typedef enum fa2_report_status {
	FA2_REPORT_COMPLETE = 0,  /* the model finished and wrote the report */
	FA2_REPORT_INCOMPLETE,    /* the model wrote it after a forced stop (cycles, repeats) */
	FA2_REPORT_PARTIAL        /* the model could not write it: fa2 assembled what it had */
} fa2_report_status;

const char *fa2_report_status_name(fa2_report_status s);

/* The words of the rendered report (headings, labels), en and ja. */
typedef enum fa2_report_label {
	FA2_RL_TITLE, FA2_RL_STATUS_INCOMPLETE, FA2_RL_STATUS_PARTIAL, FA2_RL_INCIDENT, FA2_RL_WINDOW,
	FA2_RL_SUMMARY, FA2_RL_ROOT_CAUSES, FA2_RL_SEVERITY, FA2_RL_CONFIDENCE, FA2_RL_EVIDENCE,
	FA2_RL_IMPACT, FA2_RL_TIMELINE, FA2_RL_TIME, FA2_RL_EVENT, FA2_RL_REFERENCES, FA2_RL_QUERY,
	FA2_RL_QUERIES_RUN, FA2_RL_ACTIONS, FA2_RL_PREVENTION, FA2_RL_MISSING, FA2_RL_HIGH,
	FA2_RL_MEDIUM, FA2_RL_LOW, FA2_RL_UNKNOWN, FA2_RL_NONE, FA2_RL_FOOTER, FA2_RL_CYCLE, FA2_RL_OK,
	FA2_RL_FAILED, FA2_RL_REPEATED, FA2_RL_STOP, FA2_RL_CHAIN, FA2_RL_CONTINUED, FA2_RL_ATTACHED,
	FA2_RL__COUNT
} fa2_report_label;

/* The label id in lang (never NULL; "" for an id out of range). */
const char *fa2_report_label_text(fa2_lang lang, fa2_report_label id);
/* "High", "中", ...: the label of a normalised level (high|medium|low|unknown) in lang. */
const char *fa2_report_level_text(fa2_lang lang, const char *level);

/* A time the model wrote (a timeline entry, a chain node), shown in the report's zone:
 * when written is an RFC 3339 / ISO 8601 date-time with a zone (Z or an offset) and
 * nothing else, writes "2026-11-25 17:02 JST" (seconds when not :00; the zone's
 * abbreviation when it has letters, else its offset, "UTC" for UTC) into out at tz, or
 * at the fixed offset tz_offset_min when tz is NULL, and returns 1. Returns 0 with out
 * untouched for anything else ("08:02", a local time without zone, prose): show it as
 * written. cap of 48 is always enough. */
int fa2_report_local_time(const char *written, const fa2_tz *tz, int tz_offset_min, char *out, size_t cap);

/* Appends text to out with each zoned date-time in it (a word that fa2_report_local_time
 * accepts, trailing . , ; ) ] aside) shown at tz / tz_offset_min: "went to ALARM at
 * 2026-12-05T12:39:28Z in us-east-1" -> "... at 2026-12-05 21:39:28 JST in us-east-1". The
 * rest is copied as is. Errors: those of out (FA2_ERR_NOMEM, FA2_ERR_TOO_LARGE). */
fa2_err fa2_report_local_text(const char *text, const fa2_tz *tz, int tz_offset_min, fa2_buf *out);

/* Finds the JSON object in a model answer (bare, in a ``` fence, or with prose around
 * it) and returns its normalised body; NULL with FA2_ERR_PARSE when there is none. */
cJSON *fa2_report_parse_model(fa2_slice text, fa2_err *err);

/* Returns a new normalised body from any JSON value: known keys only, strings capped,
 * severity/confidence mapped to high|medium|low ("unknown" when absent or unmappable),
 * lists capped at FA2_REPORT_MAX_ITEMS. causalChain keeps at most FA2_MAX_CHAIN_NODES
 * nodes that have a label, each {id, kind, label, time, evidence, next[{id, label}]}
 * with kind one of doc/chain.h's names and texts capped at FA2_MAX_CHAIN_TEXT_BYTES; a
 * chain that is missing or from which no node can be drawn is []. Never NULL except
 * on no memory. */
cJSON *fa2_report_normalize(const cJSON *in);

/* Builds c (freshly initialised) from the report's causalChain, with the times written
 * with a zone shown at tz / tz_offset_min (fa2_report_local_time). FA2_ERR_PARSE when
 * the report has no chain; FA2_ERR_NOMEM. */
fa2_err fa2_report_chain_build(const cJSON *report, const fa2_tz *tz, int tz_offset_min, fa2_chain *c);

/* Appends the report as Markdown with headings in lang; times shown at tz_offset_min
 * (the window, and timeline entries written with a zone: fa2_report_local_time). A
 * non-empty causalChain is drawn as a ```mermaid flowchart followed by its text lines. */
fa2_err fa2_report_render_md(const cJSON *report, fa2_lang lang, int tz_offset_min, fa2_buf *out);
/* The same with times in the zone tz (not NULL): each at the offset in force then, and
 * the window followed by the zone's name ("(Asia/Tokyo, JST)") for an IANA zone. */
fa2_err fa2_report_render_md_tz(const cJSON *report, fa2_lang lang, const fa2_tz *tz, fa2_buf *out);
/* Appends the report as indented JSON followed by a newline. */
fa2_err fa2_report_render_json(const cJSON *report, fa2_buf *out);

#endif
