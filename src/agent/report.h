/* The analysis report: a JSON document (schema: docs/report-schema.md) rendered as
 * Markdown in en or ja, or as JSON.
 *
 * The model writes the body (summary, rootCauses, impact, timeline, references, actions,
 * prevention, missing); fa2 normalises it (types, enums, sizes) and adds the envelope
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

#define FA2_REPORT_SCHEMA_VERSION 1
#define FA2_REPORT_MAX_ITEMS      50u      /* entries kept per list */
#define FA2_REPORT_MAX_STRING     16384u   /* bytes kept per string */

typedef enum fa2_report_status {
	FA2_REPORT_COMPLETE = 0,  /* the model finished and wrote the report */
	FA2_REPORT_INCOMPLETE,    /* the model wrote it after a forced stop (cycles, repeats) */
	FA2_REPORT_PARTIAL        /* the model could not write it: fa2 assembled what it had */
} fa2_report_status;

const char *fa2_report_status_name(fa2_report_status s);

/* Finds the JSON object in a model answer (bare, in a ``` fence, or with prose around
 * it) and returns its normalised body; NULL with FA2_ERR_PARSE when there is none. */
cJSON *fa2_report_parse_model(fa2_slice text, fa2_err *err);

/* Returns a new normalised body from any JSON value: known keys only, strings capped,
 * severity/confidence mapped to high|medium|low ("unknown" when absent or unmappable),
 * lists capped at FA2_REPORT_MAX_ITEMS. Never NULL except on no memory. */
cJSON *fa2_report_normalize(const cJSON *in);

/* Appends the report as Markdown with headings in lang; times shown at tz_offset_min. */
fa2_err fa2_report_render_md(const cJSON *report, fa2_lang lang, int tz_offset_min, fa2_buf *out);
/* The same with times in the zone tz (not NULL): each at the offset in force then, and
 * the window followed by the zone's name ("(Asia/Tokyo, JST)") for an IANA zone. */
fa2_err fa2_report_render_md_tz(const cJSON *report, fa2_lang lang, const fa2_tz *tz, fa2_buf *out);
/* Appends the report as indented JSON followed by a newline. */
fa2_err fa2_report_render_json(const cJSON *report, fa2_buf *out);

#endif
