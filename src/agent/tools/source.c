/* Opening the data sources and building the tool registry over one (see source.h). The
 * operations live in source_live.c and source_snap.c. */
#include "agent/tools/source.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agent/config.h"
#include "agent/tools/runbooks.h"
#include "agent/tools/snap.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"

extern const fa2_source_ops fa2_source_live_ops;
extern const fa2_source_ops fa2_source_snap_ops;

fa2_err fa2_source_open_live(const struct fa2_config *cfg, struct fa2_aws_client *aws, const char *why_no_aws,
			     fa2_source **out, char *msg, size_t cap)
{
	fa2_source *s = fa2_calloc(1, sizeof *s);
	fa2_err e;

	*out = NULL;
	if (cap)
		msg[0] = '\0';
	if (!s)
		return FA2_ERR_NOMEM;
	s->ops = &fa2_source_live_ops;
	s->kind = "live";
	s->cfg = cfg;
	s->aws = aws;
	snprintf(s->no_aws, sizeof s->no_aws, "%s", aws ? "" : why_no_aws && *why_no_aws ? why_no_aws
								      : "no AWS client");
	if (cfg && cfg->runbooks_dir && *cfg->runbooks_dir) {
		e = fa2_runbooks_load(cfg->runbooks_dir, "", &s->runbooks, msg, cap);
		if (e) {
			fa2_free(s);
			return e;
		}
	}
	*out = s;
	return FA2_OK;
}

fa2_err fa2_source_open_snapshot(const char *dir, const struct fa2_config *cfg, fa2_source **out, char *msg,
				 size_t cap)
{
	fa2_source *s = fa2_calloc(1, sizeof *s);
	char rb[4200];
	fa2_err e;

	*out = NULL;
	if (!s)
		return FA2_ERR_NOMEM;
	s->ops = &fa2_source_snap_ops;
	s->kind = "snapshot";
	s->cfg = cfg;
	e = fa2_snap_open(dir, &s->snap, msg, cap);
	if (!e) {
		if (snprintf(rb, sizeof rb, "%s/runbooks", dir) >= (int)sizeof rb) {
			snprintf(msg, cap, "%s: path too long", dir);
			e = FA2_ERR_TOO_LARGE;
		} else {
			e = fa2_runbooks_load(rb, "runbooks/", &s->runbooks, msg, cap);
			if (e == FA2_ERR_NOT_FOUND) {
				e = FA2_OK; /* no runbooks folder: no kb_tool */
				if (cap)
					msg[0] = '\0';
			}
		}
	}
	if (!e && s->snap->d.alarm.n_dims) {
		/* The manifest's alarm says what the incident is about. */
		const char *v[FA2_SRC_MAX_FOCUS];
		size_t i, n = 0;
		for (i = 0; i < s->snap->d.alarm.n_dims && n < FA2_SRC_MAX_FOCUS; i++)
			v[n++] = s->snap->d.alarm.dims[i].value;
		e = fa2_source_set_focus(s, v, n);
	}
	if (e) {
		fa2_source_close(s);
		return e;
	}
	*out = s;
	return FA2_OK;
}

/* ---- focus: the names the incident is about ---- */

/* strcasestr (not C99): the first place hay holds needle, ASCII case-insensitively. */
static const char *strcasestr_(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

static void focus_clear(fa2_source *s)
{
	size_t i;
	for (i = 0; i < s->n_focus; i++)
		fa2_free(s->focus[i]);
	s->n_focus = 0;
}

/* A part that names nothing by itself: too short, an id (hex, or mostly digits), or a
 * word every account uses. */
static int focus_weak(const char *p, size_t n)
{
	static const char *const generic[] = { "prod", "production", "staging", "stage", "test", "default", "main",
		"primary", "service", "cluster", "targetgroup", "loadbalancer", "function", "table", "aws", "arn" };
	size_t i, hex = 0, letters = 0;
	if (n < 4)
		return 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		hex += (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		letters += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	}
	if (hex == n || letters * 3 < n)
		return 1;
	/* a region (us-east-1, us-gov-west-1): in every ARN of the account */
	if (n <= 16 && p[n - 1] >= '0' && p[n - 1] <= '9' && p[n - 2] == '-' && p[2] == '-')
		return 1;
	for (i = 0; i < sizeof generic / sizeof generic[0]; i++)
		if (strlen(generic[i]) == n && !strncasecmp(p, generic[i], n))
			return 1;
	return 0;
}

static fa2_err focus_add(fa2_source *s, const char *p, size_t n)
{
	size_t i;
	char *c;
	if (focus_weak(p, n) || s->n_focus >= FA2_SRC_MAX_FOCUS)
		return FA2_OK;
	for (i = 0; i < s->n_focus; i++)
		if (strlen(s->focus[i]) == n && !strncasecmp(s->focus[i], p, n))
			return FA2_OK;
	if (!(c = fa2_malloc(n + 1)))
		return FA2_ERR_NOMEM;
	memcpy(c, p, n);
	c[n] = '\0';
	s->focus[s->n_focus++] = c;
	return FA2_OK;
}

fa2_err fa2_source_set_focus(fa2_source *s, const char *const *values, size_t n)
{
	static const char *const suffixes[] = { "-alb", "-nlb", "-elb", "-lb", "-tg", "-svc", "-service", "-cluster" };
	size_t i, k;
	fa2_err e = FA2_OK;
	focus_clear(s);
	for (i = 0; i < n && !e; i++) {
		const char *v = values[i], *p;
		if (!v)
			continue;
		/* The parts between '/' and ':' (an ARN, "app/name/id"), each also without a
		 * suffix that only says what kind of resource it is. */
		for (p = v; *p && !e;) {
			size_t len = strcspn(p, "/:");
			e = focus_add(s, p, len);
			for (k = 0; k < sizeof suffixes / sizeof suffixes[0] && !e; k++) {
				size_t sl = strlen(suffixes[k]);
				if (len > sl && !strncasecmp(p + len - sl, suffixes[k], sl))
					e = focus_add(s, p, len - sl);
			}
			p += len;
			if (*p)
				p++;
		}
	}
	return e;
}

/* 1 when c continues a word (a letter or a digit). */
static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int fa2_source_focus_hit(const fa2_source *s, const char *text)
{
	size_t i;
	const char *p;
	if (!s || !text)
		return 0;
	for (i = 0; i < s->n_focus; i++) {
		size_t n = strlen(s->focus[i]);
		for (p = text; (p = strcasestr_(p, s->focus[i])) != NULL; p++)
			if ((p == text || !word_char(p[-1])) && !word_char(p[n]))
				return 1;
	}
	return 0;
}

void fa2_source_close(fa2_source *s)
{
	if (!s)
		return;
	focus_clear(s);
	if (s->ops && s->ops->close)
		s->ops->close(s);
	fa2_snap_close(s->snap);
	fa2_runbooks_free(s->runbooks);
	fa2_free(s);
}

void fa2_source_window(const fa2_source *s, int64_t *from_ms, int64_t *to_ms)
{
	*from_ms = s && s->snap ? s->snap->d.from_ms : 0;
	*to_ms = s && s->snap ? s->snap->d.to_ms : 0;
}

void fa2_source_env(const fa2_source *s, const fa2_tool_env *env, fa2_tool_env *out)
{
	*out = *env;
	if (!out->aws && s)
		out->aws = s->aws;
}

fa2_err fa2_tools_build(fa2_tool_registry *r, fa2_source *s)
{
	static const fa2_tool *const tools[] = { &fa2_metrics_tool, &fa2_logs_tool, &fa2_audit_log_athena_tool,
						 &fa2_audit_log_tool, &fa2_alb_log_tool, &fa2_xray_tool, &fa2_kb_tool };
	size_t i;
	int have_audit = 0;
	fa2_err e = FA2_OK;

	for (i = 0; i < sizeof tools / sizeof tools[0] && !e; i++) {
		fa2_tool t = *tools[i];
		int athena = tools[i] == &fa2_audit_log_athena_tool;
		if (!strcmp(t.name, "audit_log_tool") && have_audit)
			continue;
		if (!s->ops->offers(s, athena ? "audit_log_tool/athena" : t.name))
			continue;
		have_audit |= !strcmp(t.name, "audit_log_tool");
		t.ctx = s;
		e = fa2_tool_registry_add(r, &t);
	}
	return e;
}

void fa2_src_metrics_cleanup(fa2_src_metrics *m)
{
	if (!m)
		return;
	fa2_metrics_series_free_points(m->ss, m->n);
	fa2_free(m->ss);
	cJSON_Delete(m->metrics);
	memset(m, 0, sizeof *m);
}

void fa2_src_events_cleanup(fa2_src_events *r)
{
	if (!r)
		return;
	fa2_free(r->v);
	fa2_tr_data_cleanup(&r->own);
	memset(r, 0, sizeof *r);
}

void fa2_src_traces_cleanup(fa2_src_traces *r)
{
	if (!r)
		return;
	fa2_free(r->v);
	fa2_tr_data_cleanup(&r->own);
	memset(r, 0, sizeof *r);
}

int fa2_src_event_matches(const fa2_tr_event *ev, const fa2_src_events_req *q)
{
	size_t k;
	if (q->event_name && *q->event_name && strcmp(ev->name ? ev->name : "", q->event_name) != 0)
		return 0;
	if (q->event_source && *q->event_source && strcmp(ev->source ? ev->source : "", q->event_source) != 0)
		return 0;
	if (q->user_name && *q->user_name && strcmp(ev->user ? ev->user : "", q->user_name) != 0) {
		/* Username, or the last part of the identity ARN. */
		const char *slash = ev->user ? strrchr(ev->user, '/') : NULL;
		if (!slash || strcmp(slash + 1, q->user_name) != 0)
			return 0;
	}
	if (q->resource_name && *q->resource_name) {
		int found = 0;
		for (k = 0; k < ev->n_resources && !found; k++)
			found = ev->resources[k].value && strcmp(ev->resources[k].value, q->resource_name) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

fa2_err fa2_src_events_select(const fa2_tool_env *env, const fa2_src_events_req *q, const fa2_tr_data *d,
			      fa2_src_events *r)
{
	size_t i;
	r->v = d->n_events ? fa2_calloc(d->n_events, sizeof *r->v) : NULL;
	if (d->n_events && !r->v)
		return FA2_ERR_NOMEM;
	for (i = 0; i < d->n_events; i++) {
		const fa2_tr_event *ev = &d->events[i];
		if (ev->t_ms >= env->from_ms && ev->t_ms <= env->to_ms && fa2_src_event_matches(ev, q))
			r->v[r->n++] = ev;
	}
	return FA2_OK;
}
