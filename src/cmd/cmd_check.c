/* fa2 check: the doctor. Checks, in order, what an analysis needs and says plainly what
 * is wrong: the config file, the CA bundle, the AWS region and credentials (STS
 * GetCallerIdentity), the clock against AWS's, every configured log group, and the Slack
 * token. Each check prints one line: "ok", "warn", "FAIL" or "skip" with the detail.
 * Exit 0 when nothing failed, 1 when a check failed, 2 for usage errors. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ask.h"
#include "agent/config.h"
#include "aws/logs.h"
#include "aws/bedrock_agent.h"
#include "aws/shared.h"
#include "aws/session.h"
#include "aws/dynamodb.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/slice.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "serve/secrets.h"
#include "serve/sns.h"
#include "slack/webapi.h"
#include "net/tls.h"
#include "llm/llm.h"
#include "agent/model.h"
#include "base/msg.h"

/* Clock skew beyond this is a failure: SigV4 requests are rejected past 5 minutes. */
#define CHECK_SKEW_FAIL_MS (4LL * 60 * 1000)
#define CHECK_SKEW_WARN_MS (30LL * 1000)

struct tally {
	int failed, warned;
	int lang; /* of the texts (base/msg.h): the configuration's language once it is read */
};

static void report(struct tally *t, const char *status, const char *what, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static void report(struct tally *t, const char *status, const char *what, const char *fmt, ...)
{
	va_list ap;
	if (strcmp(status, "FAIL") == 0)
		t->failed++;
	else if (strcmp(status, "warn") == 0)
		t->warned++;
	printf("%-4s %-12s ", status, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 check [--config FILE] [--profile NAME] [--region REGION] [--timeout SECONDS]\n"
		"                 [--offline] [--model]\n"
		"\n"
		"Checks what an analysis needs and prints one line per check (ok, warn, FAIL, skip):\n"
		"  config       the config file parses and validates (--config or FA2_CONFIG)\n"
		"  ca-bundle    a CA bundle loads (AWS_CA_BUNDLE, SSL_CERT_FILE or the system's)\n"
		"  profile      the AWS profile and where it comes from (--profile, AWS_PROFILE, ...)\n"
		"  region       the AWS region, where it comes from (--region, the config file's\n"
		"               env.region, AWS_REGION, the profile, IMDS) and that it is a real\n"
		"               region name of a partition (aws, aws-cn, aws-us-gov, aws-iso*)\n"
		"  credentials  STS GetCallerIdentity with the credential chain (prints the identity)\n"
		"  clock        this host's clock against AWS's (SigV4 fails beyond 5 minutes)\n"
		"  log-group    each configured cwLogsLogGroups entry exists (DescribeLogGroups)\n"
		"  knowledge-base  with knowledgeBase: knowledgeBaseId names an ACTIVE knowledge base\n"
		"               (Bedrock GetKnowledgeBase; a missing id fails the config check with the fix)\n"
		"  store        with store.kind dynamodb: the table exists and is ACTIVE, its key\n"
		"               schema is pk (S) + sk (S), TTL is enabled on expires\n"
		"  slack        SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET / SLACK_APP_TOKEN are set and\n"
		"               well-formed; the secrets slackAppTokenKey / slackSigningSecretKey\n"
		"               name can be read (Secrets Manager) and the bot token is valid\n"
		"               (Slack auth.test)\n"
		"  sns          with an \"sns\" object: its topics and channels are valid (the POST /sns\n"
		"               route of fa2 serve), and a bot token is there to post the alarms\n"
		"\n"
		"  model        with --model: one short call to the configured model (Bedrock\n"
		"               Converse or the OpenAI-compatible endpoint), a few tokens, proving\n"
		"               model access (AccessDeniedException, a wrong modelId, ...)\n"
		"\n"
		"  --offline    only the checks that need no network (config, ca-bundle, slack, sns)\n"
		"  --model      also call the model once (costs a few tokens)\n"
		"\n"
		"Exit status: 0 nothing failed, 1 a check failed, 2 usage error.\n");
}

/* The "sns" object of the config file (serve/sns.h): fa2 serve refuses to start with a
 * bad one, so say it here with the same sentence. */
static void check_sns(struct tally *t, const char *path, const fa2_config *c)
{
	static fa2_serve_sns_config sc;
	fa2_buf text;
	char msg[768];
	size_t i;
	fa2_buf_init(&text, FA2_MAX_CONFIG_BYTES);
	if (fa2_file_read_all(path, &text) != FA2_OK) {
		fa2_buf_cleanup(&text);
		return; /* the config check has said why */
	}
	if (fa2_serve_sns_config_parse(fa2_buf_slice(&text), path, &sc, msg, sizeof msg) != FA2_OK) {
		report(t, "FAIL", "sns", "%s", msg);
	} else if (sc.n_topics) {
		for (i = 0; i < sc.n_topics; i++)
			report(t, "ok", "sns", fa2_msg(t->lang, "cmd.check.sns_topic"), sc.path, sc.topics[i].arn,
			       fa2_msg(t->lang, sc.topics[i].analyze ? "cmd.check.sns_analyze" : "cmd.check.sns_form"),
			       sc.topics[i].channel);
		if (!getenv("SLACK_BOT_TOKEN") && !(c->slack_app_token_key && *c->slack_app_token_key))
			report(t, "FAIL", "sns", "%s", fa2_msg(t->lang, "cmd.check.sns_no_bot_token"));
	}
	fa2_buf_cleanup(&text);
}

/* Secrets Manager and auth.test (not with --offline). */
static void check_slack_online(struct tally *t, const fa2_config *c)
{
	fa2_serve_secrets sec;
	fa2_slack_identity id;
	fa2_slack_api api;
	char msg[768], code[64] = "";
	fa2_err e;

	fa2_serve_secrets_init(&sec);
	e = fa2_serve_secrets_load(c, &sec, msg, sizeof msg);
	if (e) {
		report(t, "FAIL", "slack", "%s", msg);
		goto cleanup;
	}
	if (strncmp(sec.token_from, "Secrets Manager", 15) == 0)
		report(t, "ok", "slack", fa2_msg(t->lang, "cmd.check.bot_token_read_from"), sec.token_from);
	if (strncmp(sec.signing_from, "Secrets Manager", 15) == 0)
		report(t, "ok", "slack", fa2_msg(t->lang, "cmd.check.signing_secret_read_from"), sec.signing_from);
	if (!sec.token_from[0])
		goto cleanup;
	fa2_slack_api_init(&api, (const char *)sec.token.data);
	api.timeout_ms = 10000;
	e = fa2_slack_auth_test(&api, &id, code);
	if (!e)
		report(t, "ok", "slack", fa2_msg(t->lang, "cmd.check.auth_test_the_bot_token"),
		       sec.token_from, id.user_id, id.team_id, id.team);
	else if (code[0])
		report(t, "FAIL", "slack", fa2_msg(t->lang, "cmd.check.auth_test_slack_refused_the"), sec.token_from,
		       code);
	else
		report(t, "FAIL", "slack", fa2_msg(t->lang, "cmd.check.auth_test_is_reachable"), fa2_err_str(e),
				api.base);
cleanup:
	fa2_serve_secrets_cleanup(&sec);
}

static void check_slack(struct tally *t, int configured)
{
	static const struct {
		const char *env, *prefix, *what;
	} toks[] = {
		{ "SLACK_BOT_TOKEN", "xoxb-", "bot token" },
		{ "SLACK_APP_TOKEN", "xapp-", "app-level token (Socket Mode)" },
	};
	const char *secret = getenv("SLACK_SIGNING_SECRET");
	size_t i;
	int any = 0;
	for (i = 0; i < sizeof toks / sizeof toks[0]; i++) {
		const char *v = getenv(toks[i].env);
		if (!v || !*v)
			continue;
		any = 1;
		fa2_log_add_secret(fa2_slice_cstr(v));
		if (strncmp(v, toks[i].prefix, strlen(toks[i].prefix)) != 0)
			report(t, "FAIL", "slack", fa2_msg(t->lang, "cmd.check.does_not_look_like_a"),
					toks[i].env, toks[i].what, toks[i].prefix);
		else
			report(t, "ok", "slack", fa2_msg(t->lang, "cmd.check.is_set"), toks[i].env);
	}
	if (secret && *secret) {
		any = 1;
		fa2_log_add_secret(fa2_slice_cstr(secret));
		if (strlen(secret) < 16)
			report(t, "FAIL", "slack", "%s", fa2_msg(t->lang, "cmd.check.slack_signing_secret_is_too"));
		else
			report(t, "ok", "slack", "%s", fa2_msg(t->lang, "cmd.check.slack_signing_secret_is_set"));
	}
	if (!any && !configured)
		report(t, "skip", "slack", "%s", fa2_msg(t->lang, "cmd.check.no_slack_tokens_in_the"));
}

static void check_log_groups(struct tally *t, fa2_aws_session *s, const fa2_config *c)
{
	size_t i;
	if (c->n_log_groups == 0) {
		report(t, "warn", "log-group", "%s",
				fa2_msg(t->lang, "cmd.check.no_cwlogsloggroups_configured_logs_tool"));
		return;
	}
	for (i = 0; i < c->n_log_groups; i++) {
		const fa2_aws_service *svc = fa2_aws_service_find("logs");
		fa2_buf in, out;
		fa2_aws_error err;
		cJSON *j = NULL;
		const cJSON *g;
		int found = 0;
		fa2_buf_init(&in, 4096);
		fa2_buf_init(&out, FA2_MAX_HTTP_BODY_BYTES);
		if (fa2_buf_append_cstr(&in, "{\"logGroupNamePrefix\":") ||
		    fa2_json_append_string(&in, fa2_slice_cstr(c->log_groups[i])) ||
		    fa2_buf_append_cstr(&in, ",\"limit\":50}")) {
			report(t, "FAIL", "log-group", fa2_msg(t->lang, "cmd.check.out_of_memory"), c->log_groups[i]);
		} else if (fa2_aws_call(&s->client, svc, "DescribeLogGroups", fa2_buf_slice(&in), &out,
					&err, NULL)) {
			char line[1600];
			fa2_aws_error_format(&err, line, sizeof line);
			report(t, "FAIL", "log-group", "%s: DescribeLogGroups: %s", c->log_groups[i], line);
		} else {
			j = fa2_json_parse(fa2_buf_slice(&out), NULL);
			cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "logGroups")) {
				const char *n = fa2_json_str(g, "logGroupName");
				if (n && strcmp(n, c->log_groups[i]) == 0)
					found = 1;
			}
			if (found)
				report(t, "ok", "log-group", fa2_msg(t->lang, "cmd.check.exists"), c->log_groups[i]);
			else
				report(t, "FAIL", "log-group",
						fa2_msg(t->lang, "cmd.check.does_not_exist_in_or"), c->log_groups[i], s->region);
		}
		cJSON_Delete(j);
		fa2_buf_cleanup(&in);
		fa2_buf_cleanup(&out);
	}
}

/* knowledgeBase: the id names a knowledge base kb_tool can use. */
static void check_knowledge_base(struct tally *t, fa2_aws_session *s, const fa2_config *c)
{
	fa2_ba_summary kb;
	fa2_aws_error err;
	fa2_err e;
	if (!c->knowledge_base || !c->knowledge_base_id)
		return;
	memset(&err, 0, sizeof err);
	e = fa2_ba_get_knowledge_base(&s->client, c->knowledge_base_id, &kb, &err);
	if (e) {
		char line[1600];
		fa2_aws_error_format(&err, line, sizeof line);
		if (strcmp(err.code, "AccessDeniedException") == 0)
			report(t, "warn", "knowledge-base",
					fa2_msg(t->lang, "cmd.check.cannot_confirm_it_kb_tool"), c->knowledge_base_id, line);
		else
			report(t, "FAIL", "knowledge-base",
					fa2_msg(t->lang, "cmd.check.knowledgebaseid_getknowledgebase_the_ids"), c->knowledge_base_id,
					e == FA2_ERR_AWS ? line
			       : fa2_err_str(e));
	} else if (!fa2_slice_eq_ci(fa2_slice_cstr(kb.status), FA2_SLICE_LIT("ACTIVE"))) {
		report(t, "FAIL", "knowledge-base", fa2_msg(t->lang, "cmd.check.is_not_active"), kb.id, kb.name,
				kb.status);
	} else {
		report(t, "ok", "knowledge-base", fa2_msg(t->lang, "cmd.check.is_active"), kb.id, kb.name);
	}
}

/* store.kind dynamodb: the table exists and is ACTIVE, its key schema is pk (S) + sk (S)
 * and TTL is on for `expires` (deploy/dynamodb-store.yaml makes it so). */
static void check_store_table(struct tally *t, fa2_aws_client *client, const fa2_config *c)
{
	fa2_ddb d;
	fa2_ddb_table_info ti;
	fa2_ddb_ttl_info tl;
	fa2_aws_error err;
	char line[1600];
	fa2_err e;
	memset(&err, 0, sizeof err);
	if (fa2_ddb_init(&d, client, c->store_table) != FA2_OK) {
		report(t, "FAIL", "store", fa2_msg(t->lang, "cmd.check.store_table_is_not_a"), c->store_table);
		return;
	}
	e = fa2_ddb_describe_table(&d, &ti, &err);
	if (e) {
		fa2_aws_error_format(&err, line, sizeof line);
		report(t, "FAIL", "store", fa2_msg(t->lang, "cmd.check.table_describetable_create_it_with"),
				c->store_table,
		       e == FA2_ERR_NOT_FOUND ? "no such table" : e == FA2_ERR_AWS ? line : fa2_err_str(e));
		return;
	}
	if (strcmp(ti.hash_key, "pk") || strcmp(ti.hash_type, "S") || strcmp(ti.range_key, "sk") ||
	    strcmp(ti.range_type, "S")) {
		report(t, "FAIL", "store", fa2_msg(t->lang, "cmd.check.table_key_schema_is_fa2"),
		       c->store_table, ti.hash_key, ti.hash_type, ti.range_key[0] ? ti.range_key : "none",
		       ti.range_type[0] ? ti.range_type : "-");
		return;
	}
	if (strcmp(ti.status, "ACTIVE") && strcmp(ti.status, "UPDATING")) {
		report(t, "FAIL", "store", fa2_msg(t->lang, "cmd.check.table_is_not_active"), c->store_table,
				ti.status);
		return;
	}
	memset(&err, 0, sizeof err);
	e = fa2_ddb_describe_ttl(&d, &tl, &err);
	if (e) {
		fa2_aws_error_format(&err, line, sizeof line);
		report(t, "warn", "store",
				fa2_msg(t->lang, "cmd.check.table_describetimetolive_fa2_needs_dynam"), c->store_table,
		       e == FA2_ERR_AWS ? line : fa2_err_str(e));
	} else if (strcmp(tl.attribute, "expires") ||
	           (strcmp(tl.status, "ENABLED") && strcmp(tl.status, "ENABLING"))) {
		report(t, "FAIL", "store", fa2_msg(t->lang, "cmd.check.table_ttl_is_fa2_needs"), c->store_table,
				tl.status[0] ? tl.status : "DISABLED",
		       tl.attribute[0] ? " on " : "", tl.attribute);
	} else {
		report(t, "ok", "store", fa2_msg(t->lang, "cmd.check.dynamodb_table_is_pk_s"),
		       c->store_table, ti.status, tl.status);
	}
}

/* GetCallerIdentity answers both "are the credentials good" and, through the Date
 * header the client learns skew from, "is the clock right". */
static int check_identity(struct tally *t, fa2_aws_session *s)
{
	const fa2_aws_service *sts = fa2_aws_service_find("sts");
	fa2_buf out;
	fa2_aws_error err;
	cJSON *j;
	const char *arn = NULL;
	int64_t skew, mag;
	int ok = 0;

	fa2_buf_init(&out, 1u << 20);
	if (fa2_aws_call(&s->client, sts, "GetCallerIdentity", FA2_SLICE_LIT("{}"), &out, &err,
			 NULL)) {
		char line[1600];
		fa2_aws_error_format(&err, line, sizeof line);
		report(t, "FAIL", "credentials", "STS GetCallerIdentity: %s", line);
		goto cleanup;
	}
	j = fa2_json_parse(fa2_buf_slice(&out), NULL);
	if (j) {
		/* The query protocol's XML comes back as JSON with the result element inside. */
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "GetCallerIdentityResult");
		arn = fa2_json_str(r ? r : j, "Arn");
		if (!arn) {
			const cJSON *resp = cJSON_GetObjectItemCaseSensitive(j, "GetCallerIdentityResponse");
			r = cJSON_GetObjectItemCaseSensitive(resp, "GetCallerIdentityResult");
			arn = fa2_json_str(r, "Arn");
		}
	}
	{
		fa2_aws_creds cr;
		fa2_aws_creds_init(&cr);
		if (fa2_aws_creds_provider_get(&s->prov, &cr) != FA2_OK)
			snprintf(cr.source, sizeof cr.source, "?");
		report(t, "ok", "credentials", fa2_msg(t->lang, "cmd.check.identity_from"),
				arn ? arn : fa2_msg(t->lang, "cmd.check.no_arn_in_the_answer"),
		       cr.source[0] ? cr.source : "?");
		fa2_aws_creds_cleanup(&cr);
	}
	cJSON_Delete(j);
	ok = 1;

	pthread_mutex_lock(&s->client.lock);
	skew = s->client.skew_ms;
	pthread_mutex_unlock(&s->client.lock);
	mag = skew < 0 ? -skew : skew;
	if (mag >= CHECK_SKEW_FAIL_MS)
		report(t, "FAIL", "clock", fa2_msg(t->lang, "cmd.check.this_host_is_s_aws"), (long long)(mag / 1000),
		       skew > 0 ? fa2_msg(t->lang, "cmd.check.behind") : fa2_msg(t->lang, "cmd.check.ahead_of"));
	else if (mag >= CHECK_SKEW_WARN_MS)
		report(t, "warn", "clock", fa2_msg(t->lang, "cmd.check.this_host_is_s_aws_2"), (long long)(mag / 1000),
		       skew > 0 ? fa2_msg(t->lang, "cmd.check.behind") : fa2_msg(t->lang, "cmd.check.ahead_of"));
	else
		report(t, "ok", "clock", fa2_msg(t->lang, "cmd.check.within_s_of_aws_as"),
		       (long long)(CHECK_SKEW_WARN_MS / 1000));
cleanup:
	fa2_buf_cleanup(&out);
	return ok;
}

/* The region must fit one of the partitions' name patterns ("us-wst-2" does not). With an
 * endpoint override (an emulator, a VPC endpoint) an unknown name is only a warning.
 * Returns 1 when the AWS checks may go on. */
static int check_region(struct tally *t, const char *region, const char *src)
{
	char hint[64];
	const char *part = fa2_aws_region_partition(region, hint, sizeof hint);
	const char *ep = getenv("AWS_ENDPOINT_URL");
	if (part) {
		report(t, "ok", "region", fa2_msg(t->lang, "cmd.check.from_partition"), region, src, part);
		return 1;
	}
	report(t, ep && *ep ? "warn" : "FAIL", "region", fa2_msg(t->lang, "cmd.check.from_is_not_an_aws"), region, src,
	       hint[0] ? fa2_msg(t->lang, "cmd.check.did_you_mean") : "", hint, hint[0] ? "?" : "");
	return ep && *ep;
}

/* Credentials, clock and log groups. */
static void check_aws(struct tally *t, fa2_aws_session *s, const fa2_config *c)
{
	if (check_identity(t, s)) {
		check_log_groups(t, s, c);
		check_knowledge_base(t, s, c);
		if (c->store_dynamodb && (!c->store_region || strcmp(c->store_region, s->region) == 0)) {
			check_store_table(t, &s->client, c);
		} else if (c->store_dynamodb) {
			fa2_aws_session other;
			char msg[768];
			if (fa2_aws_session_open(&other, s->cfg.profile, c->store_region, 20000, msg, sizeof msg) == FA2_OK)
				check_store_table(t, &other.client, c);
			else
				report(t, "FAIL", "store", "store.region %s: %s", c->store_region, msg);
			fa2_aws_session_close(&other);
		}
	} else
		report(t, "skip", "log-group", "%s", fa2_msg(t->lang, "cmd.check.no_working_credentials"));
}

/* --model: one short call through the same provider and transport an analysis uses. */
static void check_model(struct tally *t, const fa2_config *cfg, long long timeout_s)
{
	fa2_model m;
	char msg[768];
	fa2_buf reply;
	int64_t t0 = fa2_time_mono_ms();
	fa2_err e;

	fa2_buf_init(&reply, 64u * 1024u);
	fa2_aws_shared_hold();
	e = fa2_model_open(&m, cfg, msg, sizeof msg);
	if (e) {
		report(t, "FAIL", "model", "%s", msg);
		goto cleanup;
	}
	m.llm.max_retries = 1;
	m.llm.timeout_ms = (unsigned)timeout_s * 1000u;
	e = fa2_ask(&m.llm, NULL, fa2_slice_cstr("This is a connectivity check. Reply with the single word OK."),
		    fa2_time_mono_ms() + timeout_s * 1000, &reply, msg, sizeof msg);
	if (e)
		report(t, "FAIL", "model", "%s %s: %s", fa2_llm_kind_name(cfg->llm_provider), fa2_config_model(cfg), msg);
	else
		report(t, "ok", "model", fa2_msg(t->lang, "cmd.check.answered_in_ms"),
				fa2_llm_kind_name(cfg->llm_provider),
		       fa2_config_model(cfg), (long long)(fa2_time_mono_ms() - t0));
cleanup:
	fa2_model_close(&m);
	fa2_aws_shared_release();
	fa2_buf_cleanup(&reply);
}

int fa2_cmd_check(int argc, char **argv)
{
	const char *config_path = getenv("FA2_CONFIG"), *profile = NULL, *region_opt = NULL;
	const char *config_from = "environment FA2_CONFIG";
	long long timeout_s = 10;
	int offline = 0, model = 0, i, have_cfg = 0, cfg_ok = 0;
	struct tally t = { 0, 0, FA2_MSG_EN };
	fa2_config cfg;
	fa2_aws_session sess;
	const fa2_tls_anchors *anchors;
	char msg[512];
	fa2_err e;

	memset(&sess, 0, sizeof sess);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			return FA2_EXIT_OK;
		}
		if (strcmp(a, "--offline") == 0) {
			offline = 1;
			continue;
		}
		if (strcmp(a, "--model") == 0) {
			model = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "fa2 check: unknown option or missing value: '%s'\n", a);
			return FA2_EXIT_USAGE;
		}
		if (strcmp(a, "--config") == 0) {
			config_path = argv[++i];
			config_from = "option --config";
		} else if (strcmp(a, "--profile") == 0) {
			profile = argv[++i];
		} else if (strcmp(a, "--region") == 0) {
			region_opt = argv[++i];
		} else if (strcmp(a, "--timeout") == 0) {
			if (fa2_parse_int_range(fa2_slice_cstr(argv[++i]), 1, 600, &timeout_s)) {
				fprintf(stderr, "fa2 check: --timeout takes 1..600 seconds\n");
				return FA2_EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "fa2 check: unknown option '%s'; see 'fa2 check --help'\n", a);
			return FA2_EXIT_USAGE;
		}
	}

	if (fa2_config_init(&cfg)) {
		fprintf(stderr, "fa2 check: out of memory\n");
		return FA2_EXIT_FAILURE;
	}
	have_cfg = 1;
	if (config_path) {
		e = fa2_config_load_file(&cfg, config_path, msg, sizeof msg);
		if (e) {
			report(&t, "FAIL", "config", "%s", msg);
		} else {
			char lint[1200];
			cfg_ok = 1;
			t.lang = cfg.lang == FA2_LANG_JA ? FA2_MSG_JA : FA2_MSG_EN;
			report(&t, "ok", "config", fa2_msg(t.lang, "cmd.check.from_language_model_log_group"),
			       config_path, config_from,
			       cfg.lang == FA2_LANG_JA ? "ja" : "en",
			       fa2_config_model(&cfg), cfg.n_log_groups, cfg.max_agent_cycles);
			/* A cwLogsInsightQuery that limits (before filtering) weakens logs_tool. */
			if (cfg.insight_query && fa2_logs_query_lint(cfg.insight_query, lint, sizeof lint) != 0)
				report(&t, "warn", "logs-query", "cwLogsInsightQuery \"%s\": %s", cfg.insight_query,
				       lint[0] ? lint : fa2_msg(t.lang, "cmd.check.query_does_not_split"));
		}
	} else {
		report(&t, "warn", "config", "%s", fa2_msg(t.lang, "cmd.check.no_config_or_fa2_config"));
	}

	e = fa2_tls_anchors_global(&anchors);
	if (e)
		report(&t, "FAIL", "ca-bundle", fa2_msg(t.lang, "cmd.check.no_usable_ca_bundle_install"),
				fa2_err_str(e));
	else
		report(&t, "ok", "ca-bundle", "%s", fa2_tls_anchors_global_path());

	if (offline) {
		report(&t, "skip", "aws", "%s", fa2_msg(t.lang, "cmd.check.offline_region_credentials_clock_and"));
	} else {
		e = fa2_aws_session_open(&sess, profile, region_opt ? region_opt : cfg.region,
					 timeout_s * 1000, msg, sizeof msg);
		if (e) {
			report(&t, "FAIL", "region", "%s", msg);
		} else {
			char src[300];
			/* The session calls any region it is handed an option: name the real source. */
			if (region_opt)
				snprintf(src, sizeof src, "%s", fa2_msg(t.lang, "cmd.check.option_region"));
			else if (cfg.region)
				snprintf(src, sizeof src, fa2_msg(t.lang, "cmd.check.config_file_env_region"),
						config_path);
			else
				snprintf(src, sizeof src, "%s", sess.region_source);
			report(&t, "ok", "profile", fa2_msg(t.lang, "cmd.check.profile_from"), sess.cfg.profile,
			       strcmp(sess.cfg.profile_source,
			       "option") == 0 ? fa2_msg(t.lang, "cmd.check.option_profile")
			                                                     : sess.cfg.profile_source);
			if (check_region(&t, sess.region, src))
				check_aws(&t, &sess, &cfg);
			else
				report(&t, "skip", "credentials", "%s",
						fa2_msg(t.lang, "cmd.check.not_checked_with_a_region"));
		}
	}
	if (model && offline)
		report(&t, "skip", "model", "%s", fa2_msg(t.lang, "cmd.check.offline_the_model_is_not"));
	else if (model)
		check_model(&t, &cfg, timeout_s);
	check_slack(&t, (cfg.slack_app_token_key && *cfg.slack_app_token_key) ||
	                (cfg.slack_signing_secret_key && *cfg.slack_signing_secret_key));
	if (cfg_ok)
		check_sns(&t, config_path, &cfg);
	if (!offline)
		check_slack_online(&t, &cfg);
	else if (cfg.slack_app_token_key || cfg.slack_signing_secret_key)
		report(&t, "skip", "slack", "%s", fa2_msg(t.lang, "cmd.check.offline_secrets_manager_secrets_and"));

	printf(fa2_msg(t.lang, "cmd.check.failed_warning_s"), t.failed, t.warned);
	fa2_aws_session_close(&sess);
	if (have_cfg)
		fa2_config_cleanup(&cfg);
	return t.failed ? FA2_EXIT_FAILURE : FA2_EXIT_OK;
}
