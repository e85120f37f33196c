/* Unit tests for the analysis API's outcome: error classification (AWS error codes,
 * provider error types and HTTP statuses to classes) and the en/ja failure texts. */
#include <stdio.h>
#include <string.h>

#include "agent/run.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "test.h"

FA2_TEST(run_classify_codes_and_statuses)
{
	static const struct {
		fa2_err e;
		int status;
		const char *code, *message;
		fa2_run_errclass want;
	} cases[] = {
		{ FA2_ERR_LLM, 403, "AccessDeniedException",
		  "You don't have access to the model with the specified model ID.", FA2_RUN_ERR_MODEL_ACCESS },
		{ FA2_ERR_LLM, 403, "", "", FA2_RUN_ERR_MODEL_ACCESS },
		{ FA2_ERR_AUTH, 403, "AccessDeniedException", "The security token included in the request is expired",
		  FA2_RUN_ERR_CREDENTIALS },
		{ FA2_ERR_AUTH, 403, "UnrecognizedClientException", "The security token included in the request is invalid.",
		  FA2_RUN_ERR_CREDENTIALS },
		{ FA2_ERR_AUTH, 403, "ExpiredTokenException", "", FA2_RUN_ERR_CREDENTIALS },
		{ FA2_ERR_AUTH, 401, "invalid_api_key", "Incorrect API key provided", FA2_RUN_ERR_CREDENTIALS },
		{ FA2_ERR_AUTH, 0, NULL, NULL, FA2_RUN_ERR_CREDENTIALS },
		{ FA2_ERR_LLM, 400, "ValidationException", "The provided model identifier is invalid.",
		  FA2_RUN_ERR_MODEL_NOT_FOUND },
		{ FA2_ERR_LLM, 400, "ValidationException",
		  "Invocation of model ID x with on-demand throughput isn't supported.", FA2_RUN_ERR_MODEL_NOT_FOUND },
		{ FA2_ERR_LLM, 400, "ValidationException", "messages.0: field required", FA2_RUN_ERR_INTERNAL },
		{ FA2_ERR_LLM, 404, "ResourceNotFoundException", "Model not found.", FA2_RUN_ERR_MODEL_NOT_FOUND },
		{ FA2_ERR_LLM, 404, "model_not_found", "The model `gpt-x` does not exist", FA2_RUN_ERR_MODEL_NOT_FOUND },
		{ FA2_ERR_AWS, 400, "ResourceNotFoundException", "The specified log group does not exist.",
		  FA2_RUN_ERR_LOG_GROUP },
		{ FA2_ERR_THROTTLED, 429, "ThrottlingException", "Too many requests", FA2_RUN_ERR_THROTTLED },
		{ FA2_ERR_THROTTLED, 0, NULL, NULL, FA2_RUN_ERR_THROTTLED },
		{ FA2_ERR_AGAIN, 503, "ServiceUnavailableException", "", FA2_RUN_ERR_THROTTLED },
		{ FA2_ERR_LLM, 429, "rate_limit_exceeded", "", FA2_RUN_ERR_THROTTLED },
		{ FA2_ERR_AGAIN, 500, "InternalServerException", "", FA2_RUN_ERR_INTERNAL },
		{ FA2_ERR_NET, 0, NULL, NULL, FA2_RUN_ERR_NETWORK },
		{ FA2_ERR_DNS, 0, NULL, NULL, FA2_RUN_ERR_NETWORK },
		{ FA2_ERR_TLS, 0, NULL, NULL, FA2_RUN_ERR_NETWORK },
		{ FA2_ERR_TIMEOUT, 0, NULL, NULL, FA2_RUN_ERR_NETWORK },
		{ FA2_ERR_IO, 0, NULL, NULL, FA2_RUN_ERR_STORAGE },
		{ FA2_ERR_CONFIG, 0, NULL, NULL, FA2_RUN_ERR_CONFIG },
		{ FA2_ERR_NOMEM, 0, NULL, NULL, FA2_RUN_ERR_INTERNAL },
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fa2_run_errclass got = fa2_run_classify(cases[i].e, cases[i].status, cases[i].code, cases[i].message);
		CHECK_MSG(got == cases[i].want, "case %zu (%s, %d): got %s, want %s", i,
			  cases[i].code ? cases[i].code : "-", cases[i].status, fa2_run_errclass_name(got),
			  fa2_run_errclass_name(cases[i].want));
	}
	CHECK_STR_EQ(fa2_run_errclass_name(FA2_RUN_ERR_MODEL_ACCESS), "model_access_denied");
	CHECK_STR_EQ(fa2_run_status_name(FA2_RUN_FAILED), "failed");
	CHECK_STR_EQ(fa2_run_trigger_name(FA2_RUN_TRIGGER_SLACK), "slack");
}

static void render(const fa2_run_failure *f, fa2_lang lang, fa2_buf *b)
{
	fa2_buf_reset(b);
	CHECK_OK(fa2_run_failure_render(f, lang, b));
}

FA2_TEST(run_failure_texts_en_ja)
{
	fa2_run_failure f;
	fa2_buf b, other;
	unsigned c;
	memset(&f, 0, sizeof f);
	fa2_buf_init(&b, 1u << 16);
	fa2_buf_init(&other, 1u << 16);
	f.cls = FA2_RUN_ERR_MODEL_ACCESS;
	f.http_status = 403;
	snprintf(f.code, sizeof f.code, "AccessDeniedException");
	snprintf(f.message, sizeof f.message, "You don't have access to the model with the specified model ID.");
	snprintf(f.model, sizeof f.model, "anthropic.claude-3-haiku-20240307-v1:0");
	snprintf(f.provider, sizeof f.provider, "bedrock");
	snprintf(f.region, sizeof f.region, "ap-northeast-1");
	render(&f, FA2_LANG_EN, &b);
	CHECK_MSG(strstr(b.data, "The model denied access") != NULL, "%s", b.data);
	CHECK_MSG(strstr(b.data, "Model: anthropic.claude-3-haiku-20240307-v1:0 (bedrock), region ap-northeast-1") != NULL,
		  "%s", b.data);
	CHECK_MSG(strstr(b.data, "Error: AccessDeniedException (HTTP 403): You don't have access") != NULL, "%s", b.data);
	CHECK_MSG(strstr(b.data, "What to do: Enable access to this model") != NULL, "%s", b.data);
	render(&f, FA2_LANG_JA, &b);
	CHECK_MSG(strstr(b.data, "モデルが fa2 のアクセスを拒否しました") != NULL, "%s", b.data);
	CHECK_MSG(strstr(b.data, "モデル: anthropic.claude-3-haiku-20240307-v1:0（bedrock）、リージョン: ap-northeast-1") != NULL,
		  "%s", b.data);
	CHECK_MSG(strstr(b.data, "エラー: AccessDeniedException（HTTP 403）") != NULL, "%s", b.data);
	CHECK_MSG(strstr(b.data, "対処: Amazon Bedrock コンソール") != NULL, "%s", b.data);
	/* an OpenAI-compatible server gets its own fix */
	snprintf(f.provider, sizeof f.provider, "openai");
	render(&f, FA2_LANG_EN, &b);
	CHECK_MSG(strstr(b.data, "llm.apiKeyEnv") != NULL && strstr(b.data, "Bedrock console") == NULL, "%s", b.data);
	/* every class: a title and a fix in both languages, different from each other */
	for (c = FA2_RUN_ERR_MODEL_ACCESS; c < FA2_RUN_ERR__COUNT; c++) {
		memset(&f, 0, sizeof f);
		f.cls = (fa2_run_errclass)c;
		render(&f, FA2_LANG_EN, &b);
		CHECK_MSG(b.len > 40 && strstr(b.data, "What to do: ") != NULL, "class %u en: %s", c, b.data ? b.data : "");
		fa2_buf_reset(&other);
		CHECK_OK(fa2_run_failure_render(&f, FA2_LANG_JA, &other));
		CHECK_MSG(other.len > 40 && strstr(other.data, "対処: ") != NULL, "class %u ja", c);
		CHECK_MSG(strcmp(b.data, other.data) != 0, "class %u: ja is the English text", c);
	}
	/* nothing for a run without a failure */
	memset(&f, 0, sizeof f);
	render(&f, FA2_LANG_EN, &b);
	CHECK_INT_EQ(b.len, 0);
	/* a storage failure names the directory */
	f.cls = FA2_RUN_ERR_STORAGE;
	snprintf(f.subject, sizeof f.subject, "/var/lib/fa2/sessions/x");
	snprintf(f.message, sizeof f.message, "cannot write journal.jsonl of session x");
	render(&f, FA2_LANG_EN, &b);
	CHECK_MSG(strstr(b.data, "Concerns: /var/lib/fa2/sessions/x") != NULL, "%s", b.data);
	CHECK_MSG(strstr(b.data, "state directory") != NULL, "%s", b.data);
	fa2_buf_cleanup(&b);
	fa2_buf_cleanup(&other);
}

/* Requests that cannot run fail with a class, the facts and no session left behind. */
FA2_TEST(run_unusable_requests_fail_with_a_class)
{
	fa2_config cfg;
	fa2_run_request rq;
	fa2_run_outcome oc;
	char dir[1024];
	CHECK_OK(fa2_config_init(&cfg));
	snprintf(dir, sizeof dir, "%s/run-state", fa2_test_tmpdir());
	fa2_free(cfg.state_dir);
	cfg.state_dir = fa2_strdup(dir);
	CHECK(cfg.state_dir != NULL);
	memset(&rq, 0, sizeof rq);
	rq.cfg = &cfg;
	rq.event = "checkout errors";
	rq.from_ms = 1795593600000LL;
	rq.to_ms = rq.from_ms + 1800000;

	/* a prompt directory that does not exist: config, usage, no session */
	rq.prompts_dir = "/nonexistent/fa2-prompts";
	fa2_run_outcome_init(&oc);
	CHECK_INT_EQ(fa2_run_analysis(&rq, &oc), FA2_RUN_FAILED);
	CHECK_INT_EQ(oc.failure.cls, FA2_RUN_ERR_CONFIG);
	CHECK(oc.usage);
	CHECK_MSG(strstr(oc.failure.message, "/nonexistent/fa2-prompts") != NULL, "%s", oc.failure.message);
	CHECK(oc.session_id[0] == '\0' && oc.report == NULL && oc.markdown.len == 0);
	CHECK_STR_EQ(oc.failure.provider, "bedrock");
	CHECK(oc.failure.model[0] != '\0');
	fa2_run_outcome_cleanup(&oc);
	rq.prompts_dir = NULL;

	/* an OpenAI-compatible provider whose key variable is unset */
	cfg.llm_provider = FA2_LLM_OPENAI;
	cfg.llm_endpoint = fa2_strdup("http://127.0.0.1:9/v1");
	cfg.llm_api_key_env = fa2_strdup("FA2_TEST_RUN_NO_SUCH_KEY");
	fa2_run_outcome_init(&oc);
	CHECK_INT_EQ(fa2_run_analysis(&rq, &oc), FA2_RUN_FAILED);
	CHECK_INT_EQ(oc.failure.cls, FA2_RUN_ERR_CONFIG);
	CHECK_MSG(strstr(oc.failure.message, "FA2_TEST_RUN_NO_SUCH_KEY") != NULL, "%s", oc.failure.message);
	CHECK_STR_EQ(oc.failure.provider, "openai");
	fa2_run_outcome_cleanup(&oc);

	/* a session to resume that does not exist */
	rq.resume_id = "20261125-080000-00000000";
	fa2_run_outcome_init(&oc);
	CHECK_INT_EQ(fa2_run_analysis(&rq, &oc), FA2_RUN_FAILED);
	CHECK_INT_EQ(oc.failure.cls, FA2_RUN_ERR_CONFIG);
	CHECK(oc.usage);
	fa2_run_outcome_cleanup(&oc);
	fa2_config_cleanup(&cfg);
}
