/* Users' time zones and window texts: see usertz.h. */
#include "slack/usertz.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/num.h"
#include "base/time.h"

#define DASH "\xe2\x80\x93" /* EN DASH */

void fa2_slack_tzcache_init(fa2_slack_tzcache *c, int64_t ttl_ms)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	c->ttl_ms = ttl_ms > 0 ? ttl_ms : FA2_SLACK_TZ_TTL_MS;
}

void fa2_slack_tzcache_cleanup(fa2_slack_tzcache *c)
{
	pthread_mutex_destroy(&c->lock);
}

void fa2_slack_tzcache_get(fa2_slack_tzcache *c, fa2_slack_api *api, const char *user,
                           fa2_slack_tz *out)
{
	size_t i, slot = 0, ulen = user ? strlen(user) : 0;
	int64_t now = fa2_time_mono_ms(), oldest = INT64_MAX;
	fa2_slack_tz tz;

	memset(out, 0, sizeof *out);
	if (!ulen)
		return;
	pthread_mutex_lock(&c->lock);
	c->lookups++;
	for (i = 0; ulen < sizeof c->e[0].user && i < FA2_SLACK_TZ_CACHE; i++) {
		if (c->e[i].user[0] && strcmp(c->e[i].user, user) == 0 && c->e[i].expires_ms > now) {
			*out = c->e[i].tz;
			c->hits++;
			pthread_mutex_unlock(&c->lock);
			return;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (!api)
		return;
	memset(&tz, 0, sizeof tz);
	if (fa2_slack_user_tz_info(api, user, tz.name, sizeof tz.name, &tz.offset_min, &tz.known) != FA2_OK ||
	    !tz.known) {
		FA2_LOGI("slack", "time zone of %s unknown: times shown in UTC", user);
		return;
	}
	*out = tz;
	if (ulen >= sizeof c->e[0].user)
		return;
	pthread_mutex_lock(&c->lock);
	now = fa2_time_mono_ms();
	for (i = 0; i < FA2_SLACK_TZ_CACHE; i++) {
		if (strcmp(c->e[i].user, user) == 0) { /* refresh in place */
			slot = i;
			break;
		}
		if (c->e[i].expires_ms < oldest) { /* empty slots have 0: taken first */
			oldest = c->e[i].expires_ms;
			slot = i;
		}
	}
	memcpy(c->e[slot].user, user, ulen + 1);
	c->e[slot].tz = tz;
	c->e[slot].expires_ms = now + c->ttl_ms;
	pthread_mutex_unlock(&c->lock);
}

/* "+09:00" style label for an offset; "UTC" for 0. */
static void offset_label(int off, char *out, size_t cap)
{
	int a = off < 0 ? -off : off;
	if (!off)
		snprintf(out, cap, "UTC");
	else
		snprintf(out, cap, "UTC%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
}

/* "D HH:MM–HH:MM" or "D HH:MM–D2 HH:MM" in offset off. */
static int range(int64_t s, int64_t e, int off, char *out, size_t cap)
{
	char a[24], b[24];
	int n;
	if (!fa2_time_format_human(fa2_num_sat_mul_i64(s, 1000), off, a, sizeof a) ||
	    !fa2_time_format_human(fa2_num_sat_mul_i64(e, 1000), off, b, sizeof b))
		return -1;
	if (memcmp(a, b, 10) == 0)
		n = snprintf(out, cap, "%s" DASH "%s", a, b + 11);
	else
		n = snprintf(out, cap, "%s" DASH "%s", a, b);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

size_t fa2_slack_format_window(int64_t start_s, int64_t end_s, const fa2_slack_tz *tz, char *out,
                               size_t cap)
{
	char loc[64], utc[64], label[80];
	int n;
	if (!cap)
		return 0;
	out[0] = '\0';
	if (range(start_s, end_s, 0, utc, sizeof utc) < 0)
		return 0;
	if (!tz || !tz->known || (tz->offset_min == 0 && (!tz->name[0] || strcmp(tz->name, "UTC") == 0))) {
		n = snprintf(out, cap, "%s UTC", utc);
	} else {
		if (range(start_s, end_s, tz->offset_min, loc, sizeof loc) < 0)
			return 0;
		if (tz->name[0])
			snprintf(label, sizeof label, "%s", tz->name);
		else
			offset_label(tz->offset_min, label, sizeof label);
		n = snprintf(out, cap, "%s %s (%s UTC)", loc, label, utc);
	}
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

size_t fa2_slack_format_change(int64_t t_s, int cfg_offset_min, int ja, char *out, size_t cap)
{
	char u[24], l[24], label[24];
	int n;
	if (!cap)
		return 0;
	out[0] = '\0';
	if (!fa2_time_format_human(fa2_num_sat_mul_i64(t_s, 1000), 0, u, sizeof u))
		return 0;
	if (cfg_offset_min) {
		if (!fa2_time_format_human(fa2_num_sat_mul_i64(t_s, 1000), cfg_offset_min, l, sizeof l))
			return 0;
		offset_label(cfg_offset_min, label, sizeof label);
		n = ja ? snprintf(out, cap, "アラームの状態が変わった時刻: %s UTC（%s %s）。", u, l, label)
		       : snprintf(out, cap, "The alarm changed state at %s UTC (%s %s).", u, l, label);
	} else {
		n = ja ? snprintf(out, cap, "アラームの状態が変わった時刻: %s UTC。", u)
		       : snprintf(out, cap, "The alarm changed state at %s UTC.", u);
	}
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

int fa2_slack_blocks_insert_context(cJSON *blocks, int at, const char *mrkdwn)
{
	cJSON *b = cJSON_CreateObject(), *els = cJSON_CreateArray(), *t = cJSON_CreateObject();
	if (!b || !els || !t || !cJSON_AddStringToObject(b, "type", "context") ||
	    !cJSON_AddStringToObject(t, "type", "mrkdwn") || !cJSON_AddStringToObject(t, "text", mrkdwn)) {
		cJSON_Delete(b);
		cJSON_Delete(els);
		cJSON_Delete(t);
		return 0;
	}
	cJSON_AddItemToArray(els, t);
	cJSON_AddItemToObject(b, "elements", els);
	/* (cJSON 1.7.15's cJSON_InsertItemInArray refuses a fresh item in the middle of an
	 * array: move the tail behind the new block instead) */
	{
		int n = cJSON_GetArraySize(blocks), i;
		if (at < 0)
			at = 0;
		cJSON_AddItemToArray(blocks, b);
		for (i = at; i < n; i++)
			cJSON_AddItemToArray(blocks, cJSON_DetachItemFromArray(blocks, at));
	}
	return 1;
}
