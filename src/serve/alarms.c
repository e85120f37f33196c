/* CloudWatch DescribeAlarms for the Slack alarm flow: see serve_alarm.h. */
#include "serve/alarms.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "aws/session.h"
#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"

#define ALARM_TIMEOUT_MS 10000

typedef struct region_client {
	char region[64];
	fa2_aws_session sess;   /* not moved after open */
} region_client;

struct fa2_serve_alarms {
	pthread_mutex_t lock;   /* guards n, the table (not the calls) and state */
	fa2_serve_aws_state state;
	size_t n;
	region_client *clients[FA2_SERVE_ALARM_REGIONS]; /* [0]: the default region */
};

/* A session for region (NULL: the default chain's region) into *out; NULL + log when it
 * cannot be set up. */
static region_client *client_open(const char *region)
{
	region_client *c = fa2_calloc(1, sizeof *c);
	char msg[256];
	if (!c)
		return NULL;
	if (fa2_aws_session_open(&c->sess, NULL, region, ALARM_TIMEOUT_MS, msg, sizeof msg) != FA2_OK) {
		FA2_LOGW("serve", "alarm look-ups in %s disabled: %s", region ? region : "the default region", msg);
		fa2_aws_session_close(&c->sess);
		fa2_free(c);
		return NULL;
	}
	snprintf(c->region, sizeof c->region, "%s", c->sess.region);
	return c;
}

fa2_err fa2_serve_alarms_new(const char *region, fa2_serve_alarms **out)
{
	fa2_serve_alarms *a;
	*out = NULL;
	a = fa2_calloc(1, sizeof *a);
	if (!a)
		return FA2_ERR_NOMEM;
	a->clients[0] = client_open(region && *region ? region : NULL);
	if (!a->clients[0]) {
		fa2_free(a);
		return FA2_ERR_CONFIG;
	}
	a->n = 1;
	pthread_mutex_init(&a->lock, NULL);
	*out = a;
	return FA2_OK;
}

void fa2_serve_alarms_free(fa2_serve_alarms *a)
{
	size_t i;
	if (!a)
		return;
	for (i = 0; i < a->n; i++) {
		fa2_aws_session_close(&a->clients[i]->sess);
		fa2_free(a->clients[i]);
	}
	pthread_mutex_destroy(&a->lock);
	fa2_free(a);
}

/* The client for region ("" or NULL: the default); created on first use. */
static fa2_aws_client *client_for(fa2_serve_alarms *a, const char *region)
{
	region_client *c = NULL;
	size_t i;
	if (!region || !*region)
		return &a->clients[0]->sess.client;
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n && !c; i++)
		if (strcmp(a->clients[i]->region, region) == 0)
			c = a->clients[i];
	if (!c && a->n < FA2_SERVE_ALARM_REGIONS && (c = client_open(region)) != NULL)
		a->clients[a->n++] = c;
	pthread_mutex_unlock(&a->lock);
	if (!c)
		FA2_LOGW("slack", "no CloudWatch client for region %s (at most %u regions)", region,
		         FA2_SERVE_ALARM_REGIONS);
	return c ? &c->sess.client : NULL;
}

/* 1 when an AWS call's one-line error says the credentials themselves were refused. */
static int credentials_refused(fa2_err e, const char *msg)
{
	static const char *const codes[] = { "ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException",
		"SignatureDoesNotMatch", "InvalidSignatureException", "AuthFailure", "IncompleteSignature", NULL };
	size_t i;
	if (e == FA2_ERR_AUTH)
		return 1;
	for (i = 0; e == FA2_ERR_AWS && codes[i]; i++)
		if (strstr(msg, codes[i]))
			return 1;
	return 0;
}

/* Records what a call says about the credentials: refused -> bad; success -> good. */
static void record(fa2_serve_alarms *a, fa2_err e, const char *msg)
{
	int refused = credentials_refused(e, msg);
	if (e != FA2_OK && e != FA2_ERR_NOT_FOUND && !refused)
		return; /* throttling, network: says nothing about the credentials */
	pthread_mutex_lock(&a->lock);
	a->state.known = 1;
	a->state.checked_ms = fa2_time_now_ms();
	if (refused) {
		a->state.ok = 0;
		snprintf(a->state.why, sizeof a->state.why, "AWS refused the credentials: %.450s", msg);
	} else {
		a->state.ok = 1;
		a->state.why[0] = '\0';
	}
	pthread_mutex_unlock(&a->lock);
}

void fa2_serve_alarms_check(fa2_serve_alarms *a)
{
	fa2_aws_creds cr;
	fa2_err e;
	int64_t now = fa2_time_now_ms();
	char why[512] = "";
	fa2_aws_creds_init(&cr);
	e = fa2_aws_creds_provider_get(&a->clients[0]->sess.prov, &cr);
	if (e)
		snprintf(why, sizeof why, "no AWS credentials: %s (environment, profile, container or instance role)",
		         fa2_err_str(e));
	else if (cr.expiration_ms && cr.expiration_ms <= now)
		snprintf(why, sizeof why, "the AWS credentials from %s expired and could not be refreshed", cr.source);
	pthread_mutex_lock(&a->lock);
	a->state.known = 1;
	a->state.checked_ms = now;
	a->state.ok = why[0] == '\0';
	snprintf(a->state.why, sizeof a->state.why, "%s", why);
	if (!e) {
		snprintf(a->state.source, sizeof a->state.source, "%s", cr.source);
		a->state.expires_ms = cr.expiration_ms;
	}
	pthread_mutex_unlock(&a->lock);
	fa2_aws_creds_cleanup(&cr);
}

void fa2_serve_alarms_state(fa2_serve_alarms *a, fa2_serve_aws_state *out)
{
	pthread_mutex_lock(&a->lock);
	*out = a->state;
	pthread_mutex_unlock(&a->lock);
}

fa2_err fa2_serve_alarms_describe(void *ctx, const char *name, const char *region, fa2_alarm *out)
{
	fa2_serve_alarms *a = ctx;
	fa2_aws_client *c = client_for(a, region);
	char msg[1600];
	fa2_err e;
	memset(out, 0, sizeof *out);
	if (!c)
		return FA2_ERR_CONFIG;
	e = fa2_alarm_describe(c, name, ALARM_TIMEOUT_MS, out, msg, sizeof msg);
	record(a, e, msg);
	if (e) {
		if (e != FA2_ERR_NOT_FOUND)
			FA2_LOGW("slack", "DescribeAlarms %s in %s: %s", name, region && *region ? region : a->clients[0]->region,
			         msg);
		return e;
	}
	if (fa2_alarm_locate(out, region && *region ? region : a->clients[0]->region, NULL) != FA2_OK)
		FA2_LOGW("slack", "alarm %s: cannot record its region", name);
	return FA2_OK;
}
