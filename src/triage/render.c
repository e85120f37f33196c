/* The digest as Markdown or JSON, fitted into a token budget (docs/triage.md has the
 * JSON schema). Both formats come from the same item texts, so they say the same. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/limits.h"
#include "base/msg.h"
#include "base/time.h"
#include "triage/triage.h"

#define BYTES_PER_TOKEN 4u

typedef struct limits {
	size_t suspects, evidence, timeline, metrics, tpls, changes, svcs, text;
} limits;

typedef struct omitted {
	size_t suspects, timeline, metrics, tpls, changes, svcs;
} omitted;

static void fmt_time(int64_t ms, char *out, size_t cap)
{
	if (!ms || !fa2_time_format_rfc3339(ms, 0, 0, out, cap))
		snprintf(out, cap, "-");
}

/* "2m18s", "1h05m", "-40s" (negative: after). */
static void fmt_delta(int64_t ms, char *out, size_t cap)
{
	int64_t s = (ms < 0 ? -ms : ms) / 1000;
	const char *sign = ms < 0 ? "-" : "";
	if (s < 60)
		snprintf(out, cap, "%s%llds", sign, (long long)s);
	else if (s < 3600)
		snprintf(out, cap, "%s%lldm%02llds", sign, (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, cap, "%s%lldh%02lldm", sign, (long long)(s / 3600), (long long)(s / 60 % 60));
}

/* Appends text, at most max bytes (cut at a UTF-8 boundary, "..." added), with
 * newlines flattened; in Markdown tables '|' is escaped and '`' replaced. */
static fa2_err put_text(fa2_buf *b, const char *s, size_t max, int md_table)
{
	size_t n = strlen(s), i, lim = n > max ? max : n;
	fa2_err e = FA2_OK;
	while (lim < n && lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80)
		lim--;
	for (i = 0; !e && i < lim; i++) {
		char c = s[i];
		if (c == '\n' || c == '\r' || c == '\t')
			e = fa2_buf_append_byte(b, ' ');
		else if (md_table && c == '|')
			e = fa2_buf_append_cstr(b, "\\|");
		else if (md_table && c == '`')
			e = fa2_buf_append_byte(b, '\'');
		else
			e = fa2_buf_append_byte(b, (unsigned char)c);
	}
	if (!e && lim < n)
		e = fa2_buf_append_cstr(b, "...");
	return e;
}

static fa2_err dims_text(fa2_buf *b, const fa2_tr_kv *dims, size_t n)
{
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; !e && i < n; i++)
		e = fa2_buf_appendf(b, "%s%s=%s", i ? ", " : "", dims[i].name, dims[i].value);
	return e;
}

static fa2_err metric_finding(fa2_buf *b, const fa2_tr_metric *m, int lang)
{
	char t[40];
	const fa2_tr_metric_result *r = &m->r;
	size_t i, k = 0;
	fa2_err e = FA2_OK;
	if (m->trend_ms && (!m->harm_ms || m->trend_ms <= m->harm_ms)) {
		fmt_time(m->trend_ms, t, sizeof t);
		e = fa2_buf_appendf(b, fa2_msg(lang, "triage.rising_gradually_from_to"), t, r->min, r->max,
				    m->at_ceiling ? fa2_msg(lang, "triage.at_its_ceiling") : "");
		return e;
	}
	/* the harmful shift when there is one, else the first */
	for (i = 0; i < r->n_shifts; i++)
		if (r->shifts[i].t_ms == m->harm_ms) {
			k = i;
			break;
		}
	if (r->n_shifts) {
		fmt_time(r->shifts[k].t_ms, t, sizeof t);
		e = fa2_buf_appendf(b, fa2_msg(lang, "triage.level_shift_at_sigma"), r->shifts[k].before,
				    r->shifts[k].after, t, r->shifts[k].z,
				    r->n_shifts > 1 ? fa2_msg(lang, "triage.other_changes_too") : "");
		if (!e && m->at_ceiling)
			e = fa2_buf_appendf(b, fa2_msg(lang, "triage.at_its_ceiling_2"), r->max);
		return e;
	}
	if (r->n_spikes) {
		fmt_time(r->first_spike_ms, t, sizeof t);
		return fa2_buf_appendf(b, fa2_msg(lang, "triage.spike_s_first_at_largest"),
				       r->n_spikes, t, r->max_spike_value, r->max_spike_z, r->base_median);
	}
	return fa2_buf_append_cstr(b, fa2_msg(lang, "triage.no_significant_change"));
}

/* How well a resource names what a change changed: 0 a container (cluster, hosted
 * zone, a change id), 2 the changed thing itself (service, function, role, rule, key,
 * parameter, table, group, record, add-on), 1 anything else. */
static int title_rank(const fa2_tr_kv *r)
{
	static const char *const container[] = { "cluster", "hostedzone", "changeid", "restapi" };
	static const char *const thing[] = { "service", "function", "role", "securitygroup",
		"groupid", "parameter", "table", "autoscalinggroup", "key", "addon", "family",
		"taskdefinition", "stack", "bucket", "queue", "topic", "dbinstance", "listener",
		"rule", "targetgroup", "name", "record" };
	char low[64];
	size_t i, n = strlen(r->name);
	if (n >= sizeof low)
		n = sizeof low - 1;
	for (i = 0; i < n; i++) {
		char ch = r->name[i];
		low[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	low[n] = '\0';
	if (!strncmp(r->value, "/change/", 8))
		return 0;
	for (i = 0; i < sizeof container / sizeof container[0]; i++)
		if (strstr(low, container[i]))
			return 0;
	for (i = 0; i < sizeof thing / sizeof thing[0]; i++)
		if (strstr(low, thing[i]))
			return 2;
	return 1;
}

/* The resource part of an ARN ("service/prod/orders-api"), else the value itself. */
static const char *short_name(const char *v)
{
	size_t colons = 0;
	const char *p = v;
	if (strncmp(v, "arn:", 4) != 0)
		return v;
	for (; *p; p++)
		if (*p == ':' && ++colons == 5)
			return p[1] ? p + 1 : v;
	return v;
}

/* "<category> change: <EventName> on <the changed thing> (<source>)": the changed thing
 * is the most specific resource (the service, not its cluster; the role a policy was
 * detached from; the record, not its zone). */
/* 1 when the resource's kind ("AWS::ECS::Service", "taskDefinitionArn") is a noun of
 * the event's name ("UpdateService", "RegisterTaskDefinition"). */
static int named_by_event(const char *event, const char *type)
{
	char noun[64], ev[96];
	const char *p = strrchr(type, ':');
	size_t n = 0, i;
	p = p ? p + 1 : type;
	for (; *p && n + 1 < sizeof noun; p++)
		noun[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	noun[n] = '\0';
	for (i = 0; i < 3; i++) {  /* "taskDefinitionArn" -> "taskdefinition" */
		static const char *const sfx[] = { "arn", "id", "name" };
		size_t k = strlen(sfx[i]);
		if (n > k + 2 && !strcmp(noun + n - k, sfx[i]))
			noun[n -= k] = '\0';
	}
	for (i = 0; event[i] && i + 1 < sizeof ev; i++)
		ev[i] = (char)(event[i] >= 'A' && event[i] <= 'Z' ? event[i] - 'A' + 'a' : event[i]);
	ev[i] = '\0';
	return n >= 3 && strstr(ev, noun) != NULL;
}

static fa2_err change_title(fa2_buf *b, const fa2_tr_change *c, int lang)
{
	const fa2_tr_event *ev = c->ev;
	size_t i, best = 0;
	int best_rank = -1;
	fa2_err e;
	for (i = 0; i < ev->n_resources; i++) {
		int r = title_rank(&ev->resources[i]);
		if (r == 2 && named_by_event(ev->name, ev->resources[i].name))
			r = 3;
		/* the role a policy is attached to or detached from is what changed */
		if (r == 2 && strstr(ev->name, "RolePolicy") && !strstr(ev->resources[i].name, "Role") &&
		    !strstr(ev->resources[i].name, "role"))
			r = 1;
		if (r > best_rank) {
			best_rank = r;
			best = i;
		}
	}
	e = fa2_buf_appendf(b, fa2_msg(lang, "triage.change"), fa2_tr_category_name(c->cats), ev->name);
	if (!e && ev->n_resources)
		e = fa2_buf_appendf(b, fa2_msg(lang, "triage.on"), short_name(ev->resources[best].value));
	if (!e)
		e = fa2_buf_appendf(b, " (%s)", ev->source);
	return e;
}

/* One line of text for an evidence item or a timeline entry. */
static fa2_err item_text(const fa2_tr_analysis *a, fa2_tr_ref r, size_t max_text, fa2_buf *b)
{
	char t[40], dl[24];
	fa2_err e = FA2_OK;
	switch (r.kind) {
	case FA2_TR_EV_METRIC: {
		const fa2_tr_metric *m = &a->metrics[r.idx];
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.metric"), m->s->metric, *m->s->stat ? " " : "",
				m->s->stat);
		if (!e && m->s->n_dims) {
			e = fa2_buf_append_cstr(b, " [");
			if (!e)
				e = dims_text(b, m->s->dims, m->s->n_dims > 2 ? 2 : m->s->n_dims);
			if (!e)
				e = fa2_buf_append_cstr(b, "]");
		}
		if (!e)
			e = fa2_buf_append_cstr(b, m->alarm_metric ? fa2_msg(a->lang, "triage.alarm_metric") : ": ");
		if (!e)
			e = metric_finding(b, m, a->lang);
		break;
	}
	case FA2_TR_EV_TEMPLATE: {
		const fa2_tr_tpl *tp = &a->tpls[r.idx];
		fmt_time(tp->is_new ? tp->first_ms : tp->first_after_ms, t, sizeof t);
		if (tp->is_new)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.log_new_template_lines_from"),
					    fa2_tr_severity_name(tp->severity), tp->n_after, t);
		else
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.log_template_up_x_before"),
					    fa2_tr_severity_name(tp->severity), tp->ratio, tp->n_before,
					    tp->n_after, t);
		if (!e)
			e = fa2_buf_append_byte(b, '"');
		if (!e)
			e = put_text(b, tp->text, max_text, 0);
		if (!e)
			e = fa2_buf_append_byte(b, '"');
		break;
	}
	case FA2_TR_EV_CAUSE: {
		const fa2_tr_cause *s = &a->causes[r.idx];
		fmt_time(s->n_before ? s->first_after_ms : s->first_ms, t, sizeof t);
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.trace_fault_root_cause_in"),
				    s->count, 100.0 * s->share,
				    s->n_before ? fa2_msg(a->lang, "triage.rising_from") : fa2_msg(a->lang, "triage.new_from"),
				    t, s->service);
		if (!e && *s->entity)
			e = fa2_buf_appendf(b, ", at %s", s->entity);
		if (!e && *s->exception)
			e = fa2_buf_appendf(b, ": %s", s->exception);
		if (!e && *s->message) {
			e = fa2_buf_append_cstr(b, " \"");
			if (!e)
				e = put_text(b, s->message, max_text, 0);
			if (!e)
				e = fa2_buf_append_byte(b, '"');
		}
		break;
	}
	case FA2_TR_EV_CHANGE: {
		const fa2_tr_change *c = &a->changes[r.idx];
		fmt_time(c->ev->t_ms, t, sizeof t);
		e = change_title(b, c, a->lang);
		if (!e)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.by_at"),
					*c->ev->user ? c->ev->user : fa2_msg(a->lang, "triage.unknown"), t);
		if (!e && a->onset_ms) {
			fmt_delta(c->delta_ms, dl, sizeof dl);
			if (c->delta_ms == 0 && c->ev->t_ms != a->onset_ms)
				e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.within_the_onset_s_time"));
			else
				e = c->delta_ms >= 0 ? fa2_buf_appendf(b, fa2_msg(a->lang, "triage.before_onset"), dl)
					: fa2_buf_appendf(b, fa2_msg(a->lang, "triage.after_onset"), dl + 1);
		}
		if (!e && *c->ev->error_code)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.failed"), c->ev->error_code);
		break;
	}
	default:
		break;
	}
	return e;
}

/* Why a change is suspected, in words. */
static fa2_err change_why(const fa2_tr_analysis *a, const fa2_tr_change *c, fa2_buf *b)
{
	fa2_err e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.evidence_time_proximity"), c->link, c->time_score);
	unsigned bit;
	int first = 1;
	for (bit = 0; !e && bit < FA2_TR_SYM__COUNT; bit++) {
		if (!(c->explained & (1u << bit)))
			continue;
		e = fa2_buf_appendf(b, "%s%s", first ? fa2_msg(a->lang, "triage.would_explain_the_observed") : ", ",
				    fa2_tr_symptom_name(1u << bit));
		first = 0;
	}
	if (!e && !first)
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.symptoms"), c->symptom_score);
	if (!e && c->matched[0])
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.shares_resources_with_the_incident"), c->matched);
	if (!e && !c->matched[0])
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.shares_no_resource_name_with"));
	if (!e && c->routine)
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.a_routine_write_its_own"));
	if (!e && c->ev->by_service)
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.made_by_an_aws_service"));
	(void)a;
	return e;
}

static fa2_err suspect_title(const fa2_tr_analysis *a, const fa2_tr_suspect *s, fa2_buf *b)
{
	switch (s->what.kind) {
	case FA2_TR_EV_CHANGE:
		return item_text(a, s->what, 200, b);
	case FA2_TR_EV_CAUSE: {
		const fa2_tr_cause *sv = &a->causes[s->what.idx];
		fa2_err e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.failing_call"), sv->service);
		if (!e && *sv->entity && strcmp(sv->entity, sv->service))
			e = fa2_buf_appendf(b, " -> %s", sv->entity);
		if (!e && *sv->exception)
			e = fa2_buf_appendf(b, " (%s)", sv->exception);
		return e;
	}
	case FA2_TR_EV_TEMPLATE:
	case FA2_TR_EV_METRIC:
		return item_text(a, s->what, 200, b);
	default:
		return FA2_OK;
	}
}

static const char *family_name(int family)
{
	static const char *const names[] = { "other", "errors", "latency", "throttling",
		"saturation", "traffic", "tls", "headroom" };
	return family >= 0 && family <= FA2_TR_MF_HEADROOM ? names[family] : "other";
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case FA2_TR_EV_METRIC: return "metric";
	case FA2_TR_EV_TEMPLATE: return "log_template";
	case FA2_TR_EV_CAUSE: return "trace_fault";
	case FA2_TR_EV_CHANGE: return "change";
	default: return "other";
	}
}

/* ---- Markdown ---- */

static fa2_err md_header(const fa2_tr_analysis *a, fa2_buf *b)
{
	const fa2_tr_data *d = a->d;
	char f[40], t[40], o[40];
	fa2_err e;
	fmt_time(d->from_ms, f, sizeof f);
	fmt_time(d->to_ms, t, sizeof t);
	fmt_time(a->onset_ms, o, sizeof o);
	e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.fa2_triage_report_window_to"), f, t,
			    d->region && *d->region ? fa2_msg(a->lang, "triage.region") : "", d->region ? d->region : "");
	if (!e && d->alarm.name) {
		char at[40];
		fmt_time(d->alarm.t_ms, at, sizeof at);
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.alarm_at"), d->alarm.name, at);
		if (!e && d->alarm.reason && *d->alarm.reason) {
			e = fa2_buf_append_cstr(b, ": ");
			if (!e)
				e = put_text(b, d->alarm.reason, 200, 0);
		}
		if (!e)
			e = fa2_buf_append_byte(b, '\n');
	}
	if (!e)
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.estimated_onset"), o, a->onset_basis);
	if (!e)
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.analysed_log_lines_in_templates"),
				    a->n_lines, a->n_tpls, a->n_metrics, a->n_events, a->n_changes,
				    a->n_traces, a->n_fault_traces);
	if (!e && a->log_note)
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.note"), a->log_note);
	if (!e && d->coverage_note)
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.coverage"), d->coverage_note);
	return e;
}

static fa2_err md_summary(const fa2_tr_analysis *a, fa2_buf *b)
{
	fa2_err e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.summary"));
	const fa2_tr_suspect *s = a->n_suspects ? &a->suspects[0] : NULL;
	if (!e && !s)
		return fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.no_suspect_stands_out_no"));
	if (!e && a->no_change) {
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.no_change_is_implicated_no"));
		if (!e)
			e = suspect_title(a, s, b);
		if (!e)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.score"), s->score);
	} else if (!e) {
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.most_likely_cause"));
		if (!e)
			e = suspect_title(a, s, b);
		if (!e)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.score_confidence"), s->score,
					    s->score >= 0.6    ? fa2_msg(a->lang, "triage.high")
					    : s->score >= 0.35 ? fa2_msg(a->lang, "triage.medium")
					                       : fa2_msg(a->lang, "triage.low"));
	}
	if (!e && s->n_evidence)
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.it_is_followed_by_piece"), s->n_evidence);
	if (!e && a->symptoms) {
		unsigned bit;
		int first = 1;
		for (bit = 0; !e && bit < FA2_TR_SYM__COUNT; bit++)
			if (a->symptoms & (1u << bit)) {
				e = fa2_buf_appendf(b, "%s%s",
						first ? fa2_msg(a->lang, "triage.observed_symptoms") : ", ",
						    fa2_tr_symptom_name(1u << bit));
				first = 0;
			}
		if (!e)
			e = fa2_buf_append_byte(b, '.');
	}
	if (!e)
		e = fa2_buf_append_byte(b, '\n');
	return e;
}

static fa2_err md_render(const fa2_tr_analysis *a, const limits *L, omitted *om, fa2_buf *b)
{
	size_t i, j, n;
	char t[40];
	fa2_err e = md_header(a, b);
	if (!e)
		e = md_summary(a, b);
	memset(om, 0, sizeof *om);
	if (!e && a->n_suspects) {
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.suspects"));
		n = a->n_suspects < L->suspects ? a->n_suspects : L->suspects;
		om->suspects = a->n_suspects - n;
		for (i = 0; !e && i < n; i++) {
			const fa2_tr_suspect *s = &a->suspects[i];
			e = fa2_buf_appendf(b, "%zu. [%.2f] ", i + 1, s->score);
			if (!e)
				e = suspect_title(a, s, b);
			if (!e)
				e = fa2_buf_append_byte(b, '\n');
			if (!e && s->what.kind == FA2_TR_EV_CHANGE) {
				e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.why"));
				if (!e)
					e = change_why(a, &a->changes[s->what.idx], b);
				if (!e)
					e = fa2_buf_append_byte(b, '\n');
			}
			for (j = 0; !e && j < s->n_evidence && j < L->evidence; j++) {
				e = fa2_buf_append_cstr(b, "   - ");
				if (!e)
					e = item_text(a, s->evidence[j], L->text, b);
				if (!e)
					e = fa2_buf_append_byte(b, '\n');
			}
		}
		if (!e && om->suspects)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.more_suspects_omitted"), om->suspects);
	}
	if (!e && a->n_timeline && L->timeline) {
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.timeline_utc"));
		n = a->n_timeline < L->timeline ? a->n_timeline : L->timeline;
		om->timeline = a->n_timeline - n;
		/* Keep the entries nearest the onset when shortening. */
		j = 0;
		if (om->timeline && a->onset_ms) {
			while (j < a->n_timeline && a->timeline[j].t_ms < a->onset_ms)
				j++;
			j = j > n / 2 ? j - n / 2 : 0;
			if (j + n > a->n_timeline)
				j = a->n_timeline - n;
		}
		for (i = j; !e && i < j + n; i++) {
			fmt_time(a->timeline[i].t_ms, t, sizeof t);
			if (a->onset_ms && (i == j ? a->timeline[i].t_ms >= a->onset_ms
				     : a->timeline[i - 1].t_ms < a->onset_ms && a->timeline[i].t_ms >= a->onset_ms)) {
				char o[40];
				fmt_time(a->onset_ms, o, sizeof o);
				e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.estimated_onset_2"), o);
			}
			if (!e)
				e = fa2_buf_appendf(b, "- %s ", t);
			if (!e)
				e = item_text(a, a->timeline[i].ref, L->text, b);
			if (!e)
				e = fa2_buf_append_byte(b, '\n');
		}
		if (!e && om->timeline)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.more_entries_omitted"), om->timeline);
	}
	if (!e && a->n_metrics && L->metrics) {
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.metrics_metric_dimensions_finding_min"));
		n = a->n_metrics < L->metrics ? a->n_metrics : L->metrics;
		om->metrics = a->n_metrics - n;
		for (i = 0; !e && i < n; i++) {
			const fa2_tr_metric *m = &a->metrics[i];
			fa2_buf tmp;
			fa2_buf_init(&tmp, 4096);
			e = fa2_buf_appendf(b, "| %s %s%s | ", m->s->metric, m->s->stat,
					m->alarm_metric ? fa2_msg(a->lang, "triage.alarm") : "");
			if (!e)
				e = dims_text(&tmp, m->s->dims, m->s->n_dims);
			if (!e)
				e = put_text(b, tmp.data ? tmp.data : "", 120, 1);
			fa2_buf_reset(&tmp);
			if (!e)
				e = metric_finding(&tmp, m, a->lang);
			if (!e)
				e = fa2_buf_append_cstr(b, " | ");
			if (!e)
				e = put_text(b, tmp.data ? tmp.data : "", 200, 1);
			fa2_buf_cleanup(&tmp);
			if (!e)
				e = fa2_buf_appendf(b, " | %.4g | %.4g | %.4g | %.4g |\n", m->r.min, m->r.max,
						    m->r.mean, m->r.last);
		}
		if (!e && om->metrics)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.more_series_omitted"), om->metrics);
	}
	if (!e && a->n_tpls && L->tpls) {
		e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.log_templates_new_or_spiking"));
		n = a->n_tpls < L->tpls ? a->n_tpls : L->tpls;
		om->tpls = a->n_tpls - n;
		for (i = 0; !e && i < n; i++) {
			const fa2_tr_tpl *tp = &a->tpls[i];
			fmt_time(tp->first_ms, t, sizeof t);
			e = fa2_buf_appendf(b, "| %.2f%s | %zu | %zu | %s | %s | `", tp->score,
					    tp->is_new ? fa2_msg(a->lang, "triage.new") : "", tp->n_before, tp->n_after, t,
					    fa2_tr_severity_name(tp->severity));
			if (!e)
				e = put_text(b, tp->text, L->text, 1);
			if (!e)
				e = fa2_buf_append_cstr(b, "` |\n");
		}
		if (!e && om->tpls)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.more_templates_omitted"), om->tpls);
	}
	if (!e && a->n_changes && L->changes) {
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.changes_mutating_of_cloudtrail_events"),
				    a->n_changes, a->n_events);
		n = a->n_changes < L->changes ? a->n_changes : L->changes;
		om->changes = a->n_changes - n;
		for (i = 0; !e && i < n; i++) {
			const fa2_tr_change *c = &a->changes[i];
			fa2_buf tmp;
			fa2_buf_init(&tmp, 4096);
			fmt_time(c->ev->t_ms, t, sizeof t);
			e = fa2_buf_appendf(b, "| %.2f | %s | ", c->score, t);
			if (!e)
				e = change_title(&tmp, c, a->lang);
			if (!e)
				e = put_text(b, tmp.data ? tmp.data : "", 200, 1);
			if (!e)
				e = fa2_buf_append_cstr(b, " | ");
			if (!e)
				e = put_text(b, c->ev->user, 80, 1);
			fa2_buf_reset(&tmp);
			if (!e)
				e = change_why(a, c, &tmp);
			if (!e)
				e = fa2_buf_append_cstr(b, " | ");
			if (!e)
				e = put_text(b, tmp.data ? tmp.data : "", 240, 1);
			if (!e)
				e = fa2_buf_append_cstr(b, " |\n");
			fa2_buf_cleanup(&tmp);
		}
		if (!e && om->changes)
			e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.more_changes_omitted"), om->changes);
	}
	if (!e && a->n_traces && L->svcs) {
		e = fa2_buf_appendf(b, fa2_msg(a->lang, "triage.traces_traces_with_faults_with"),
				    a->n_traces, a->n_fault_traces, a->n_error_traces);
		n = a->n_svcs < L->svcs ? a->n_svcs : L->svcs;
		om->svcs = a->n_svcs - n;
		for (i = 0; !e && i < n; i++) {
			const fa2_tr_svc *s = &a->svcs[i];
			e = fa2_buf_appendf(b, "| %s | %zu | %zu | %zu | %zu |\n", s->name, s->traces, s->faults,
					    s->errors, s->root_faults);
		}
		if (!e && a->n_causes)
			e = fa2_buf_append_cstr(b, fa2_msg(a->lang, "triage.fault_root_cause_entity_exception"));
		for (i = 0; !e && i < a->n_causes && i < L->svcs; i++) {
			const fa2_tr_cause *c = &a->causes[i];
			e = fa2_buf_appendf(b, "| %s | ", c->service);
			if (!e) e = put_text(b, c->entity, 60, 1);
			if (!e) e = fa2_buf_appendf(b, " | %s | %zu | %zu | ", c->exception, c->n_before, c->n_after);
			if (!e) e = put_text(b, c->message, L->text, 1);
			if (!e) e = fa2_buf_append_cstr(b, " |\n");
		}
	}
	return e;
}

/* ---- JSON ---- */

static fa2_err js_str(fa2_buf *b, const char *key, const char *v)
{
	fa2_err e = key ? fa2_buf_appendf(b, "\"%s\":", key) : FA2_OK;
	if (!e)
		e = fa2_json_append_string(b, fa2_slice_cstr(v ? v : ""));
	return e;
}

static fa2_err js_time(fa2_buf *b, const char *key, int64_t ms)
{
	char t[40];
	if (!ms)
		return fa2_buf_appendf(b, "\"%s\":null", key);
	fmt_time(ms, t, sizeof t);
	return fa2_buf_appendf(b, "\"%s\":\"%s\"", key, t);
}

static fa2_err js_num(fa2_buf *b, const char *key, double v)
{
	if (!isfinite(v))
		return fa2_buf_appendf(b, "\"%s\":null", key);
	return fa2_buf_appendf(b, "\"%s\":%.6g", key, v);
}

static fa2_err js_item(const fa2_tr_analysis *a, fa2_tr_ref r, size_t max_text, fa2_buf *b)
{
	fa2_buf tmp;
	fa2_err e;
	fa2_buf_init(&tmp, 64 * 1024);
	e = item_text(a, r, max_text, &tmp);
	if (!e)
		e = fa2_buf_appendf(b, "{\"kind\":\"%s\",", kind_name(r.kind));
	if (!e)
		e = js_str(b, "text", tmp.data ? tmp.data : "");
	if (!e && r.kind == FA2_TR_EV_METRIC) {
		const fa2_tr_metric *m = &a->metrics[r.idx];
		e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, "metric", m->s->metric);
		if (!e)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, "label", m->s->label);
		if (!e)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_time(b, "time", m->r.onset_ms);
	} else if (!e && r.kind == FA2_TR_EV_TEMPLATE) {
		const fa2_tr_tpl *tp = &a->tpls[r.idx];
		e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, "template", tp->text);
		if (!e)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_time(b, "time", tp->is_new ? tp->first_ms : tp->first_after_ms);
	} else if (!e && r.kind == FA2_TR_EV_CAUSE) {
		const fa2_tr_cause *c = &a->causes[r.idx];
		e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, "service", c->service);
		if (!e)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, "entity", c->entity);
		if (!e)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_time(b, "time", c->n_before ? c->first_after_ms : c->first_ms);
	} else if (!e && r.kind == FA2_TR_EV_CHANGE) {
		e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, "event", a->changes[r.idx].ev->name);
		if (!e)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_time(b, "time", a->changes[r.idx].ev->t_ms);
	}
	if (!e)
		e = fa2_buf_append_byte(b, '}');
	fa2_buf_cleanup(&tmp);
	return e;
}

static fa2_err js_change(const fa2_tr_analysis *a, const fa2_tr_change *c, fa2_buf *b)
{
	fa2_buf tmp;
	size_t i;
	fa2_err e;
	fa2_buf_init(&tmp, 64 * 1024);
	e = fa2_buf_append_byte(b, '{');
	if (!e) e = js_str(b, "event", c->ev->name);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "source", c->ev->source);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_time(b, "time", c->ev->t_ms);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "user", c->ev->user);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "event_id", c->ev->id);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "category", fa2_tr_category_name(c->cats));
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "error_code", c->ev->error_code);
	if (!e) e = fa2_buf_append_cstr(b, ",\"resources\":[");
	for (i = 0; !e && i < c->ev->n_resources; i++) {
		if (i)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_str(b, NULL, c->ev->resources[i].value);
	}
	if (!e) e = fa2_buf_append_cstr(b, "],");
	if (!e) e = js_num(b, "score", c->score);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_num(b, "time_score", c->time_score);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_num(b, "symptom_score", c->symptom_score);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_num(b, "overlap_score", c->overlap_score);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_num(b, "seconds_before_onset", a->onset_ms ? (double)c->delta_ms / 1000.0 : NAN);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "matched", c->matched);
	if (!e) e = fa2_buf_appendf(b, ",\"routine\":%s,\"by_service\":%s,", c->routine ? "true" : "false",
				    c->ev->by_service ? "true" : "false");
	if (!e) e = js_num(b, "link", c->link);
	if (!e) e = change_why(a, c, &tmp);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "why", tmp.data ? tmp.data : "");
	if (!e) e = fa2_buf_append_byte(b, '}');
	fa2_buf_cleanup(&tmp);
	return e;
}

static fa2_err json_render(const fa2_tr_analysis *a, const limits *L, omitted *om, fa2_buf *b)
{
	const fa2_tr_data *d = a->d;
	size_t i, j, n;
	fa2_err e;
	memset(om, 0, sizeof *om);
	e = fa2_buf_append_cstr(b, "{\"schema\":\"fa2.triage/1\",\"window\":{");
	if (!e) e = js_time(b, "from", d->from_ms);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_time(b, "to", d->to_ms);
	if (!e) e = fa2_buf_append_cstr(b, "},");
	if (!e) e = js_str(b, "region", d->region);
	if (!e) e = fa2_buf_append_cstr(b, ",\"alarm\":");
	if (!e && d->alarm.name) {
		e = fa2_buf_append_byte(b, '{');
		if (!e) e = js_str(b, "name", d->alarm.name);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_time(b, "time", d->alarm.t_ms);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "metric", d->alarm.metric);
		if (!e) e = fa2_buf_append_byte(b, '}');
	} else if (!e)
		e = fa2_buf_append_cstr(b, "null");
	if (!e) e = fa2_buf_append_cstr(b, ",\"onset\":{");
	if (!e) e = js_time(b, "time", a->onset_ms);
	if (!e) e = fa2_buf_append_byte(b, ',');
	if (!e) e = js_str(b, "basis", a->onset_basis);
	if (!e)
		e = fa2_buf_appendf(b, "},\"inputs\":{\"log_lines\":%zu,\"templates\":%zu,\"series\":%zu,"
				    "\"events\":%zu,\"mutating_events\":%zu,\"traces\":%zu,\"fault_traces\":%zu},",
				    a->n_lines, a->n_tpls, a->n_metrics, a->n_events, a->n_changes,
				    a->n_traces, a->n_fault_traces);
	if (!e) e = fa2_buf_append_cstr(b, "\"symptoms\":[");
	for (i = 0, j = 0; !e && i < FA2_TR_SYM__COUNT; i++)
		if (a->symptoms & (1u << i))
			e = fa2_buf_appendf(b, "%s\"%s\"", j++ ? "," : "", fa2_tr_symptom_name(1u << i));
	if (!e) e = fa2_buf_append_cstr(b, "],\"notes\":[");
	if (!e && a->log_note)
		e = js_str(b, NULL, a->log_note);
	if (!e && a->d->coverage_note) {
		fa2_buf note;
		fa2_buf_init(&note, 4096);
		e = fa2_buf_appendf(&note, "coverage: %s", a->d->coverage_note);
		if (!e && a->log_note)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = fa2_json_append_string(b, fa2_buf_slice(&note));
		fa2_buf_cleanup(&note);
	}
	if (!e)
		e = fa2_buf_appendf(b, "],\"no_change_implicated\":%s", a->no_change ? "true" : "false");
	if (!e) e = fa2_buf_append_cstr(b, ",\"suspects\":[");
	n = a->n_suspects < L->suspects ? a->n_suspects : L->suspects;
	om->suspects = a->n_suspects - n;
	for (i = 0; !e && i < n; i++) {
		const fa2_tr_suspect *s = &a->suspects[i];
		fa2_buf tmp;
		fa2_buf_init(&tmp, 64 * 1024);
		e = fa2_buf_appendf(b, "%s{\"rank\":%zu,\"kind\":\"%s\",", i ? "," : "", i + 1, kind_name(s->what.kind));
		if (!e) e = js_num(b, "score", s->score);
		if (!e) e = suspect_title(a, s, &tmp);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "title", tmp.data ? tmp.data : "");
		if (!e && s->what.kind == FA2_TR_EV_CHANGE) {
			e = fa2_buf_append_cstr(b, ",\"change\":");
			if (!e) e = js_change(a, &a->changes[s->what.idx], b);
		} else if (!e && s->what.kind == FA2_TR_EV_CAUSE) {
			e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_str(b, "service", a->causes[s->what.idx].service);
			if (!e) e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_str(b, "entity", a->causes[s->what.idx].entity);
		} else if (!e && s->what.kind == FA2_TR_EV_TEMPLATE) {
			e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_str(b, "template", a->tpls[s->what.idx].text);
		} else if (!e && s->what.kind == FA2_TR_EV_METRIC) {
			e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_str(b, "metric", a->metrics[s->what.idx].s->metric);
			if (!e) e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_str(b, "label", a->metrics[s->what.idx].s->label);
		}
		if (!e) e = fa2_buf_append_cstr(b, ",\"evidence\":[");
		for (j = 0; !e && j < s->n_evidence && j < L->evidence; j++) {
			if (j)
				e = fa2_buf_append_byte(b, ',');
			if (!e)
				e = js_item(a, s->evidence[j], L->text, b);
		}
		if (!e) e = fa2_buf_append_cstr(b, "]}");
		fa2_buf_cleanup(&tmp);
	}
	if (!e) e = fa2_buf_append_cstr(b, "],\"timeline\":[");
	n = a->n_timeline < L->timeline ? a->n_timeline : L->timeline;
	om->timeline = a->n_timeline - n;
	for (i = 0; !e && i < n; i++) {
		if (i)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_item(a, a->timeline[i].ref, L->text, b);
	}
	if (!e) e = fa2_buf_append_cstr(b, "],\"metrics\":[");
	n = a->n_metrics < L->metrics ? a->n_metrics : L->metrics;
	om->metrics = a->n_metrics - n;
	for (i = 0; !e && i < n; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		fa2_buf tmp;
		fa2_buf_init(&tmp, 4096);
		e = fa2_buf_append_cstr(b, i ? ",{" : "{");
		if (!e) e = js_str(b, "label", m->s->label);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "namespace", m->s->namespace_);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "metric", m->s->metric);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "stat", m->s->stat);
		if (!e) e = dims_text(&tmp, m->s->dims, m->s->n_dims);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "dimensions", tmp.data ? tmp.data : "");
		if (!e) e = fa2_buf_appendf(b, ",\"points\":%zu,", m->r.n);
		if (!e) e = js_num(b, "min", m->r.min);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "max", m->r.max);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "mean", m->r.mean);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "last", m->r.last);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "baseline_median", m->r.base_median);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "baseline_sigma", m->r.base_sigma);
		if (!e) e = fa2_buf_append_cstr(b, ",\"shifts\":[");
		for (j = 0; !e && j < m->r.n_shifts; j++) {
			e = fa2_buf_append_cstr(b, j ? ",{" : "{");
			if (!e) e = js_time(b, "time", m->r.shifts[j].t_ms);
			if (!e) e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_num(b, "before", m->r.shifts[j].before);
			if (!e) e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_num(b, "after", m->r.shifts[j].after);
			if (!e) e = fa2_buf_append_byte(b, ',');
			if (!e) e = js_num(b, "z", m->r.shifts[j].z);
			if (!e) e = fa2_buf_append_byte(b, '}');
		}
		if (!e) e = fa2_buf_appendf(b, "],\"spikes\":%zu,", m->r.n_spikes);
		if (!e) e = js_time(b, "onset", m->r.onset_ms);
		if (!e) e = fa2_buf_appendf(b, ",\"harmful\":%s,\"alarm_metric\":%s,\"family\":\"%s\",\"at_ceiling\":%s,",
					    m->harmful ? "true" : "false", m->alarm_metric ? "true" : "false",
					    family_name(m->family), m->at_ceiling ? "true" : "false");
		if (!e) e = js_time(b, "trend_start", m->trend_ms);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "score", m->score);
		if (!e) e = fa2_buf_append_byte(b, '}');
		fa2_buf_cleanup(&tmp);
	}
	if (!e) e = fa2_buf_append_cstr(b, "],\"log_templates\":[");
	n = a->n_tpls < L->tpls ? a->n_tpls : L->tpls;
	om->tpls = a->n_tpls - n;
	for (i = 0; !e && i < n; i++) {
		const fa2_tr_tpl *tp = &a->tpls[i];
		fa2_buf tmp;
		fa2_buf_init(&tmp, 64 * 1024);
		e = fa2_buf_append_cstr(b, i ? ",{" : "{");
		if (!e) e = js_str(b, "template", tp->text);
		if (!e) e = fa2_buf_appendf(b, ",\"count\":%zu,\"before\":%zu,\"during\":%zu,\"new\":%s,",
					    tp->count, tp->n_before, tp->n_after, tp->is_new ? "true" : "false");
		if (!e) e = js_time(b, "first", tp->first_ms);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_time(b, "last", tp->last_ms);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "severity", fa2_tr_severity_name(tp->severity));
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "ratio", tp->ratio);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_num(b, "score", tp->score);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "log_group", tp->group);
		if (!e) e = put_text(&tmp, tp->example ? tp->example : "", L->text, 0);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "example", tmp.data ? tmp.data : "");
		if (!e) e = fa2_buf_append_byte(b, '}');
		fa2_buf_cleanup(&tmp);
	}
	if (!e) e = fa2_buf_append_cstr(b, "],\"changes\":[");
	n = a->n_changes < L->changes ? a->n_changes : L->changes;
	om->changes = a->n_changes - n;
	for (i = 0; !e && i < n; i++) {
		if (i)
			e = fa2_buf_append_byte(b, ',');
		if (!e)
			e = js_change(a, &a->changes[i], b);
	}
	if (!e)
		e = fa2_buf_appendf(b, "],\"traces\":{\"total\":%zu,\"faults\":%zu,\"errors\":%zu,",
				    a->n_traces, a->n_fault_traces, a->n_error_traces);
	if (!e) e = js_time(b, "fault_onset", a->trace_fault_onset_ms);
	if (!e) e = fa2_buf_append_cstr(b, ",\"services\":[");
	n = a->n_svcs < L->svcs ? a->n_svcs : L->svcs;
	om->svcs = a->n_svcs - n;
	for (i = 0; !e && i < n; i++) {
		const fa2_tr_svc *s = &a->svcs[i];
		e = fa2_buf_append_cstr(b, i ? ",{" : "{");
		if (!e) e = js_str(b, "name", s->name);
		if (!e) e = fa2_buf_appendf(b, ",\"traces\":%zu,\"faults\":%zu,\"errors\":%zu,\"throttles\":%zu,\"root_faults\":%zu}",
					    s->traces, s->faults, s->errors, s->throttles, s->root_faults);
	}
	if (!e) e = fa2_buf_append_cstr(b, "],\"fault_causes\":[");
	for (i = 0; !e && i < a->n_causes && i < L->svcs; i++) {
		const fa2_tr_cause *c = &a->causes[i];
		e = fa2_buf_append_cstr(b, i ? ",{" : "{");
		if (!e) e = js_str(b, "service", c->service);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "entity", c->entity);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "exception", c->exception);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_str(b, "message", c->message);
		if (!e) e = fa2_buf_appendf(b, ",\"count\":%zu,\"before\":%zu,\"during\":%zu,", c->count, c->n_before, c->n_after);
		if (!e) e = js_num(b, "share", c->share);
		if (!e) e = fa2_buf_append_byte(b, ',');
		if (!e) e = js_time(b, "first", c->first_ms);
		if (!e) e = fa2_buf_append_byte(b, '}');
	}
	if (!e) e = fa2_buf_append_cstr(b, "]},");
	if (!e)
		e = fa2_buf_appendf(b, "\"truncated\":%s,\"omitted\":{\"suspects\":%zu,\"timeline\":%zu,"
				    "\"metrics\":%zu,\"log_templates\":%zu,\"changes\":%zu,\"services\":%zu}}\n",
				    (om->suspects || om->timeline || om->metrics || om->tpls || om->changes || om->svcs)
				    ? "true" : "false", om->suspects, om->timeline, om->metrics, om->tpls,
				    om->changes, om->svcs);
	return e;
}

/* Shrinks the longest list first; returns 0 when nothing can shrink any more. */
static int shrink(limits *L, const fa2_tr_analysis *a)
{
	size_t *lists[5];
	size_t have[5], i, best = 5, best_n = 0;
	lists[0] = &L->timeline; have[0] = a->n_timeline;
	lists[1] = &L->tpls; have[1] = a->n_tpls;
	lists[2] = &L->changes; have[2] = a->n_changes;
	lists[3] = &L->metrics; have[3] = a->n_metrics;
	lists[4] = &L->svcs; have[4] = a->n_svcs;
	for (i = 0; i < 5; i++) {
		size_t eff = *lists[i] < have[i] ? *lists[i] : have[i];
		if (eff > best_n) {
			best_n = eff;
			best = i;
		}
	}
	if (best < 5 && best_n > 0) {
		*lists[best] = best_n / 2;
		return 1;
	}
	if (L->text > 60) {
		L->text /= 2;
		return 1;
	}
	if (L->evidence > 2) {
		L->evidence--;
		return 1;
	}
	if (L->suspects > 1) {
		L->suspects--;
		return 1;
	}
	return 0;
}

fa2_err fa2_tr_render(const fa2_tr_analysis *a, int format, size_t budget_tokens, fa2_buf *out)
{
	limits L;
	omitted om;
	fa2_buf b;
	size_t budget = budget_tokens && budget_tokens < FA2_MAX_TR_REPORT_BYTES / BYTES_PER_TOKEN
		? budget_tokens * BYTES_PER_TOKEN : FA2_MAX_TR_REPORT_BYTES;
	fa2_err e;
	L.suspects = FA2_TR_MAX_SUSPECTS;
	L.evidence = FA2_TR_MAX_EVIDENCE;
	L.timeline = 60;
	L.metrics = 30;
	L.tpls = 40;
	L.changes = 25;
	L.svcs = 15;
	L.text = 240;
	fa2_buf_init(&b, FA2_MAX_TR_REPORT_BYTES);
	for (;;) {
		fa2_buf_reset(&b);
		e = format == FA2_TR_FMT_JSON ? json_render(a, &L, &om, &b) : md_render(a, &L, &om, &b);
		if (e && e != FA2_ERR_TOO_LARGE)
			goto cleanup;
		/* Markdown keeps room for the closing note. */
		if (!e && b.len + (format == FA2_TR_FMT_JSON ? 0 : 160) <= budget)
			break;
		if (!shrink(&L, a)) {
			/* Even the smallest digest is over budget: cut Markdown at a line; JSON
			 * cannot be cut and is returned at its smallest. */
			if (!e && format != FA2_TR_FMT_JSON && b.len > budget) {
				size_t cut = budget > 40 ? budget - 40 : 0;
				while (cut > 0 && b.data[cut - 1] != '\n')
					cut--;
				fa2_buf_truncate(&b, cut);
				e = fa2_buf_append_cstr(&b, fa2_msg(a->lang, "triage.report_cut_to_the_token"));
			}
			break;
		}
	}
	if (!e && format != FA2_TR_FMT_JSON && (om.timeline || om.tpls || om.changes || om.metrics || om.svcs))
		e = fa2_buf_appendf(&b, fa2_msg(a->lang, "triage.shortened_to_fit_tokens_raise"),
				budget / BYTES_PER_TOKEN);
	if (!e)
		e = fa2_buf_append(out, b.data ? b.data : "", b.len);
cleanup:
	fa2_buf_cleanup(&b);
	return e;
}
