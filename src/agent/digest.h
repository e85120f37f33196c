/* The triage digest of the window as the agent's first observation (docs/agent.md):
 * the same engine `fa2 triage` runs (src/triage), over the same data the tools read (a
 * snapshot directory, or AWS through the capture's memory sink), rendered as Markdown
 * within a byte budget under a short header in the analysis's language. */
#ifndef FA2_AGENT_DIGEST_H
#define FA2_AGENT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "agent/tool.h"
#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"

struct fa2_config;

/* Live capture budgets: the digest is an overview, the tools go deeper. */
#define FA2_DIGEST_LOG_QUERIES 24u     /* at most, whatever the budget */
#define FA2_DIGEST_PAGES       20u
#define FA2_DIGEST_MIN_BYTES   1024u

typedef struct fa2_digest_source {
	const char *snapshot_dir;          /* read this snapshot; NULL: AWS through aws */
	fa2_aws_client *aws;               /* live (borrowed); NULL with snapshot_dir */
	const struct fa2_config *cfg;      /* log groups, X-Ray (live); may be NULL */
	const char *alarm;                 /* alarm name (live capture reads its metric); may be NULL */
	int64_t budget_ms;                 /* live: Logs Insights waits in all (queries times
	                                    * their poll timeout, 10 s each); 0: 30 s */
} fa2_digest_source;

/* Runs triage over [from_ms, to_ms] and appends the header and the digest to out, in at
 * most budget_bytes (>= FA2_DIGEST_MIN_BYTES) in all. On failure nothing usable is
 * appended and why gets a one-line reason (English, for the note and the log). */
fa2_err fa2_digest_build(const fa2_digest_source *src, int64_t from_ms, int64_t to_ms, fa2_lang lang,
			 size_t budget_bytes, fa2_buf *out, char *why, size_t why_cap);

/* Appends the header the digest goes under, in lang (exposed for tests). */
fa2_err fa2_digest_header(fa2_lang lang, fa2_buf *out);

#endif
