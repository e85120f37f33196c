/* Provider-independent parts: conversation storage, dispatch, retries with backoff. */
#include "llm/llm.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "llm/llm_internal.h"

/* ---- conversation ---- */

static void block_cleanup(fa2_llm_block *b)
{
	fa2_free(b->text);
	fa2_free(b->tool_id);
	fa2_free(b->tool_name);
	fa2_free(b->input_json);
	memset(b, 0, sizeof *b);
}

void fa2_llm_message_cleanup(fa2_llm_message *m)
{
	size_t i;
	if (!m)
		return;
	for (i = 0; i < m->n_blocks; i++)
		block_cleanup(&m->blocks[i]);
	fa2_free(m->blocks);
	m->blocks = NULL;
	m->n_blocks = 0;
}

/* Appends a zeroed block; NULL on no memory or at the cap. */
static fa2_llm_block *add_block(fa2_llm_message *m, fa2_err *err)
{
	fa2_llm_block *nb;
	if (m->n_blocks >= FA2_LLM_MAX_BLOCKS_PER_MESSAGE) {
		*err = FA2_ERR_TOO_LARGE;
		return NULL;
	}
	nb = fa2_realloc(m->blocks, (m->n_blocks + 1) * sizeof *nb);
	if (!nb) {
		*err = FA2_ERR_NOMEM;
		return NULL;
	}
	m->blocks = nb;
	memset(&nb[m->n_blocks], 0, sizeof *nb);
	return &nb[m->n_blocks++];
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d;
	if (!s)
		return NULL;
	d = fa2_strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

fa2_err fa2_llm_message_add_text(fa2_llm_message *m, fa2_slice text)
{
	fa2_err e = FA2_OK;
	fa2_llm_block *b = add_block(m, &e);
	if (!b)
		return e;
	b->kind = FA2_LLM_TEXT;
	b->text = fa2_strndup(text.ptr ? text.ptr : "", text.len);
	if (!b->text) {
		m->n_blocks--;
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

fa2_err fa2_llm_message_add_tool_use(fa2_llm_message *m, const char *id, const char *name,
				     const char *input_json)
{
	fa2_err e = FA2_OK;
	int oom = 0;
	fa2_llm_block *b;
	if (!id || !name)
		return FA2_ERR_INVALID;
	b = add_block(m, &e);
	if (!b)
		return e;
	b->kind = FA2_LLM_TOOL_USE;
	b->tool_id = dup_or_null(id, &oom);
	b->tool_name = dup_or_null(name, &oom);
	b->input_json = dup_or_null(input_json ? input_json : "{}", &oom);
	if (oom) {
		block_cleanup(b);
		m->n_blocks--;
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

fa2_err fa2_llm_message_add_tool_result(fa2_llm_message *m, const char *id, const char *name,
					fa2_slice text, int is_error)
{
	fa2_err e = FA2_OK;
	int oom = 0;
	fa2_llm_block *b;
	if (!id)
		return FA2_ERR_INVALID;
	b = add_block(m, &e);
	if (!b)
		return e;
	b->kind = FA2_LLM_TOOL_RESULT;
	b->tool_id = dup_or_null(id, &oom);
	b->tool_name = dup_or_null(name, &oom);
	b->text = fa2_strndup(text.ptr ? text.ptr : "", text.len);
	if (!b->text)
		oom = 1;
	b->is_error = is_error ? 1 : 0;
	if (oom) {
		block_cleanup(b);
		m->n_blocks--;
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

fa2_err fa2_llm_message_copy(fa2_llm_message *dst, const fa2_llm_message *src)
{
	size_t i;
	fa2_err e = FA2_OK;
	memset(dst, 0, sizeof *dst);
	dst->role = src->role;
	for (i = 0; i < src->n_blocks && !e; i++) {
		const fa2_llm_block *b = &src->blocks[i];
		switch (b->kind) {
		case FA2_LLM_TEXT:
			e = fa2_llm_message_add_text(dst, fa2_slice_cstr(b->text));
			break;
		case FA2_LLM_TOOL_USE:
			e = fa2_llm_message_add_tool_use(dst, b->tool_id, b->tool_name, b->input_json);
			break;
		case FA2_LLM_TOOL_RESULT:
			e = fa2_llm_message_add_tool_result(dst, b->tool_id, b->tool_name,
							    fa2_slice_cstr(b->text), b->is_error);
			break;
		}
	}
	if (e)
		fa2_llm_message_cleanup(dst);
	return e;
}

fa2_err fa2_llm_message_text(const fa2_llm_message *m, fa2_buf *out)
{
	size_t i;
	int first = 1;
	fa2_err e = FA2_OK;
	for (i = 0; i < m->n_blocks && !e; i++) {
		if (m->blocks[i].kind != FA2_LLM_TEXT)
			continue;
		if (!first)
			e = fa2_buf_append_byte(out, '\n');
		if (!e)
			e = fa2_buf_append_cstr(out, m->blocks[i].text);
		first = 0;
	}
	return e;
}

size_t fa2_llm_message_count_tool_uses(const fa2_llm_message *m)
{
	size_t i, n = 0;
	for (i = 0; i < m->n_blocks; i++)
		n += m->blocks[i].kind == FA2_LLM_TOOL_USE;
	return n;
}

void fa2_llm_conv_init(fa2_llm_conv *c)
{
	memset(c, 0, sizeof *c);
}

void fa2_llm_conv_cleanup(fa2_llm_conv *c)
{
	size_t i;
	for (i = 0; i < c->n_msgs; i++)
		fa2_llm_message_cleanup(&c->msgs[i]);
	fa2_free(c->msgs);
	memset(c, 0, sizeof *c);
}

fa2_err fa2_llm_conv_add(fa2_llm_conv *c, fa2_llm_role role, fa2_llm_message **out)
{
	if (c->n_msgs >= FA2_LLM_MAX_MESSAGES)
		return FA2_ERR_TOO_LARGE;
	if (c->n_msgs == c->cap_msgs) {
		size_t ncap = c->cap_msgs ? c->cap_msgs * 2 : 8;
		fa2_llm_message *nm = fa2_realloc(c->msgs, ncap * sizeof *nm);
		if (!nm)
			return FA2_ERR_NOMEM;
		c->msgs = nm;
		c->cap_msgs = ncap;
	}
	memset(&c->msgs[c->n_msgs], 0, sizeof c->msgs[0]);
	c->msgs[c->n_msgs].role = role;
	*out = &c->msgs[c->n_msgs++];
	return FA2_OK;
}

fa2_err fa2_llm_conv_add_copy(fa2_llm_conv *c, const fa2_llm_message *m)
{
	fa2_llm_message *slot;
	fa2_err e = fa2_llm_conv_add(c, m->role, &slot);
	if (e)
		return e;
	e = fa2_llm_message_copy(slot, m);
	if (e)
		c->n_msgs--;
	return e;
}

void fa2_llm_response_init(fa2_llm_response *r)
{
	memset(r, 0, sizeof *r);
	r->msg.role = FA2_LLM_ASSISTANT;
}

void fa2_llm_response_cleanup(fa2_llm_response *r)
{
	fa2_llm_message_cleanup(&r->msg);
	fa2_llm_response_init(r);
}

const char *fa2_llm_kind_name(fa2_llm_kind k)
{
	return k == FA2_LLM_OPENAI ? "openai" : "bedrock";
}

fa2_err fa2_llm_path_encode(fa2_slice s, fa2_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; i < s.len && !e; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			e = fa2_buf_append_byte(out, c);
		} else {
			char t[3];
			t[0] = '%';
			t[1] = hex[c >> 4];
			t[2] = hex[c & 15];
			e = fa2_buf_append(out, t, 3);
		}
	}
	return e;
}

/* ---- provider ---- */

fa2_err fa2_llm_provider_init(fa2_llm_provider *p, fa2_llm_kind kind, const char *model,
			      const char *base_url, const char *api_key)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->max_retries = 3;
	p->backoff_base_ms = 1000;
	p->backoff_max_ms = 20000;
	p->timeout_ms = 120000;
	if (!model || !*model)
		return FA2_ERR_INVALID;
	if (kind == FA2_LLM_OPENAI && (!base_url || !*base_url))
		return FA2_ERR_INVALID;
	p->model = fa2_strdup(model);
	if (base_url)
		p->base_url = fa2_strdup(base_url);
	if (api_key && *api_key) {
		size_t n = strlen(api_key);
		p->api_key = fa2_strdup(api_key);
		p->auth_header = fa2_malloc(n + 8);
		if (p->auth_header) {
			memcpy(p->auth_header, "Bearer ", 7);
			memcpy(p->auth_header + 7, api_key, n + 1);
		}
		(void)fa2_log_add_secret(fa2_slice_cstr(api_key));
	}
	if (!p->model || (base_url && !p->base_url) ||
	    (api_key && *api_key && (!p->api_key || !p->auth_header))) {
		fa2_llm_provider_cleanup(p);
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

static void wipe_free(char *s)
{
	if (s) {
		volatile char *v = s;
		size_t n = strlen(s), i;
		for (i = 0; i < n; i++)
			v[i] = 0;
		fa2_free(s);
	}
}

void fa2_llm_provider_cleanup(fa2_llm_provider *p)
{
	fa2_free(p->model);
	fa2_free(p->base_url);
	wipe_free(p->api_key);
	wipe_free(p->auth_header);
	memset(p, 0, sizeof *p);
}

fa2_err fa2_llm_build(const fa2_llm_provider *p, const fa2_llm_request *req,
		      fa2_llm_http_request *http, fa2_buf *body_out, char *path_out,
		      size_t path_cap)
{
	if (req->has_temperature && req->has_top_p)
		return FA2_ERR_INVALID; /* newer models reject both; never send them together */
	memset(http, 0, sizeof *http);
	http->method = "POST";
	http->content_type = "application/json";
	if (p->kind == FA2_LLM_OPENAI)
		return fa2_llm_openai_build(p, req, http, body_out, path_out, path_cap);
	return fa2_llm_bedrock_build(p, req, http, body_out, path_out, path_cap);
}

fa2_err fa2_llm_decode(fa2_llm_kind kind, int status, const char *error_type,
		       fa2_slice body, fa2_llm_response *resp, fa2_llm_error *err)
{
	fa2_llm_error local;
	fa2_llm_response_cleanup(resp);
	if (!err)
		err = &local;
	memset(err, 0, sizeof *err);
	err->status = status;
	if (kind == FA2_LLM_OPENAI)
		return fa2_llm_openai_decode(status, body, resp, err);
	return fa2_llm_bedrock_decode(status, error_type, body, resp, err);
}

static void default_sleep(unsigned ms)
{
	fa2_time_sleep_ms((int64_t)ms);
}

static void (*sleep_fn)(unsigned ms) = default_sleep;

void fa2_llm_set_sleep_fn(void (*fn)(unsigned ms))
{
	sleep_fn = fn ? fn : default_sleep;
}

/* Delay before retry number `attempt` (0-based): base * 2^attempt, capped, +-20% jitter. */
static unsigned backoff_ms(const fa2_llm_provider *p, unsigned attempt, uint64_t *rng)
{
	uint64_t d = p->backoff_base_ms, x;
	unsigned i, span;
	for (i = 0; i < attempt && d < p->backoff_max_ms; i++)
		d *= 2;
	if (d > p->backoff_max_ms)
		d = p->backoff_max_ms;
	/* xorshift64 */
	x = *rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	span = (unsigned)(d / 5);
	if (span == 0)
		return (unsigned)d;
	return (unsigned)(d - span + x % (2u * span + 1u));
}

static int transport_retryable(fa2_err e)
{
	return e == FA2_ERR_NET || e == FA2_ERR_CLOSED || e == FA2_ERR_TIMEOUT ||
	       e == FA2_ERR_TLS || e == FA2_ERR_DNS || e == FA2_ERR_HTTP || e == FA2_ERR_AGAIN;
}

fa2_err fa2_llm_call(fa2_llm_provider *p, const fa2_llm_request *req, int64_t deadline_mono_ms,
		     fa2_llm_response *resp, fa2_llm_error *err)
{
	fa2_llm_http_request http;
	fa2_llm_http_response hr;
	fa2_llm_error local;
	fa2_buf body;
	char path[2600];
	unsigned attempt;
	uint64_t rng = (uint64_t)fa2_time_mono_ms() * 2654435761u + (uint64_t)(uintptr_t)p + 1u;
	fa2_err e;

	if (!err)
		err = &local;
	memset(err, 0, sizeof *err);
	memset(&hr, 0, sizeof hr);
	fa2_buf_init(&hr.body, FA2_MAX_LLM_RESPONSE_BYTES);
	fa2_buf_init(&body, FA2_MAX_LLM_REQUEST_BYTES);
	if (!p->transport) {
		e = FA2_ERR_UNSUPPORTED;
		snprintf(err->message, sizeof err->message, "no transport for the %s provider",
			 fa2_llm_kind_name(p->kind));
		goto cleanup;
	}
	e = fa2_llm_build(p, req, &http, &body, path, sizeof path);
	if (e) {
		snprintf(err->message, sizeof err->message, "cannot build the request: %s",
			 fa2_err_str(e));
		goto cleanup;
	}
	for (attempt = 0;; attempt++) {
		int64_t now = fa2_time_mono_ms(), dl = now + (int64_t)p->timeout_ms;
		unsigned wait;
		if (deadline_mono_ms && dl > deadline_mono_ms)
			dl = deadline_mono_ms;
		if (deadline_mono_ms && now >= deadline_mono_ms) {
			e = err->throttled ? FA2_ERR_THROTTLED : FA2_ERR_TIMEOUT;
			goto cleanup;
		}
		http.deadline_mono_ms = dl;
		fa2_buf_reset(&hr.body);
		hr.status = 0;
		hr.error_type[0] = '\0';
		hr.retry_after_ms = 0;
		p->calls++;
		e = p->transport(p->transport_ctx, &http, &hr);
		if (e) {
			memset(err, 0, sizeof *err);
			err->retryable = transport_retryable(e);
			snprintf(err->message, sizeof err->message, "transport: %s", fa2_err_str(e));
		} else {
			e = fa2_llm_decode(p->kind, hr.status, hr.error_type, fa2_buf_slice(&hr.body),
					   resp, err);
			if (!e)
				goto cleanup;
			if (err->throttled)
				p->throttled++;
		}
		if (!err->retryable || attempt >= p->max_retries)
			goto cleanup;
		wait = backoff_ms(p, attempt, &rng);
		if (hr.retry_after_ms > (int64_t)wait)
			wait = hr.retry_after_ms > (int64_t)p->backoff_max_ms ? p->backoff_max_ms
									     : (unsigned)hr.retry_after_ms;
		if (deadline_mono_ms && fa2_time_mono_ms() + (int64_t)wait >= deadline_mono_ms)
			goto cleanup; /* no time left for another attempt: report this failure */
		FA2_LOGW("llm", "%s call failed (%s%s%s), retry %u/%u in %u ms",
			 fa2_llm_kind_name(p->kind), err->type[0] ? err->type : fa2_err_str(e),
			 err->message[0] ? ": " : "", err->message, attempt + 1, p->max_retries, wait);
		p->retries++;
		sleep_fn(wait);
	}
cleanup:
	fa2_buf_cleanup(&body);
	fa2_buf_cleanup(&hr.body);
	return e;
}
