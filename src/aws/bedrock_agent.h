/* Agents for Amazon Bedrock (service "bedrock-agent", restJson1, SigV4 name "bedrock"):
 * the knowledge-base operations fa2 uses: ListKnowledgeBases, ListDataSources,
 * StartIngestionJob and GetIngestionJob (`fa2 kb list`, `fa2 kb sync`, `fa2 config
 * import`'s knowledge base lookup). Every call goes through fa2's AWS client (retries,
 * deadlines); every number in a reply is checked to be an integer in [0, 2^53). */
#ifndef FA2_AWS_BEDROCK_AGENT_H
#define FA2_AWS_BEDROCK_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/err.h"

#define FA2_BA_MAX_ID      128u   /* knowledge base, data source and job ids (10 chars today) */
#define FA2_BA_MAX_NAME    256u
#define FA2_BA_MAX_LIST    256u   /* entries kept from a listing */
#define FA2_BA_MAX_PAGES   50u
#define FA2_BA_MAX_REASONS 5u     /* failureReasons kept */

typedef struct fa2_ba_summary {
	char id[FA2_BA_MAX_ID];
	char name[FA2_BA_MAX_NAME];
	char status[32];              /* ACTIVE, CREATING, ... / AVAILABLE, DELETING, ... */
	char updated_at[40];          /* as the service wrote it */
} fa2_ba_summary;

typedef struct fa2_ba_list {
	fa2_ba_summary items[FA2_BA_MAX_LIST];
	size_t n;
	int truncated;                /* more existed than FA2_BA_MAX_LIST or the page cap */
} fa2_ba_list;

typedef struct fa2_ba_stats {
	uint64_t scanned, metadata_scanned, new_indexed, modified_indexed, metadata_modified,
	         deleted, failed;
} fa2_ba_stats;

typedef struct fa2_ba_job {
	char kb_id[FA2_BA_MAX_ID], ds_id[FA2_BA_MAX_ID], job_id[FA2_BA_MAX_ID];
	char status[32];              /* STARTING, IN_PROGRESS, COMPLETE, FAILED, STOPPING, STOPPED */
	int has_stats;
	fa2_ba_stats stats;
	char reasons[FA2_BA_MAX_REASONS][512];
	size_t n_reasons;
	char started_at[40], updated_at[40];
} fa2_ba_job;

/* 1 for COMPLETE, FAILED and STOPPED (the job will not change any more). */
int fa2_ba_job_done(const fa2_ba_job *j);

/* Every knowledge base (all pages, up to the caps). err may be NULL. */
fa2_err fa2_ba_list_knowledge_bases(fa2_aws_client *c, fa2_ba_list *out, fa2_aws_error *err);
/* One knowledge base (GetKnowledgeBase): id, name, status, updatedAt. */
fa2_err fa2_ba_get_knowledge_base(fa2_aws_client *c, const char *kb_id, fa2_ba_summary *out,
                                  fa2_aws_error *err);
/* Every data source of a knowledge base. */
fa2_err fa2_ba_list_data_sources(fa2_aws_client *c, const char *kb_id, fa2_ba_list *out,
                                 fa2_aws_error *err);
/* Starts an ingestion job; client_token (may be NULL) makes a retried start a no-op. */
fa2_err fa2_ba_start_ingestion(fa2_aws_client *c, const char *kb_id, const char *ds_id,
                               const char *client_token, fa2_ba_job *out, fa2_aws_error *err);
fa2_err fa2_ba_get_ingestion(fa2_aws_client *c, const char *kb_id, const char *ds_id,
                             const char *job_id, fa2_ba_job *out, fa2_aws_error *err);

/* Decoders, exposed for tests and fuzzing: a ListKnowledgeBases / ListDataSources reply's
 * summaries appended to out
 * (list_key "knowledgeBaseSummaries" or "dataSourceSummaries", id_key "knowledgeBaseId" or
 * "dataSourceId"); *next gets nextToken (cap next_cap; "" when none). And an
 * {"ingestionJob": {...}} reply. FA2_ERR_PARSE for a reply that is not of that shape. */
fa2_err fa2_ba_decode_list(const char *json, size_t len, const char *list_key, const char *id_key,
                           fa2_ba_list *out, char *next, size_t next_cap);
fa2_err fa2_ba_decode_job(const char *json, size_t len, fa2_ba_job *out);

#endif
