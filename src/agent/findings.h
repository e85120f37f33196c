/* The /findings-report engine (also `fa2 findings-report`): the account's active security
 * findings summarised into a Markdown report.
 *
 * GuardDuty: ListDetectors (unless detectorId is configured), ListFindings (not archived,
 * updatedAt descending, 50), GetFindings. Security Hub: GetFindings (RecordState ACTIVE,
 * WorkflowStatus NEW, UpdatedAt descending, 50). Counts by severity are computed here; one
 * model call writes the report (Overview, High Severity Issues, Recommended Actions,
 * Detailed Findings by severity, Next Steps). When that call fails the report is rendered
 * from the local summary and says that the model was unavailable. */
#ifndef FA2_AGENT_FINDINGS_H
#define FA2_AGENT_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/config.h"
#include "agent/prompts.h"
#include "base/buf.h"
#include "base/err.h"
#include "llm/llm.h"

#define FA2_FINDINGS_MAX        50u   /* per source, as the sample */
#define FA2_FINDINGS_TEXT_BYTES 512u  /* title / resource kept per finding */

typedef enum fa2_sev {
	FA2_SEV_CRITICAL = 0, FA2_SEV_HIGH, FA2_SEV_MEDIUM, FA2_SEV_LOW, FA2_SEV_INFO, FA2_SEV__COUNT
} fa2_sev;

typedef enum fa2_finding_src { FA2_SRC_GUARDDUTY = 0, FA2_SRC_SECURITYHUB, FA2_SRC__COUNT } fa2_finding_src;

typedef struct fa2_finding {
	fa2_finding_src src;
	fa2_sev sev;
	char title[FA2_FINDINGS_TEXT_BYTES];
	char type[256];
	char resource[FA2_FINDINGS_TEXT_BYTES];
	char updated[40];
	long count;                     /* GuardDuty Service.Count (0 when unknown) */
} fa2_finding;

typedef struct fa2_findings_summary {
	fa2_finding items[FA2_FINDINGS_MAX * FA2_SRC__COUNT];
	size_t n;
	unsigned counts[FA2_SRC__COUNT][FA2_SEV__COUNT];
	int ok[FA2_SRC__COUNT];         /* the source answered */
	char error[FA2_SRC__COUNT][512];/* why it did not */
} fa2_findings_summary;

typedef struct fa2_findings_req {
	const fa2_config *cfg;        /* region, detectorId, sampling (borrowed) */
	fa2_llm_provider *llm;        /* borrowed */
	const fa2_prompts *prompts;   /* borrowed */
	fa2_lang lang;
	int64_t now_ms;               /* 0: now */
	int64_t deadline_mono_ms;
} fa2_findings_req;

/* Collects the findings, asks the model and appends the Markdown report to md.
 * *model_ok (may be NULL) says whether the model wrote it. When neither service
 * answered returns FA2_ERR_AWS with both reasons in msg; the summary (may be NULL) is
 * filled either way. The summary is large: heap-allocate it. */
fa2_err fa2_findings_run(const fa2_findings_req *r, fa2_buf *md, fa2_findings_summary *sum,
			 int *model_ok, char *msg, size_t cap);

/* ---- pieces, exposed for tests ---- */

const char *fa2_sev_name(fa2_sev s);  /* "CRITICAL", "HIGH", ... */
/* GuardDuty's numeric severity: 9.0+ critical, 7.0+ high, 4.0+ medium, 1.0+ low, else
 * informational. */
fa2_sev fa2_findings_gd_severity(double v);
/* Security Hub's Severity.Label (or, without one, Normalized 0..100). */
fa2_sev fa2_findings_sh_severity(const cJSON *severity);
/* Adds GetFindings' findings of one source (an array; NULL is fine) to s, counting
 * them by severity and keeping at most FA2_FINDINGS_MAX per source; marks the source ok. */
void fa2_findings_add(fa2_findings_summary *s, fa2_finding_src src, const cJSON *findings);
/* The summary as the model's input (counts, then one line per finding, by severity). */
fa2_err fa2_findings_render_summary(const fa2_findings_summary *s, fa2_buf *out);
/* The report without a model: the five sections from the summary; why says what
 * happened to the model. */
fa2_err fa2_findings_render_fallback(const fa2_findings_summary *s, fa2_lang lang, const char *generated,
				     const char *why, fa2_buf *out);

#endif
