/* fa2 sns: check Amazon SNS deliveries offline with the same code the daemon's SNS
 * endpoint (POST /sns, src/serve/sns.c) uses (src/aws/sns.c), and confirm a pending
 * subscription by hand.
 *
 *   fa2 sns verify [OPTIONS] FILE...   each FILE one delivery's JSON body ('-': stdin)
 *   fa2 sns confirm [OPTIONS] FILE     verify a SubscriptionConfirmation, then confirm it
 *
 * One line per delivery on stdout: "accepted TYPE MESSAGE-ID TOPIC", followed for an
 * alarm notification by "alarm NAME state STATE region R account A changed T metric M";
 * or "refused VERDICT: WHY". Replays are detected across the files of one invocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/alarms.h"
#include "aws/session.h"
#include "aws/sns.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "cmd/cmd.h"

#define SNS_MAX_TOPICS 64

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 sns verify [--topic ARN]... [--header NAME:VALUE]... [--max-age DURATION] FILE...\n"
		"       fa2 sns confirm [--topic ARN]... [--api] [--profile NAME] [--region REGION] FILE\n"
		"\n"
		"Checks Amazon SNS HTTP(S) deliveries (each FILE holds the JSON body SNS POSTs; '-' reads\n"
		"stdin) the way fa2's SNS endpoint checks them: the topic is one of --topic, the Timestamp\n"
		"is recent (--max-age, default 1h), the SigningCertURL is https on the SNS host of the\n"
		"topic's region (or of AWS_ENDPOINT_URL_SNS), the certificate is fetched over verified\n"
		"HTTPS (AWS_CA_BUNDLE or the system bundle) and valid now, the signature (SignatureVersion\n"
		"1 or 2) verifies, and the MessageId was not seen before in this run. For a CloudWatch\n"
		"alarm notification (classic, or an EventBridge alarm state change) it prints the alarm.\n"
		"\n"
		"confirm: verifies a SubscriptionConfirmation for one of --topic, then confirms it by a\n"
		"GET of its SubscribeURL (host checked like the certificate's), or with --api through\n"
		"the SNS ConfirmSubscription API (needs credentials; AuthenticateOnUnsubscribe=true).\n"
		"\n"
		"  --header NAME:VALUE  an x-amz-sns-* request header to check against the body\n"
		"\n"
		"fa2 serve takes the same deliveries on its POST /sns route (the \"sns\" object of the\n"
		"configuration: topics, channel, form or analysis; docs/sns.md). This command checks\n"
		"saved deliveries by hand, and confirms a subscription fa2 serve missed.\n"
		"exit codes: 0 every delivery accepted (and confirmed), 1 one was refused or the\n"
		"confirmation failed, 2 usage error\n");
}

static void print_alarm(const fa2_sns_message *m)
{
	fa2_sns_alarm a;
	fa2_buf metric;
	char t[40] = "-";
	if (m->type != FA2_SNS_NOTIFICATION ||
	    fa2_sns_alarm_parse(fa2_slice_cstr(m->message), &a) != FA2_OK)
		return;
	fa2_buf_init(&metric, 64u * 1024u);
	if (a.alarm.changed_ms)
		fa2_time_format_rfc3339(a.alarm.changed_ms, 0, 0, t, sizeof t);
	if (a.composite)
		(void)fa2_buf_appendf(&metric, "(composite: %s)", a.alarm_rule ? a.alarm_rule : "");
	else
		(void)fa2_alarm_metric_text(&a.alarm, &metric);
	printf("alarm %s state %s region %s account %s changed %s source %s metric %s\n",
	       a.alarm.name, a.alarm.state ? a.alarm.state : "-", a.region[0] ? a.region : "-",
	       a.account[0] ? a.account : "-", t,
	       a.source == FA2_SNS_ALARM_CLASSIC ? "cloudwatch" : "eventbridge",
	       metric.len ? metric.data : "-");
	if (a.alarm.reason)
		printf("reason %s\n", a.alarm.reason);
	fa2_buf_cleanup(&metric);
	fa2_sns_alarm_cleanup(&a);
}

/* Reads, parses and accepts one delivery; prints the verdict line. *m holds the message
 * on FA2_SNS_OK (caller cleans up). */
static fa2_sns_verdict one(fa2_sns_verifier *v, const fa2_sns_seen *seen, const char *path,
                           const fa2_sns_headers *h, fa2_sns_message *m)
{
	fa2_buf body;
	char why[768];
	fa2_sns_verdict verdict;
	fa2_err e;

	memset(m, 0, sizeof *m);
	fa2_buf_init(&body, FA2_MAX_SNS_BODY_BYTES);
	e = fa2_file_read_all(strcmp(path, "-") == 0 ? "/dev/stdin" : path, &body);
	if (e) {
		printf("refused malformed: %s: %s\n", path, fa2_err_str(e));
		verdict = FA2_SNS_MALFORMED;
		goto cleanup;
	}
	verdict = fa2_sns_parse(fa2_buf_slice(&body), h, m, why, sizeof why);
	if (!verdict)
		verdict = fa2_sns_accept(v, m, seen, fa2_time_now_ms(), why, sizeof why);
	if (verdict) {
		printf("refused %s: %s\n", fa2_sns_verdict_name(verdict), why);
		fa2_sns_message_cleanup(m);
		goto cleanup;
	}
	printf("accepted %s %s %s\n", m->type_str, m->message_id, m->topic_arn);
	print_alarm(m);
cleanup:
	fflush(stdout);
	fa2_buf_cleanup(&body);
	return verdict;
}

static int set_header(fa2_sns_headers *h, const char *arg)
{
	const char *colon = strchr(arg, ':');
	fa2_slice name, value;
	if (!colon)
		return -1;
	name = fa2_slice_trim(fa2_slice_make(arg, (size_t)(colon - arg)));
	value = fa2_slice_trim(fa2_slice_cstr(colon + 1));
	if (fa2_slice_eq_ci(name, FA2_SLICE_LIT("x-amz-sns-message-type")))
		h->message_type = value;
	else if (fa2_slice_eq_ci(name, FA2_SLICE_LIT("x-amz-sns-message-id")))
		h->message_id = value;
	else if (fa2_slice_eq_ci(name, FA2_SLICE_LIT("x-amz-sns-topic-arn")))
		h->topic_arn = value;
	else if (fa2_slice_eq_ci(name, FA2_SLICE_LIT("x-amz-sns-subscription-arn")))
		h->subscription_arn = value;
	else
		return -1;
	return 0;
}

int fa2_cmd_sns(int argc, char **argv)
{
	const char *topics[SNS_MAX_TOPICS], *files[256], *profile = NULL, *region = NULL, *v;
	size_t n_topics = 0, n_files = 0, k;
	fa2_sns_headers h;
	fa2_sns_verifier ver;
	fa2_sns_seen_mem *mem = NULL;
	fa2_sns_seen seen;
	fa2_aws_session sess;
	int64_t max_age = FA2_SNS_DEFAULT_MAX_AGE_MS;
	int confirm, api = 0, rc = FA2_EXIT_OK, i, have_ver = 0;
	char why[768];

	memset(&h, 0, sizeof h);
	memset(&sess, 0, sizeof sess);
	if (argc < 2 || fa2_cmd_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FA2_EXIT_USAGE : FA2_EXIT_OK;
	}
	if (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "confirm") != 0) {
		fprintf(stderr, "fa2 sns: unknown subcommand '%s' (verify, confirm)\n", argv[1]);
		return FA2_EXIT_USAGE;
	}
	confirm = strcmp(argv[1], "confirm") == 0;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			return FA2_EXIT_OK;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--topic")) != NULL) {
			if (!*v || n_topics >= SNS_MAX_TOPICS) {
				fprintf(stderr, "fa2 sns: --topic needs an ARN (at most %d)\n", SNS_MAX_TOPICS);
				return FA2_EXIT_USAGE;
			}
			topics[n_topics++] = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--header")) != NULL) {
			if (set_header(&h, v)) {
				fprintf(stderr, "fa2 sns: --header takes x-amz-sns-message-type, -message-id, "
				        "-topic-arn or -subscription-arn as NAME:VALUE\n");
				return FA2_EXIT_USAGE;
			}
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--max-age")) != NULL) {
			if (fa2_time_parse_duration(fa2_slice_cstr(v), &max_age) || max_age <= 0) {
				fprintf(stderr, "fa2 sns: --max-age takes a duration like 15m or 1h\n");
				return FA2_EXIT_USAGE;
			}
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--profile")) != NULL) {
			profile = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--region")) != NULL) {
			region = v;
		} else if (strcmp(a, "--api") == 0 && confirm) {
			api = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "fa2 sns: unknown option '%s'; see 'fa2 sns --help'\n", a);
			return FA2_EXIT_USAGE;
		} else if (n_files < sizeof files / sizeof files[0]) {
			files[n_files++] = a;
		} else {
			fprintf(stderr, "fa2 sns: too many files\n");
			return FA2_EXIT_USAGE;
		}
	}
	if (n_files == 0 || (confirm && n_files != 1)) {
		fprintf(stderr, "fa2 sns %s: give %s\n", argv[1], confirm ? "one FILE" : "FILE...");
		return FA2_EXIT_USAGE;
	}
	if (n_topics == 0)
		fprintf(stderr, "fa2 sns: no --topic given: every delivery will be refused as unknown-topic\n");
	if (fa2_sns_verifier_init(&ver, topics, n_topics, why, sizeof why)) {
		fprintf(stderr, "fa2 sns: %s\n", why[0] ? why : "out of memory");
		return FA2_EXIT_USAGE;
	}
	have_ver = 1;
	ver.max_age_ms = max_age;
	if (fa2_sns_seen_mem_new(1024, &mem)) {
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	seen = fa2_sns_seen_mem_iface(mem);
	for (k = 0; k < n_files; k++) {
		fa2_sns_message m;
		char arn[512];
		fa2_err e;
		if (one(&ver, &seen, files[k], &h, &m)) {
			rc = FA2_EXIT_FAILURE;
			continue;
		}
		if (confirm) {
			if (api) {
				e = fa2_aws_session_open(&sess, profile, region ? region : m.region, 30000, why,
				                         sizeof why);
				if (e) {
					fprintf(stderr, "fa2 sns: %s\n", why);
					fa2_sns_message_cleanup(&m);
					rc = FA2_EXIT_USAGE;
					goto cleanup;
				}
			}
			e = fa2_sns_confirm(&ver, api ? &sess.client : NULL, &m, arn, sizeof arn, why, sizeof why);
			if (e) {
				printf("not-confirmed %s\n", why);
				rc = FA2_EXIT_FAILURE;
			} else {
				printf("confirmed %s\n", arn[0] ? arn : "(no SubscriptionArn in the answer)");
			}
		}
		fa2_sns_message_cleanup(&m);
	}
cleanup:
	fa2_aws_session_close(&sess);
	fa2_sns_seen_mem_free(mem);
	if (have_ver)
		fa2_sns_verifier_cleanup(&ver);
	return rc;
}
