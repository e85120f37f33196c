/* src/aws/bedrock_agent.c: reply decoders (documented shapes, moto's epoch timestamps,
 * counts checked to be integers in [0, 2^53), caps). The requests themselves are checked
 * by the strict double of t_kb_sync. */
#include <stdio.h>
#include <string.h>

#include "aws/bedrock_agent.h"
#include "test.h"

static fa2_err job_of(const char *json, fa2_ba_job *j)
{
	return fa2_ba_decode_job(json, strlen(json), j);
}

FA2_TEST(bedrock_agent_decode_list)
{
	static const char page[] =
		"{\"knowledgeBaseSummaries\":[{\"knowledgeBaseId\":\"KB12345678\",\"name\":\"Dev-fa2-knowledge-base\","
		"\"status\":\"ACTIVE\",\"updatedAt\":\"2026-03-01T00:00:00Z\"},{\"name\":\"no id\"},"
		"{\"knowledgeBaseId\":\"KB2\",\"name\":\"moto\",\"status\":\"Active\",\"updatedAt\":1796409335.3}],"
		"\"nextToken\":\"tok-1\"}";
	fa2_ba_list l;
	char next[64];
	memset(&l, 0, sizeof l);
	CHECK_OK(fa2_ba_decode_list(page, strlen(page), "knowledgeBaseSummaries", "knowledgeBaseId", &l, next,
	                            sizeof next));
	CHECK_INT_EQ(l.n, 2);
	CHECK_STR_EQ(l.items[0].id, "KB12345678");
	CHECK_STR_EQ(l.items[0].name, "Dev-fa2-knowledge-base");
	CHECK_STR_EQ(l.items[0].updated_at, "2026-03-01T00:00:00Z");
	CHECK_STR_EQ(l.items[1].updated_at, "2026-12-04T18:35:35Z");
	CHECK_STR_EQ(next, "tok-1");
	CHECK_OK(fa2_ba_decode_list("{\"nextToken\":null}", 18, "knowledgeBaseSummaries", "knowledgeBaseId", &l,
	                            next, sizeof next));
	CHECK_STR_EQ(next, "");
	CHECK_INT_EQ(fa2_ba_decode_list("[]", 2, "x", "y", &l, next, sizeof next), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ba_decode_list("{\"dataSourceSummaries\":{}}", 26, "dataSourceSummaries", "dataSourceId",
	                                &l, next, sizeof next), FA2_ERR_PARSE);
}

FA2_TEST(bedrock_agent_decode_job)
{
	static const char job[] =
		"{\"ingestionJob\":{\"knowledgeBaseId\":\"KB1\",\"dataSourceId\":\"DS1\",\"ingestionJobId\":\"JOB1\","
		"\"status\":\"FAILED\",\"statistics\":{\"numberOfDocumentsScanned\":9007199254740991,"
		"\"numberOfNewDocumentsIndexed\":2,\"numberOfDocumentsFailed\":1},\"failureReasons\":[\"a\",\"b\",3,"
		"\"c\",\"d\",\"e\",\"f\"],\"startedAt\":\"2026-03-01T00:00:00Z\",\"updatedAt\":\"2026-03-01T00:01:00Z\"}}";
	fa2_ba_job j;
	CHECK_OK(fa2_ba_decode_job(job, strlen(job), &j));
	CHECK_STR_EQ(j.job_id, "JOB1");
	CHECK_STR_EQ(j.status, "FAILED");
	CHECK(fa2_ba_job_done(&j));
	CHECK(j.has_stats && j.stats.scanned == 9007199254740991ULL && j.stats.new_indexed == 2 && j.stats.failed == 1);
	CHECK_INT_EQ(j.n_reasons, FA2_BA_MAX_REASONS);
	CHECK_STR_EQ(j.reasons[2], "c");
	/* Counts that are not integers in range make the reply malformed. */
	CHECK_INT_EQ(job_of("{\"ingestionJob\":{\"ingestionJobId\":\"J\",\"status\":\"COMPLETE\","
	                               "\"statistics\":{\"numberOfDocumentsScanned\":1e300}}}", &j), FA2_ERR_PARSE);
	CHECK_INT_EQ(job_of("{\"ingestionJob\":{\"ingestionJobId\":\"J\",\"status\":\"COMPLETE\","
	                               "\"statistics\":{\"numberOfDocumentsScanned\":-1}}}", &j), FA2_ERR_PARSE);
	CHECK_INT_EQ(job_of("{\"ingestionJob\":{\"ingestionJobId\":\"J\",\"status\":\"COMPLETE\","
	                               "\"statistics\":{\"numberOfDocumentsScanned\":1.5}}}", &j), FA2_ERR_PARSE);
	CHECK_INT_EQ(job_of("{\"ingestionJob\":{\"status\":\"COMPLETE\"}}", &j), FA2_ERR_PARSE);
	CHECK_OK(job_of("{\"ingestionJob\":{\"ingestionJobId\":\"J\",\"status\":\"IN_PROGRESS\"}}", &j));
	CHECK(!fa2_ba_job_done(&j) && !j.has_stats);
}
