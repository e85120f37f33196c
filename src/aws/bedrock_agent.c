/* Agents for Amazon Bedrock: knowledge bases, data sources, ingestion jobs (see
 * bedrock_agent.h). */
#include "aws/bedrock_agent.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/time.h"

#define BA_REPLY_CAP (4u * 1024u * 1024u)

int fa2_ba_job_done(const fa2_ba_job *j)
{
	return strcmp(j->status, "COMPLETE") == 0 || strcmp(j->status, "FAILED") == 0 ||
	       strcmp(j->status, "STOPPED") == 0;
}

static void copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* 1 when s is a non-empty string that fits cap bytes with its NUL. */
static int fits(const char *s, size_t cap)
{
	return s && *s && strlen(s) < cap;
}

/* A timestamp member: the ISO 8601 string as sent, or epoch seconds formatted. */
static void copy_time(char *dst, size_t cap, const cJSON *o, const char *key)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, key);
	dst[0] = '\0';
	if (cJSON_IsString(t))
		copy(dst, cap, t->valuestring);
	else if (cJSON_IsNumber(t) && t->valuedouble > 0 && t->valuedouble < 1e11)
		fa2_time_format_rfc3339((int64_t)llround(t->valuedouble * 1000.0), 0, 0, dst, cap);
}

/* A count: an integer in [0, 2^53); anything else is malformed. Absent is 0. */
static int count(const cJSON *o, const char *key, uint64_t *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = 0;
	if (!n)
		return 0;
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= 0) || n->valuedouble > 9007199254740991.0 ||
	    floor(n->valuedouble) != n->valuedouble)
		return -1;
	*out = (uint64_t)n->valuedouble;
	return 0;
}

fa2_err fa2_ba_decode_list(const char *json, size_t len, const char *list_key, const char *id_key,
                           fa2_ba_list *out, char *next, size_t next_cap)
{
	cJSON *j = fa2_json_parse(fa2_slice_make(json, len), NULL);
	const cJSON *arr, *it;
	fa2_err e = FA2_OK;
	if (next_cap)
		next[0] = '\0';
	arr = cJSON_GetObjectItemCaseSensitive(j, list_key);
	if (!cJSON_IsObject(j) || (arr && !cJSON_IsArray(arr))) {
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	cJSON_ArrayForEach(it, arr) {
		fa2_ba_summary *s;
		const char *id = fa2_json_str(it, id_key);
		if (!fits(id, FA2_BA_MAX_ID))
			continue;
		if (out->n >= FA2_BA_MAX_LIST) {
			out->truncated = 1;
			break;
		}
		s = &out->items[out->n++];
		copy(s->id, sizeof s->id, id);
		copy(s->name, sizeof s->name, fa2_json_str(it, "name"));
		copy(s->status, sizeof s->status, fa2_json_str(it, "status"));
		copy_time(s->updated_at, sizeof s->updated_at, it, "updatedAt");
	}
	if (next_cap && fa2_json_str(j, "nextToken") && strlen(fa2_json_str(j, "nextToken")) < next_cap)
		copy(next, next_cap, fa2_json_str(j, "nextToken"));
cleanup:
	cJSON_Delete(j);
	return e;
}

fa2_err fa2_ba_decode_job(const char *json, size_t len, fa2_ba_job *out)
{
	cJSON *j = fa2_json_parse(fa2_slice_make(json, len), NULL);
	const cJSON *job = cJSON_GetObjectItemCaseSensitive(j, "ingestionJob"), *st, *r;
	fa2_err e = FA2_ERR_PARSE;
	memset(out, 0, sizeof *out);
	/* The ids are sent back in later requests: never a truncated or empty one. */
	if (!cJSON_IsObject(job) || !fits(fa2_json_str(job, "ingestionJobId"), sizeof out->job_id) ||
	    !fits(fa2_json_str(job, "status"), sizeof out->status))
		goto cleanup;
	copy(out->kb_id, sizeof out->kb_id, fa2_json_str(job, "knowledgeBaseId"));
	copy(out->ds_id, sizeof out->ds_id, fa2_json_str(job, "dataSourceId"));
	copy(out->job_id, sizeof out->job_id, fa2_json_str(job, "ingestionJobId"));
	copy(out->status, sizeof out->status, fa2_json_str(job, "status"));
	copy_time(out->started_at, sizeof out->started_at, job, "startedAt");
	copy_time(out->updated_at, sizeof out->updated_at, job, "updatedAt");
	st = cJSON_GetObjectItemCaseSensitive(job, "statistics");
	if (st) {
		if (!cJSON_IsObject(st) || count(st, "numberOfDocumentsScanned", &out->stats.scanned) ||
		    count(st, "numberOfMetadataDocumentsScanned", &out->stats.metadata_scanned) ||
		    count(st, "numberOfNewDocumentsIndexed", &out->stats.new_indexed) ||
		    count(st, "numberOfModifiedDocumentsIndexed", &out->stats.modified_indexed) ||
		    count(st, "numberOfMetadataDocumentsModified", &out->stats.metadata_modified) ||
		    count(st, "numberOfDocumentsDeleted", &out->stats.deleted) ||
		    count(st, "numberOfDocumentsFailed", &out->stats.failed))
			goto cleanup;
		out->has_stats = 1;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(job, "failureReasons")) {
		if (!cJSON_IsString(r))
			continue;
		if (out->n_reasons >= FA2_BA_MAX_REASONS)
			break;
		copy(out->reasons[out->n_reasons++], sizeof out->reasons[0], r->valuestring);
	}
	e = FA2_OK;
cleanup:
	cJSON_Delete(j);
	if (e)
		memset(out, 0, sizeof *out);
	return e;
}

/* One call with a JSON input built by the caller; the reply in *reply. */
static fa2_err call(fa2_aws_client *c, const char *op, const cJSON *in, fa2_buf *reply,
                    fa2_aws_error *err)
{
	const fa2_aws_service *svc = fa2_aws_service_find("bedrock-agent");
	fa2_buf body;
	fa2_err e;
	fa2_buf_init(&body, 64u * 1024u);
	e = svc ? fa2_json_append(&body, in) : FA2_ERR_INTERNAL;
	if (!e)
		e = fa2_aws_call(c, svc, op, fa2_buf_slice(&body), reply, err, NULL);
	fa2_buf_cleanup(&body);
	return e;
}

static fa2_err list_all(fa2_aws_client *c, const char *op, const char *kb_id, const char *list_key,
                        const char *id_key, fa2_ba_list *out, fa2_aws_error *err)
{
	char next[2048] = "";
	fa2_buf reply;
	unsigned page;
	fa2_err e = FA2_OK;
	memset(out, 0, sizeof *out);
	fa2_buf_init(&reply, BA_REPLY_CAP);
	for (page = 0; page < FA2_BA_MAX_PAGES; page++) {
		cJSON *in = cJSON_CreateObject();
		if (!in || !cJSON_AddNumberToObject(in, "maxResults", 100) ||
		    (kb_id && !cJSON_AddStringToObject(in, "knowledgeBaseId", kb_id)) ||
		    (next[0] && !cJSON_AddStringToObject(in, "nextToken", next))) {
			cJSON_Delete(in);
			e = FA2_ERR_NOMEM;
			break;
		}
		fa2_buf_reset(&reply);
		e = call(c, op, in, &reply, err);
		cJSON_Delete(in);
		if (!e)
			e = fa2_ba_decode_list(reply.data, reply.len, list_key, id_key, out, next, sizeof next);
		if (e || !next[0] || out->truncated)
			break;
	}
	if (!e && next[0])
		out->truncated = 1;
	fa2_buf_cleanup(&reply);
	return e;
}

fa2_err fa2_ba_list_knowledge_bases(fa2_aws_client *c, fa2_ba_list *out, fa2_aws_error *err)
{
	return list_all(c, "ListKnowledgeBases", NULL, "knowledgeBaseSummaries", "knowledgeBaseId", out,
	                err);
}

fa2_err fa2_ba_get_knowledge_base(fa2_aws_client *c, const char *kb_id, fa2_ba_summary *out,
                                  fa2_aws_error *err)
{
	cJSON *in = cJSON_CreateObject(), *j = NULL;
	const cJSON *kb;
	fa2_buf reply;
	fa2_err e = FA2_ERR_NOMEM;
	memset(out, 0, sizeof *out);
	fa2_buf_init(&reply, BA_REPLY_CAP);
	if (!in || !cJSON_AddStringToObject(in, "knowledgeBaseId", kb_id))
		goto cleanup;
	e = call(c, "GetKnowledgeBase", in, &reply, err);
	if (e)
		goto cleanup;
	j = fa2_json_parse(fa2_buf_slice(&reply), NULL);
	kb = cJSON_GetObjectItemCaseSensitive(j, "knowledgeBase");
	if (!fits(fa2_json_str(kb, "knowledgeBaseId"), FA2_BA_MAX_ID)) {
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	copy(out->id, sizeof out->id, fa2_json_str(kb, "knowledgeBaseId"));
	copy(out->name, sizeof out->name, fa2_json_str(kb, "name"));
	copy(out->status, sizeof out->status, fa2_json_str(kb, "status"));
	copy_time(out->updated_at, sizeof out->updated_at, kb, "updatedAt");
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(j);
	fa2_buf_cleanup(&reply);
	return e;
}

fa2_err fa2_ba_list_data_sources(fa2_aws_client *c, const char *kb_id, fa2_ba_list *out,
                                 fa2_aws_error *err)
{
	return list_all(c, "ListDataSources", kb_id, "dataSourceSummaries", "dataSourceId", out, err);
}

static fa2_err job_call(fa2_aws_client *c, const char *op, cJSON *in, fa2_ba_job *out,
                        fa2_aws_error *err)
{
	fa2_buf reply;
	fa2_err e;
	fa2_buf_init(&reply, BA_REPLY_CAP);
	e = call(c, op, in, &reply, err);
	if (!e)
		e = fa2_ba_decode_job(reply.data, reply.len, out);
	fa2_buf_cleanup(&reply);
	return e;
}

fa2_err fa2_ba_start_ingestion(fa2_aws_client *c, const char *kb_id, const char *ds_id,
                               const char *client_token, fa2_ba_job *out, fa2_aws_error *err)
{
	cJSON *in = cJSON_CreateObject();
	fa2_err e = FA2_ERR_NOMEM;
	memset(out, 0, sizeof *out);
	if (in && cJSON_AddStringToObject(in, "knowledgeBaseId", kb_id) &&
	    cJSON_AddStringToObject(in, "dataSourceId", ds_id) &&
	    (!client_token || cJSON_AddStringToObject(in, "clientToken", client_token)))
		e = job_call(c, "StartIngestionJob", in, out, err);
	cJSON_Delete(in);
	return e;
}

fa2_err fa2_ba_get_ingestion(fa2_aws_client *c, const char *kb_id, const char *ds_id,
                             const char *job_id, fa2_ba_job *out, fa2_aws_error *err)
{
	cJSON *in = cJSON_CreateObject();
	fa2_err e = FA2_ERR_NOMEM;
	memset(out, 0, sizeof *out);
	if (in && cJSON_AddStringToObject(in, "knowledgeBaseId", kb_id) &&
	    cJSON_AddStringToObject(in, "dataSourceId", ds_id) &&
	    cJSON_AddStringToObject(in, "ingestionJobId", job_id))
		e = job_call(c, "GetIngestionJob", in, out, err);
	cJSON_Delete(in);
	return e;
}
