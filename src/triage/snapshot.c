/* Decoding of raw AWS responses into fa2_tr_data, and the snapshot directory reader.
 * The formats are documented in docs/snapshot.md. Every parser treats its input as
 * untrusted: fields of the wrong type are skipped, arrays are capped. */
#include "triage/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cloudwatch.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "triage/logs.h"

/* ---- string pool ---- */

struct fa2_tr_chunk {
	struct fa2_tr_chunk *next;
	size_t used, size;
	char data[];
};

#define POOL_CHUNK_BYTES (64u * 1024u)

void fa2_tr_pool_init(fa2_tr_pool *p, size_t max_bytes)
{
	p->head = p->spare = NULL;
	p->used_bytes = 0;
	p->max_bytes = max_bytes;
}

static void free_chunks(struct fa2_tr_chunk *c)
{
	struct fa2_tr_chunk *next;
	while (c) {
		next = c->next;
		fa2_free(c);
		c = next;
	}
}

void fa2_tr_pool_cleanup(fa2_tr_pool *p)
{
	free_chunks(p->head);
	free_chunks(p->spare);
	p->head = p->spare = NULL;
	p->used_bytes = 0;
}

/* Empties the pool but keeps its chunks of the usual size for what comes next (strings
 * handed out before are gone). */
static void pool_recycle(fa2_tr_pool *p)
{
	struct fa2_tr_chunk *c = p->head, *next;
	while (c) {
		next = c->next;
		if (c->size == POOL_CHUNK_BYTES) {
			c->next = p->spare;
			p->spare = c;
		} else {
			fa2_free(c);
		}
		c = next;
	}
	p->head = NULL;
	p->used_bytes = 0;
}

static void *pool_alloc(fa2_tr_pool *p, size_t n)
{
	struct fa2_tr_chunk *c = p->head;
	size_t need = (n + 7u) & ~(size_t)7u;
	if (need < n || need > p->max_bytes - p->used_bytes)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t sz = need > POOL_CHUNK_BYTES ? need : POOL_CHUNK_BYTES;
		if (sz == POOL_CHUNK_BYTES && p->spare) {
			c = p->spare;
			p->spare = c->next;
		} else if (!(c = fa2_malloc(sizeof *c + sz))) {
			return NULL;
		}
		c->used = 0;
		c->size = sz;
		/* A big one-off allocation goes behind the current chunk so the current
		 * chunk's free space stays usable. */
		if (p->head && sz > POOL_CHUNK_BYTES) {
			c->next = p->head->next;
			p->head->next = c;
		} else {
			c->next = p->head;
			p->head = c;
		}
	}
	p->used_bytes += need;
	c->used += need;
	return c->data + c->used - need;
}

char *fa2_tr_pool_strndup(fa2_tr_pool *p, const char *s, size_t len)
{
	char *r;
	if (len == (size_t)-1)
		return NULL;
	r = pool_alloc(p, len + 1);
	if (!r)
		return NULL;
	if (len)
		memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

char *fa2_tr_pool_strdup(fa2_tr_pool *p, const char *s)
{
	return fa2_tr_pool_strndup(p, s ? s : "", s ? strlen(s) : 0);
}

/* ---- data ---- */

void fa2_tr_data_init(fa2_tr_data *d)
{
	memset(d, 0, sizeof *d);
	fa2_tr_pool_init(&d->pool, FA2_MAX_TR_POOL_BYTES);
}

static void free_series(fa2_tr_series *s)
{
	fa2_free(s->t_ms);
	fa2_free(s->v);
}

void fa2_tr_data_cleanup(fa2_tr_data *d)
{
	size_t i;
	for (i = 0; i < d->n_series; i++)
		free_series(&d->series[i]);
	fa2_free(d->lines);
	fa2_free(d->series);
	fa2_free(d->events);
	fa2_free(d->traces);
	if (d->mined) {
		fa2_tr_mined_cleanup(d->mined);
		fa2_free(d->mined);
	}
	fa2_tr_pool_cleanup(&d->pool);
	memset(d, 0, sizeof *d);
}

/* Makes room for one more element in *arr (element size el, count n, capacity *cap,
 * hard cap max). */
static fa2_err grow(void **arr, size_t el, size_t n, size_t *cap, size_t max)
{
	size_t nc;
	void *p;
	if (n < *cap)
		return FA2_OK;
	if (n >= max)
		return FA2_ERR_TOO_LARGE;
	nc = *cap ? *cap * 2 : 64;
	if (nc > max)
		nc = max;
	p = fa2_realloc(*arr, nc * el);
	if (!p)
		return FA2_ERR_NOMEM;
	*arr = p;
	*cap = nc;
	return FA2_OK;
}

/* A pooled copy of s, or the copy made for an equal string among the recent ones (log
 * group and stream names repeat line after line). */
static const char *intern(fa2_tr_data *d, const char *s, fa2_err *e)
{
	size_t i;
	const char *r;
	if (*e)
		return "";
	for (i = 0; i < FA2_TR_INTERN_SLOTS && d->interned[i]; i++)
		if (strcmp(d->interned[i], s) == 0) {
			r = d->interned[i];
			memmove(&d->interned[1], &d->interned[0], i * sizeof d->interned[0]);
			d->interned[0] = r;
			return r;
		}
	r = fa2_tr_pool_strdup(&d->pool, s);
	if (!r) {
		*e = FA2_ERR_NOMEM;
		return "";
	}
	if (i == FA2_TR_INTERN_SLOTS)
		i--;
	memmove(&d->interned[1], &d->interned[0], i * sizeof d->interned[0]);
	d->interned[0] = r;
	return r;
}

static const char *pstr(fa2_tr_data *d, const char *s, fa2_err *e)
{
	char *r;
	if (*e)
		return "";
	r = fa2_tr_pool_strdup(&d->pool, s);
	if (!r) {
		*e = FA2_ERR_NOMEM;
		return "";
	}
	return r;
}

int64_t fa2_tr_json_time_s(const cJSON *it)
{
	int64_t ms;
	if (cJSON_IsNumber(it)) {
		double v = it->valuedouble;
		if (!(v < 1e11))
			return 0;
		return fa2_num_double_to_i64(v * 1000.0 + 0.5, 1, FA2_NUM_EPOCH_MAX_MS, &ms) ? 0 : ms;
	}
	if (cJSON_IsString(it) && it->valuestring &&
	    fa2_time_parse(fa2_slice_cstr(it->valuestring), 0, 0, &ms) == FA2_OK && ms > 0 &&
	    ms <= FA2_NUM_EPOCH_MAX_MS)
		return ms;
	return 0;
}

static fa2_err parse_root(fa2_slice json, cJSON **root)
{
	fa2_err e = FA2_OK;
	*root = fa2_json_parse(json, &e);
	if (!*root)
		return e ? e : FA2_ERR_PARSE;
	if (!cJSON_IsObject(*root)) {
		cJSON_Delete(*root);
		*root = NULL;
		return FA2_ERR_PARSE;
	}
	return FA2_OK;
}

/* ---- logs ---- */

/* One row of a Logs Insights result appended to the data's lines. */
static fa2_err add_row(void *ctx, const fa2_tr_logrow *r)
{
	fa2_tr_data *d = ctx;
	fa2_tr_logline *l;
	fa2_err e;
	if ((e = grow((void **)&d->lines, sizeof *d->lines, d->n_lines, &d->cap_lines,
		      FA2_MAX_TR_LOG_LINES)))
		return e;
	l = &d->lines[d->n_lines];
	l->t_ms = r->t_ms;
	l->msg_len = r->msg_len;
	l->msg = fa2_tr_pool_strndup(&d->pool, r->msg, r->msg_len);
	if (!l->msg)
		return FA2_ERR_NOMEM;
	l->group = intern(d, r->group, &e);
	l->stream = intern(d, r->stream, &e);
	if (e)
		return e;
	d->n_lines++;
	return FA2_OK;
}

/* Row by row (triage/logs.h), no tree: a document that fails to parse adds nothing. */
fa2_err fa2_tr_parse_logs(fa2_tr_data *d, fa2_slice json, const char *default_group)
{
	size_t before = d->n_lines;
	fa2_err e = fa2_tr_logs_scan(json, default_group, 0, add_row, d);
	if (e == FA2_ERR_PARSE)
		d->n_lines = before;  /* (their pooled text stays until cleanup) */
	return e;
}

/* ---- metrics ---- */

static fa2_err parse_dims(fa2_tr_data *d, const cJSON *arr, fa2_tr_kv **out, size_t *n_out)
{
	const cJSON *it;
	size_t n = 0, k = 0;
	fa2_err e = FA2_OK;
	fa2_tr_kv *kv;
	cJSON_ArrayForEach(it, arr)
		n++;
	*out = NULL;
	*n_out = 0;
	if (n == 0 || n > 64)
		return FA2_OK;
	kv = pool_alloc(&d->pool, n * sizeof *kv);
	if (!kv)
		return FA2_ERR_NOMEM;
	cJSON_ArrayForEach(it, arr) {
		const char *name = fa2_json_str(it, "Name"), *value = fa2_json_str(it, "Value");
		if (!name || !value)
			continue;
		kv[k].name = pstr(d, name, &e);
		kv[k].value = pstr(d, value, &e);
		k++;
	}
	*out = kv;
	*n_out = k;
	return e;
}

static const cJSON *find_query(const cJSON *queries, const char *id)
{
	const cJSON *q;
	cJSON_ArrayForEach(q, queries) {
		const char *qid = fa2_json_str(q, "Id");
		if (qid && strcmp(qid, id) == 0)
			return q;
	}
	return NULL;
}

fa2_err fa2_tr_parse_metrics(fa2_tr_data *d, fa2_slice json, fa2_slice queries_json)
{
	cJSON *root = NULL, *queries = NULL, *res, *r;
	fa2_err e = parse_root(json, &root);
	if (e)
		return e;
	if (queries_json.len) {
		queries = fa2_json_parse(queries_json, NULL);
		if (queries && !cJSON_IsArray(queries)) {
			cJSON_Delete(queries);
			queries = NULL;
		}
	}
	res = cJSON_GetObjectItemCaseSensitive(root, "MetricDataResults");
	cJSON_ArrayForEach(r, res) {
		const char *id = fa2_json_str(r, "Id"), *label = fa2_json_str(r, "Label");
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "Timestamps");
		const cJSON *vs = cJSON_GetObjectItemCaseSensitive(r, "Values");
		const cJSON *q, *ms, *m, *t, *v;
		fa2_tr_series *s;
		size_t n = 0;
		int64_t per;
		if (!id || !cJSON_IsArray(ts) || !cJSON_IsArray(vs))
			continue;
		if ((e = grow((void **)&d->series, sizeof *d->series, d->n_series, &d->cap_series,
			      FA2_MAX_TR_SERIES)))
			goto cleanup;
		s = &d->series[d->n_series];
		memset(s, 0, sizeof *s);
		s->id = pstr(d, id, &e);
		s->label = pstr(d, label ? label : id, &e);
		s->namespace_ = "";
		s->metric = s->label;
		s->stat = "";
		q = queries ? find_query(queries, id) : NULL;
		ms = q ? cJSON_GetObjectItemCaseSensitive(q, "MetricStat") : NULL;
		m = ms ? cJSON_GetObjectItemCaseSensitive(ms, "Metric") : NULL;
		if (m) {
			const char *ns = fa2_json_str(m, "Namespace"), *mn = fa2_json_str(m, "MetricName");
			const char *st = fa2_json_str(ms, "Stat");
			if (ns)
				s->namespace_ = pstr(d, ns, &e);
			if (mn)
				s->metric = pstr(d, mn, &e);
			if (st)
				s->stat = pstr(d, st, &e);
			if (fa2_json_i64(ms, "Period", 1, 999999999, &per))
				s->period_s = per;
			if (!e)
				e = parse_dims(d, cJSON_GetObjectItemCaseSensitive(m, "Dimensions"),
					       &s->dims, &s->n_dims);
		}
		if (e)
			goto cleanup;
		n = (size_t)cJSON_GetArraySize(ts);
		if ((size_t)cJSON_GetArraySize(vs) < n)
			n = (size_t)cJSON_GetArraySize(vs);
		if (n > FA2_MAX_TR_POINTS) {
			e = FA2_ERR_TOO_LARGE;
			goto cleanup;
		}
		if (n) {
			s->t_ms = fa2_calloc(n, sizeof *s->t_ms);
			s->v = fa2_calloc(n, sizeof *s->v);
			if (!s->t_ms || !s->v) {
				free_series(s);
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
		}
		/* Walks both arrays in step; points with a bad time or value are dropped. */
		t = ts ? ts->child : NULL;
		v = vs ? vs->child : NULL;
		for (; t && v && s->n < n; t = t->next, v = v->next) {
			int64_t tm = fa2_tr_json_time_s(t);
			if (!tm || !cJSON_IsNumber(v) || !isfinite(v->valuedouble))
				continue;
			s->t_ms[s->n] = tm;
			s->v[s->n] = v->valuedouble;
			s->n++;
		}
		fa2_cw_points_sort(s->t_ms, s->v, s->n);
		d->n_series++;
	}
cleanup:
	cJSON_Delete(queries);
	cJSON_Delete(root);
	return e;
}

/* ---- CloudTrail ---- */

#define PARAMS_MAX_BYTES 2048u
#define EVENT_MAX_RESOURCES 24u

/* True for values that look like AWS resource identifiers or names worth matching:
 * "sg-0abc12", "vpce-...", ARNs, or any key ending in Id/Name/Arn. */
static int id_like_value(const char *v)
{
	size_t n = strlen(v), i, alpha = 0;
	if (n < 3 || n > 256)
		return 0;
	if (strncmp(v, "arn:", 4) == 0)
		return 1;
	for (i = 0; i < n; i++) {
		char c = v[i];
		if (c == ' ' || c == '{' || c == '"')
			return 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha++;
	}
	return alpha > 0;
}

static int id_like_key(const char *k)
{
	size_t n = strlen(k);
	static const char *const suf[] = { "Id", "Name", "Arn", "id", "name", "arn", "Ids",
		"Names", "Arns", "cluster", "service", "Cluster", "Service", "Identifier" };
	size_t i;
	for (i = 0; i < sizeof suf / sizeof suf[0]; i++) {
		size_t m = strlen(suf[i]);
		if (n >= m && strcmp(k + n - m, suf[i]) == 0)
			return 1;
	}
	return 0;
}

struct ev_build {
	fa2_buf params;
	fa2_tr_kv res[EVENT_MAX_RESOURCES];
	size_t n_res;
};

static void add_res(fa2_tr_data *d, struct ev_build *b, const char *type, const char *name,
		    fa2_err *e)
{
	size_t i;
	if (*e || !name || !*name || b->n_res >= EVENT_MAX_RESOURCES)
		return;
	for (i = 0; i < b->n_res; i++)
		if (strcmp(b->res[i].value, name) == 0)
			return;
	b->res[b->n_res].name = pstr(d, type, e);
	b->res[b->n_res].value = pstr(d, name, e);
	if (!*e)
		b->n_res++;
}

/* Walks requestParameters: every string value goes into params (bounded); id-like
 * values under id-like keys become resources. Depth-bounded. */
static void walk_params(fa2_tr_data *d, struct ev_build *b, const cJSON *it, const char *key,
			int depth, fa2_err *e)
{
	const cJSON *c;
	if (depth > 12 || *e)
		return;
	if (cJSON_IsString(it) && it->valuestring) {
		size_t room = PARAMS_MAX_BYTES - b->params.len;
		size_t n = strlen(it->valuestring);
		if (room > 2) {
			if (b->params.len)
				(void)fa2_buf_append_byte(&b->params, ' ');
			(void)fa2_buf_append(&b->params, it->valuestring, n < room - 2 ? n : room - 2);
		}
		if (key && id_like_key(key) && id_like_value(it->valuestring))
			add_res(d, b, key, it->valuestring, e);
		return;
	}
	if (cJSON_IsNumber(it) && key && b->params.len + 24 < PARAMS_MAX_BYTES)
		(void)fa2_buf_appendf(&b->params, "%s%s=%g", b->params.len ? " " : "", key,
				      it->valuedouble);
	cJSON_ArrayForEach(c, it)
		walk_params(d, b, c, c->string ? c->string : key, depth + 1, e);
}

static int ro_from_string(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "true") == 0)
		return 1;
	if (strcmp(s, "false") == 0)
		return 0;
	return -1;
}

fa2_err fa2_tr_parse_events(fa2_tr_data *d, fa2_slice json)
{
	cJSON *root = NULL, *evs, *ev;
	struct ev_build b;
	fa2_err e = parse_root(json, &root);
	if (e)
		return e;
	fa2_buf_init(&b.params, PARAMS_MAX_BYTES);
	evs = cJSON_GetObjectItemCaseSensitive(root, "Events");
	cJSON_ArrayForEach(ev, evs) {
		const char *name = fa2_json_str(ev, "EventName");
		const char *ct = fa2_json_str(ev, "CloudTrailEvent");
		const cJSON *rs, *r, *ro;
		cJSON *inner = NULL;
		fa2_tr_event *x;
		const char *user = fa2_json_str(ev, "Username");
		const char *src = fa2_json_str(ev, "EventSource");
		const char *err = NULL, *errmsg = NULL;
		if (!name)
			continue;
		if ((e = grow((void **)&d->events, sizeof *d->events, d->n_events, &d->cap_events,
			      FA2_MAX_TR_EVENTS)))
			goto cleanup;
		x = &d->events[d->n_events];
		memset(x, 0, sizeof *x);
		fa2_buf_reset(&b.params);
		b.n_res = 0;
		x->t_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(ev, "EventTime"));
		ro = cJSON_GetObjectItemCaseSensitive(ev, "ReadOnly");
		x->read_only = cJSON_IsString(ro) ? ro_from_string(ro->valuestring)
			: cJSON_IsBool(ro) ? cJSON_IsTrue(ro) : -1;
		rs = cJSON_GetObjectItemCaseSensitive(ev, "Resources");
		cJSON_ArrayForEach(r, rs)
			add_res(d, &b, fa2_json_str(r, "ResourceType") ? fa2_json_str(r, "ResourceType") : "",
				fa2_json_str(r, "ResourceName"), &e);
		if (ct)
			inner = fa2_json_parse(fa2_slice_cstr(ct), NULL);
		if (inner && cJSON_IsObject(inner)) {
			const cJSON *ui = cJSON_GetObjectItemCaseSensitive(inner, "userIdentity");
			const cJSON *iro = cJSON_GetObjectItemCaseSensitive(inner, "readOnly");
			err = fa2_json_str(inner, "errorCode");
			errmsg = fa2_json_str(inner, "errorMessage");
			if (!src)
				src = fa2_json_str(inner, "eventSource");
			if (!user && ui)
				user = fa2_json_str(ui, "arn");
			if (ui && fa2_json_str(ui, "type") && !strcmp(fa2_json_str(ui, "type"), "AWSService"))
				x->by_service = 1;
			if (x->read_only < 0 && cJSON_IsBool(iro))
				x->read_only = cJSON_IsTrue(iro);
			if (!x->t_ms)
				x->t_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(inner, "eventTime"));
			walk_params(d, &b, cJSON_GetObjectItemCaseSensitive(inner, "requestParameters"),
				    NULL, 0, &e);
			/* Resources the call created are named in responseElements. */
			walk_params(d, &b, cJSON_GetObjectItemCaseSensitive(inner, "responseElements"),
				    NULL, 8, &e);
		}
		x->id = pstr(d, fa2_json_str(ev, "EventId"), &e);
		x->name = pstr(d, name, &e);
		x->source = pstr(d, src, &e);
		x->user = pstr(d, user, &e);
		/* Service principals are named "<service>.amazonaws.com". */
		if (x->user && strlen(x->user) > 14 && !strcmp(x->user + strlen(x->user) - 14, ".amazonaws.com"))
			x->by_service = 1;
		x->error_code = pstr(d, err, &e);
		x->error_message = pstr(d, errmsg, &e);
		cJSON_Delete(inner);  /* src, user, err and errmsg may point into it */
		x->params = e ? "" : fa2_tr_pool_strndup(&d->pool, b.params.data ? b.params.data : "",
							 b.params.len);
		if (!x->params && !e)
			e = FA2_ERR_NOMEM;
		if (!e && b.n_res) {
			x->resources = pool_alloc(&d->pool, b.n_res * sizeof *x->resources);
			if (!x->resources)
				e = FA2_ERR_NOMEM;
			else {
				memcpy(x->resources, b.res, b.n_res * sizeof *x->resources);
				x->n_resources = b.n_res;
			}
		}
		if (e)
			goto cleanup;
		d->n_events++;
	}
cleanup:
	fa2_buf_cleanup(&b.params);
	cJSON_Delete(root);
	return e;
}

/* ---- X-Ray ---- */

/* Flattens FaultRootCauses / ErrorRootCauses: one entry per root-cause service. */
static fa2_err parse_causes(fa2_tr_data *d, const cJSON *arr, fa2_tr_rootcause **out, size_t *n_out)
{
	const cJSON *rc, *svc;
	size_t n = 0, k = 0;
	fa2_err e = FA2_OK;
	fa2_tr_rootcause *v;
	cJSON_ArrayForEach(rc, arr)
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(rc, "Services"))
			n++;
	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return FA2_OK;
	if (n > 64)
		n = 64;
	v = pool_alloc(&d->pool, n * sizeof *v);
	if (!v)
		return FA2_ERR_NOMEM;
	cJSON_ArrayForEach(rc, arr) {
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(rc, "Services")) {
			const cJSON *ent, *path, *ex;
			const char *entity = "", *exn = "", *exm = "";
			const cJSON *rem = NULL;
			if (k >= n)
				break;
			path = cJSON_GetObjectItemCaseSensitive(svc, "EntityPath");
			cJSON_ArrayForEach(ent, path) {
				const char *en = fa2_json_str(ent, "Name");
				if (en)
					entity = en;
				rem = cJSON_GetObjectItemCaseSensitive(ent, "Remote");
				ex = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ent, "Exceptions"), 0);
				if (ex) {
					exn = fa2_json_str(ex, "Name") ? fa2_json_str(ex, "Name") : "";
					exm = fa2_json_str(ex, "Message") ? fa2_json_str(ex, "Message") : "";
				}
			}
			v[k].service = pstr(d, fa2_json_str(svc, "Name") ? fa2_json_str(svc, "Name") : "", &e);
			v[k].entity = pstr(d, entity, &e);
			v[k].exception = pstr(d, exn, &e);
			v[k].message = pstr(d, exm, &e);
			v[k].remote = cJSON_IsTrue(rem);
			k++;
		}
	}
	*out = v;
	*n_out = k;
	return e;
}

/* The epoch seconds embedded in an X-Ray trace id "1-5f2aebcd-<96 bits>". */
static int64_t trace_id_time(const char *id)
{
	int64_t s = 0;
	int i;
	if (!id || id[0] != '1' || id[1] != '-')
		return 0;
	for (i = 2; i < 10; i++) {
		char c = id[i];
		int dv = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (dv < 0)
			return 0;
		s = s * 16 + dv;
	}
	return id[10] == '-' ? s * 1000 : 0;
}

fa2_err fa2_tr_parse_traces(fa2_tr_data *d, fa2_slice json)
{
	cJSON *root = NULL, *sums, *t;
	fa2_err e = parse_root(json, &root);
	if (e)
		return e;
	sums = cJSON_GetObjectItemCaseSensitive(root, "TraceSummaries");
	cJSON_ArrayForEach(t, sums) {
		const char *id = fa2_json_str(t, "Id");
		const cJSON *http = cJSON_GetObjectItemCaseSensitive(t, "Http");
		const cJSON *sv, *s;
		fa2_tr_trace *x;
		double num;
		int64_t status;
		size_t n = 0, k = 0;
		if (!cJSON_IsObject(t))
			continue;
		if ((e = grow((void **)&d->traces, sizeof *d->traces, d->n_traces, &d->cap_traces,
			      FA2_MAX_TR_TRACES)))
			goto cleanup;
		x = &d->traces[d->n_traces];
		memset(x, 0, sizeof *x);
		x->id = pstr(d, id, &e);
		x->t_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(t, "StartTime"));
		if (!x->t_ms)
			x->t_ms = trace_id_time(id);
		if (fa2_json_num(t, "Duration", &num) && num >= 0 && num < 1e9)
			x->duration_s = num;
		x->fault = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "HasFault"));
		x->error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "HasError"));
		x->throttle = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "HasThrottle"));
		if (http && fa2_json_i64(http, "HttpStatus", 0, 999, &status))
			x->http_status = (int)status;
		x->url = pstr(d, http ? fa2_json_str(http, "HttpURL") : NULL, &e);
		sv = cJSON_GetObjectItemCaseSensitive(t, "ServiceIds");
		cJSON_ArrayForEach(s, sv)
			n++;
		if (n > 64)
			n = 64;
		if (n && !e) {
			x->services = pool_alloc(&d->pool, n * sizeof *x->services);
			if (!x->services)
				e = FA2_ERR_NOMEM;
			cJSON_ArrayForEach(s, sv) {
				const char *nm = fa2_json_str(s, "Name");
				if (e || k >= n)
					break;
				if (nm)
					x->services[k++] = pstr(d, nm, &e);
			}
			x->n_services = k;
		}
		if (!e)
			e = parse_causes(d, cJSON_GetObjectItemCaseSensitive(t, "FaultRootCauses"),
					 &x->faults, &x->n_faults);
		if (!e)
			e = parse_causes(d, cJSON_GetObjectItemCaseSensitive(t, "ErrorRootCauses"),
					 &x->errors, &x->n_errors);
		if (e)
			goto cleanup;
		d->n_traces++;
	}
cleanup:
	cJSON_Delete(root);
	return e;
}

/* ---- manifest and directory ---- */

static int64_t manifest_time(const cJSON *obj, const char *key)
{
	return fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* One time of a coverage range as "HH:MM" (or the date too when it is not the window's
 * start day). */
static void cov_time(const fa2_tr_data *d, const cJSON *t, char *out, size_t cap)
{
	int64_t ms = fa2_tr_json_time_s(t);
	char full[40];
	if (!ms || !fa2_time_format_rfc3339(ms, 0, 0, full, sizeof full)) {
		snprintf(out, cap, "?");
		return;
	}
	if (d->from_ms && ms / 86400000 == d->from_ms / 86400000 && strlen(full) >= 16)
		snprintf(out, cap, "%.5s", full + 11);
	else
		snprintf(out, cap, "%.16s", full);
}

/* The manifest's "coverage" (docs/snapshot.md) into d->coverage_note when any source is
 * partial or failed. */
static fa2_err parse_coverage(fa2_tr_data *d, const cJSON *cov)
{
	static const char *const sources[] = { "logs", "metrics", "cloudtrail", "xray" };
	fa2_buf note;
	size_t i;
	fa2_err e = FA2_OK;

	fa2_buf_init(&note, 1024);
	for (i = 0; cJSON_IsObject(cov) && i < sizeof sources / sizeof sources[0]; i++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(cov, sources[i]), *r;
		const char *status = fa2_json_str(s, "status");
		double kept = -1, est = -1, n = -1;
		size_t k = 0;
		if (!status || strcmp(status, "complete") == 0)
			continue;
		(void)fa2_buf_appendf(&note, "%s%s %.20s", note.len ? "; " : "", sources[i], status);
		if (i == 0) {
			fa2_json_num(s, "rows_kept", &kept);
			fa2_json_num(s, "rows_estimated", &est);
			if (kept >= 0 && est > kept && est < 1e15)
				(void)fa2_buf_appendf(&note, ": %.0f of %s %.0f rows kept", kept,
						      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "rows_estimated_is_lower_bound"))
						      ? "at least" : "about", est);
			else if (kept >= 0 && kept < 1e15)
				(void)fa2_buf_appendf(&note, ": %.0f rows kept (how many more exist is unknown)", kept);
			cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(s, "partial")) {
				char a[24], b[24];
				if (k == 0)
					(void)fa2_buf_append_cstr(&note, ", not read in full:");
				if (k++ >= 4)
					continue;
				cov_time(d, cJSON_GetObjectItemCaseSensitive(r, "from"), a, sizeof a);
				cov_time(d, cJSON_GetObjectItemCaseSensitive(r, "to"), b, sizeof b);
				(void)fa2_buf_appendf(&note, " %s..%s", a, b);
			}
			if (k > 4)
				(void)fa2_buf_appendf(&note, " and %zu more ranges", k - 4);
		} else if (fa2_json_num(s, i == 2 ? "events" : i == 3 ? "traces" : "series", &n) && n >= 0 && n < 1e15) {
			(void)fa2_buf_appendf(&note, ": %.0f %s read", n, i == 2 ? "events" : i == 3 ? "traces" : "series");
			if (strcmp(status, "partial") == 0)
				(void)fa2_buf_append_cstr(&note, ", the oldest part of the window was not");
		}
	}
	if (note.len && (e = fa2_buf_append_byte(&note, 0)) == FA2_OK)
		d->coverage_note = pstr(d, note.data, &e);
	fa2_buf_cleanup(&note);
	return e;
}

fa2_err fa2_tr_parse_manifest(fa2_tr_data *d, fa2_slice json)
{
	cJSON *root = NULL, *w, *a, *lg, *it;
	size_t n = 0;
	fa2_err e = parse_root(json, &root);
	if (e)
		return e;
	d->fa2_version = pstr(d, fa2_json_str(root, "fa2_version"), &e);
	d->region = pstr(d, fa2_json_str(root, "region"), &e);
	w = cJSON_GetObjectItemCaseSensitive(root, "window");
	d->from_ms = manifest_time(w, "from");
	d->to_ms = manifest_time(w, "to");
	a = cJSON_GetObjectItemCaseSensitive(root, "alarm");
	if (cJSON_IsObject(a) && fa2_json_str(a, "name")) {
		d->alarm.name = pstr(d, fa2_json_str(a, "name"), &e);
		d->alarm.t_ms = manifest_time(a, "state_change_time");
		d->alarm.reason = pstr(d, fa2_json_str(a, "reason"), &e);
		d->alarm.namespace_ = pstr(d, fa2_json_str(a, "namespace"), &e);
		d->alarm.metric = pstr(d, fa2_json_str(a, "metric_name"), &e);
		if (!e)
			e = parse_dims(d, cJSON_GetObjectItemCaseSensitive(a, "dimensions"),
				       &d->alarm.dims, &d->alarm.n_dims);
	}
	if (!e)
		e = parse_coverage(d, cJSON_GetObjectItemCaseSensitive(root, "coverage"));
	lg = cJSON_GetObjectItemCaseSensitive(root, "log_groups");
	cJSON_ArrayForEach(it, lg)
		n++;
	if (!e && n > 0 && n <= 1000) {
		d->log_groups = pool_alloc(&d->pool, n * sizeof *d->log_groups);
		if (!d->log_groups)
			e = FA2_ERR_NOMEM;
		cJSON_ArrayForEach(it, lg) {
			if (e)
				break;
			if (cJSON_IsString(it))
				d->log_groups[d->n_log_groups++] = pstr(d, it->valuestring, &e);
		}
	}
	cJSON_Delete(root);
	return e;
}

/* A manifest path must stay inside the snapshot directory: relative, no "..". */
static int safe_rel_path(const char *p)
{
	const char *s = p;
	if (!*p || *p == '/' || strlen(p) > 1024)
		return 0;
	while (*s) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		if (!slash)
			break;
		s = slash + 1;
	}
	return 1;
}

static int cmp_events(const void *a, const void *b)
{
	int64_t x = ((const fa2_tr_event *)a)->t_ms, y = ((const fa2_tr_event *)b)->t_ms;
	return x < y ? -1 : x > y;
}
static int cmp_traces(const void *a, const void *b)
{
	int64_t x = ((const fa2_tr_trace *)a)->t_ms, y = ((const fa2_tr_trace *)b)->t_ms;
	return x < y ? -1 : x > y;
}

static void reverse_lines(fa2_tr_logline *l, size_t n)
{
	size_t a = 0, b = n;
	while (b > a + 1) {
		fa2_tr_logline t = l[a];
		l[a++] = l[--b];
		l[b] = t;
	}
}

/* Stable sort of lines by time (the order of equal timestamps is the order AWS returned
 * them in). A natural merge sort: the input is cut into its maximal runs in order, a
 * descending run (Logs Insights sorts newest first) is reversed with its equal times
 * kept in their order, and adjacent runs are merged, the left one first on ties. A
 * result file or a run of them already in order costs one pass. */
static fa2_err sort_range(fa2_tr_logline *l, size_t n)
{
	fa2_tr_logline *tmp = NULL, *src, *dst;
	size_t *runs, n_runs = 0, i = 0, r, w;

	if (n < 2)
		return FA2_OK;
	runs = fa2_malloc((n / 2 + 2) * sizeof *runs);
	if (!runs)
		return FA2_ERR_NOMEM;
	while (i < n) {
		size_t k = i + 1;
		runs[n_runs++] = i;
		if (k < n && l[k].t_ms < l[i].t_ms) {
			size_t a;
			while (k < n && l[k].t_ms <= l[k - 1].t_ms)
				k++;
			reverse_lines(l + i, k - i);
			for (a = i; a < k;) {
				size_t b = a + 1;
				while (b < k && l[b].t_ms == l[a].t_ms)
					b++;
				reverse_lines(l + a, b - a);
				a = b;
			}
		} else {
			while (k < n && l[k].t_ms >= l[k - 1].t_ms)
				k++;
		}
		i = k;
	}
	runs[n_runs] = n;
	if (n_runs > 1 && !(tmp = fa2_malloc(n * sizeof *tmp))) {
		fa2_free(runs);
		return FA2_ERR_NOMEM;
	}
	src = l;
	dst = tmp;
	while (n_runs > 1) {
		for (r = w = 0; r < n_runs; r += 2) {
			size_t lo = runs[r], mid = runs[r + 1], hi = r + 2 <= n_runs ? runs[r + 2] : mid;
			size_t a = lo, b = mid, k = lo;
			if (r + 1 == n_runs)
				mid = hi = runs[r + 1];
			while (a < mid && b < hi)
				dst[k++] = src[b].t_ms < src[a].t_ms ? src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
			runs[w++] = lo;
		}
		runs[w] = n;
		n_runs = w;
		src = dst;
		dst = src == l ? tmp : l;
	}
	if (src != l)
		memcpy(l, src, n * sizeof *l);
	fa2_free(tmp);
	fa2_free(runs);
	return FA2_OK;
}

static fa2_err sort_lines(fa2_tr_data *d)
{
	return sort_range(d->lines, d->n_lines);
}

fa2_err fa2_tr_data_finish(fa2_tr_data *d)
{
	fa2_err e = sort_lines(d);
	if (e)
		return e;
	if (d->n_events > 1)
		qsort(d->events, d->n_events, sizeof *d->events, cmp_events);
	if (d->n_traces > 1)
		qsort(d->traces, d->n_traces, sizeof *d->traces, cmp_traces);
	return FA2_OK;
}

/* ---- mining while reading ---- */

/* A logs file of the snapshot, seen once for its rows' times. */
struct logs_file {
	size_t index;             /* order in the manifest */
	const char *rel, *group;  /* pooled; group may be NULL */
	int64_t min_ms, max_ms;   /* over its rows within the window */
	size_t rows;              /* rows within the window */
};

struct mine_read {
	int64_t from_ms, hi_ms;   /* the window; hi INT64_MAX when open */
	struct logs_file *files;
	size_t n_files, cap_files;
	size_t rows_read;         /* every row, as the reader that keeps lines counts them */
	fa2_tr_data *tmp;         /* pass 2: the lines of the run of files being mined */
};

static int in_window(const struct mine_read *mr, int64_t t)
{
	return t >= mr->from_ms && t <= mr->hi_ms;
}

/* Pass 1: the time range and count of a file's rows. */
static fa2_err range_row(void *ctx, const fa2_tr_logrow *r)
{
	struct mine_read *mr = ctx;
	struct logs_file *f = &mr->files[mr->n_files - 1];
	if (++mr->rows_read > FA2_MAX_TR_LOG_LINES)
		return FA2_ERR_TOO_LARGE;
	if (!in_window(mr, r->t_ms))
		return FA2_OK;
	if (!f->rows || r->t_ms < f->min_ms)
		f->min_ms = r->t_ms;
	if (!f->rows || r->t_ms > f->max_ms)
		f->max_ms = r->t_ms;
	f->rows++;
	return FA2_OK;
}

/* Pass 2: the rows within the window, kept until their run of files is mined. */
static fa2_err keep_row(void *ctx, const fa2_tr_logrow *r)
{
	struct mine_read *mr = ctx;
	return in_window(mr, r->t_ms) ? add_row(mr->tmp, r) : FA2_OK;
}

static fa2_err logs_file_seen(fa2_tr_data *d, struct mine_read *mr, size_t index,
			      const char *rel, const char *group, fa2_slice json)
{
	struct logs_file *f;
	fa2_err e;
	if ((e = grow((void **)&mr->files, sizeof *mr->files, mr->n_files, &mr->cap_files,
		      FA2_MAX_SNAPSHOT_FILES)))
		return e;
	f = &mr->files[mr->n_files++];
	memset(f, 0, sizeof *f);
	f->index = index;
	f->rel = fa2_tr_pool_strdup(&d->pool, rel);
	f->group = group ? fa2_tr_pool_strdup(&d->pool, group) : NULL;
	if (!f->rel || (group && !f->group))
		return FA2_ERR_NOMEM;
	return fa2_tr_logs_scan(json, group, FA2_TR_LOGS_TIMES, range_row, mr);
}

static int cmp_files_time(const void *a, const void *b)
{
	const struct logs_file *x = a, *y = b;
	if (x->min_ms != y->min_ms)
		return x->min_ms < y->min_ms ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_files_index(const void *a, const void *b)
{
	const struct logs_file *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

static fa2_err sort_range(fa2_tr_logline *l, size_t n);

/* A file's sorted rows in a merge: the next one, the end, the file's rank. */
struct cursor {
	size_t at, end, rank;
};

static int cursor_before(const fa2_tr_logline *l, const struct cursor *a, const struct cursor *b)
{
	int64_t x = l[a->at].t_ms, y = l[b->at].t_ms;
	return x < y || (x == y && a->rank < b->rank);
}

static void heap_down(const fa2_tr_logline *l, struct cursor *h, size_t n, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		struct cursor t;
		if (c < n && cursor_before(l, &h[c], &h[m]))
			m = c;
		if (c + 1 < n && cursor_before(l, &h[c + 1], &h[m]))
			m = c + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Feeds the rows of a run of files (tmp's lines, file after file in manifest order, each
 * file sorted) in time order: a k-way merge, the earlier file first on equal times,
 * which is the order a stable sort of them all would give. */
static fa2_err feed_merged(fa2_tr_feed *feed, const fa2_tr_data *tmp, const size_t *starts,
			   size_t n_files)
{
	struct cursor *h = fa2_malloc((n_files ? n_files : 1) * sizeof *h);
	size_t n = 0, k;
	fa2_err e = FA2_OK;
	if (!h)
		return FA2_ERR_NOMEM;
	for (k = 0; k < n_files; k++)
		if (starts[k] < starts[k + 1]) {
			h[n].at = starts[k];
			h[n].end = starts[k + 1];
			h[n++].rank = k;
		}
	for (k = n / 2; k-- > 0;)
		heap_down(tmp->lines, h, n, k);
	while (n && !e) {
		const fa2_tr_logline *l = &tmp->lines[h[0].at];
		e = fa2_tr_feed_line(feed, l->t_ms, l->msg, l->msg_len, l->group);
		if (++h[0].at == h[0].end)
			h[0] = h[--n];
		heap_down(tmp->lines, h, n, 0);
	}
	fa2_free(h);
	return e;
}

/* Mines every file's rows in time order. Files sorted by their first time fall into runs
 * whose time ranges overlap (or touch); a run's times all precede the next run's, so
 * the runs are mined one after the other, each held in memory only while it is mined
 * (its messages, not its files). */
static fa2_err mine_files(fa2_tr_data *d, struct mine_read *mr, const char *dir,
			  fa2_buf *fbuf, const char **why)
{
	fa2_tr_feed *feed = NULL;
	fa2_tr_mined *out = NULL;
	fa2_tr_data tmp;
	size_t *starts = NULL;
	char path[4096];
	size_t i = 0, j, k, m;
	fa2_err e;

	fa2_tr_data_init(&tmp);
	mr->tmp = &tmp;
	/* Files without a row in the window are not read again. */
	for (k = m = 0; k < mr->n_files; k++)
		if (mr->files[k].rows)
			mr->files[m++] = mr->files[k];
	mr->n_files = m;
	if (mr->n_files > 1)
		qsort(mr->files, mr->n_files, sizeof *mr->files, cmp_files_time);
	if (!(starts = fa2_malloc((mr->n_files + 1) * sizeof *starts))) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if ((e = fa2_tr_feed_new(&d->pool, &feed)))
		goto cleanup;
	while (i < mr->n_files) {
		int64_t hi = mr->files[i].max_ms;
		for (j = i + 1; j < mr->n_files && mr->files[j].min_ms <= hi; j++)
			if (mr->files[j].max_ms > hi)
				hi = mr->files[j].max_ms;
		if (j - i > 1)
			qsort(mr->files + i, j - i, sizeof *mr->files, cmp_files_index);
		for (k = i; k < j; k++) {
			const struct logs_file *f = &mr->files[k];
			starts[k - i] = tmp.n_lines;
			if (snprintf(path, sizeof path, "%s/%s", dir, f->rel) >= (int)sizeof path) {
				e = FA2_ERR_INVALID;
				goto cleanup;
			}
			fa2_buf_reset(fbuf);
			if ((e = fa2_file_read_all(path, fbuf)) ||
			    (e = fa2_tr_logs_scan(fa2_buf_slice(fbuf), f->group, FA2_TR_LOGS_NO_STREAM, keep_row, mr))) {
				if (why)
					*why = f->rel;
				goto cleanup;
			}
			if ((e = sort_range(tmp.lines + starts[k - i], tmp.n_lines - starts[k - i])))
				goto cleanup;
		}
		starts[j - i] = tmp.n_lines;
		if ((e = feed_merged(feed, &tmp, starts, j - i)))
			goto cleanup;
		/* The next run reuses the line array and the pool's chunks. */
		tmp.n_lines = 0;
		pool_recycle(&tmp.pool);
		memset(tmp.interned, 0, sizeof tmp.interned);
		i = j;
	}
	if (!(out = fa2_calloc(1, sizeof *out))) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if ((e = fa2_tr_feed_finish(feed, out)))
		goto cleanup;
	d->mined = out;
	out = NULL;
cleanup:
	fa2_free(out);
	fa2_free(starts);
	fa2_tr_feed_free(feed);
	fa2_tr_data_cleanup(&tmp);
	mr->tmp = NULL;
	return e;
}

/* ---- the directory ---- */

static fa2_err read_dir(fa2_tr_data *d, const char *dir, struct mine_read *mr, const char **why)
{
	fa2_buf mbuf, fbuf, qbuf;
	cJSON *man = NULL, *files, *f;
	char path[4096];
	size_t count = 0;
	fa2_err e;

	fa2_buf_init(&mbuf, FA2_MAX_CONFIG_BYTES);
	fa2_buf_init(&fbuf, FA2_MAX_JSON_BYTES);
	fa2_buf_init(&qbuf, FA2_MAX_CONFIG_BYTES);
	if (why)
		*why = "";
	if (snprintf(path, sizeof path, "%s/manifest.json", dir) >= (int)sizeof path) {
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	if ((e = fa2_file_read_all(path, &mbuf))) {
		if (why)
			*why = "cannot read manifest.json";
		goto cleanup;
	}
	if ((e = fa2_tr_parse_manifest(d, fa2_buf_slice(&mbuf)))) {
		if (why)
			*why = "manifest.json is not a valid snapshot manifest";
		goto cleanup;
	}
	man = fa2_json_parse(fa2_buf_slice(&mbuf), &e);
	if (!man)
		goto cleanup;
	files = cJSON_GetObjectItemCaseSensitive(man, "files");
	cJSON_ArrayForEach(f, files) {
		const char *rel = fa2_json_str(f, "path"), *kind = fa2_json_str(f, "kind");
		const cJSON *params = cJSON_GetObjectItemCaseSensitive(f, "params");
		if (++count > FA2_MAX_SNAPSHOT_FILES) {
			e = FA2_ERR_TOO_LARGE;
			if (why)
				*why = "manifest lists too many files";
			goto cleanup;
		}
		if (!rel || !kind || !safe_rel_path(rel)) {
			e = FA2_ERR_PARSE;
			if (why)
				*why = "manifest file entry lacks a safe relative path or a kind";
			goto cleanup;
		}
		if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path) {
			e = FA2_ERR_INVALID;
			goto cleanup;
		}
		fa2_buf_reset(&fbuf);
		if ((e = fa2_file_read_all(path, &fbuf))) {
			if (why)
				*why = fa2_tr_pool_strdup(&d->pool, rel);
			goto cleanup;
		}
		if (strcmp(kind, "logs") == 0) {
			const cJSON *groups = params ? cJSON_GetObjectItemCaseSensitive(params, "logGroupNames") : NULL;
			const char *g = NULL;
			if (cJSON_GetArraySize(groups) == 1 && cJSON_IsString(groups->child))
				g = groups->child->valuestring;
			else if (params && fa2_json_str(params, "logGroupName"))
				g = fa2_json_str(params, "logGroupName");
			e = mr ? logs_file_seen(d, mr, count, rel, g, fa2_buf_slice(&fbuf))
			       : fa2_tr_parse_logs(d, fa2_buf_slice(&fbuf), g);
		} else if (strcmp(kind, "metrics") == 0) {
			const cJSON *q = params ? cJSON_GetObjectItemCaseSensitive(params, "MetricDataQueries") : NULL;
			fa2_buf_reset(&qbuf);
			if (q && (e = fa2_json_append(&qbuf, q)))
				goto cleanup;
			e = fa2_tr_parse_metrics(d, fa2_buf_slice(&fbuf), fa2_buf_slice(&qbuf));
		} else if (strcmp(kind, "cloudtrail") == 0) {
			e = fa2_tr_parse_events(d, fa2_buf_slice(&fbuf));
		} else if (strcmp(kind, "xray") == 0) {
			e = fa2_tr_parse_traces(d, fa2_buf_slice(&fbuf));
		} else {
			FA2_LOGW("triage", "snapshot: %s: unknown kind '%s', skipped", rel, kind);
		}
		if (e) {
			if (why)
				*why = fa2_tr_pool_strdup(&d->pool, rel);
			goto cleanup;
		}
	}
	if (mr && (e = mine_files(d, mr, dir, &fbuf, why)))
		goto cleanup;
	e = fa2_tr_data_finish(d);
cleanup:
	cJSON_Delete(man);
	fa2_buf_cleanup(&mbuf);
	fa2_buf_cleanup(&fbuf);
	fa2_buf_cleanup(&qbuf);
	return e;
}

fa2_err fa2_tr_snapshot_read(fa2_tr_data *d, const char *dir, const char **why)
{
	return read_dir(d, dir, NULL, why);
}

fa2_err fa2_tr_snapshot_read_mined(fa2_tr_data *d, const char *dir, int64_t from_ms,
				   int64_t to_ms, const char **why)
{
	struct mine_read mr;
	fa2_err e;
	memset(&mr, 0, sizeof mr);
	mr.from_ms = from_ms;
	mr.hi_ms = to_ms ? to_ms : INT64_MAX;
	e = read_dir(d, dir, &mr, why);
	fa2_free(mr.files);
	return e;
}

void fa2_tr_data_narrow(fa2_tr_data *d, int64_t from_ms, int64_t to_ms)
{
	size_t i, j, k;
	int64_t hi = to_ms ? to_ms : INT64_MAX;
#define IN_RANGE(t) ((t) >= from_ms && (t) <= hi)
	for (i = j = 0; i < d->n_lines; i++)
		if (IN_RANGE(d->lines[i].t_ms))
			d->lines[j++] = d->lines[i];
	d->n_lines = j;
	for (i = j = 0; i < d->n_events; i++)
		if (IN_RANGE(d->events[i].t_ms))
			d->events[j++] = d->events[i];
	d->n_events = j;
	for (i = j = 0; i < d->n_traces; i++)
		if (IN_RANGE(d->traces[i].t_ms))
			d->traces[j++] = d->traces[i];
	d->n_traces = j;
	for (k = 0; k < d->n_series; k++) {
		fa2_tr_series *s = &d->series[k];
		for (i = j = 0; i < s->n; i++)
			if (IN_RANGE(s->t_ms[i])) {
				s->t_ms[j] = s->t_ms[i];
				s->v[j++] = s->v[i];
			}
		s->n = j;
	}
#undef IN_RANGE
	if (from_ms && from_ms > d->from_ms)
		d->from_ms = from_ms;
	if (to_ms && (!d->to_ms || to_ms < d->to_ms))
		d->to_ms = to_ms;
}
