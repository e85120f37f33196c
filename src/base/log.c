#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/limits.h"
#include "base/time.h"

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static fa2_log_level cur_level = FA2_LOG_INFO;
static fa2_log_format cur_format = FA2_LOG_TEXT;
static int log_fd = 2;

/* Registered secrets, copied (the caller's memory may go away). Guarded by log_lock. */
static char secrets[FA2_MAX_SECRETS][FA2_MAX_SECRET_BYTES];
static size_t secret_len[FA2_MAX_SECRETS];
static size_t n_secrets;

void fa2_log_set_level(fa2_log_level level) { cur_level = level; }
fa2_log_level fa2_log_get_level(void) { return cur_level; }
void fa2_log_set_format(fa2_log_format fmt) { cur_format = fmt; }
void fa2_log_set_fd(int fd) { log_fd = fd; }
int fa2_log_enabled(fa2_log_level level) { return level <= cur_level; }

fa2_err fa2_log_parse_level(fa2_slice s, fa2_log_level *out)
{
	size_t i;
	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (fa2_slice_eq_ci(s, fa2_slice_cstr(level_names[i]))) {
			*out = (fa2_log_level)i;
			return FA2_OK;
		}
	}
	if (fa2_slice_eq_ci(s, FA2_SLICE_LIT("warning"))) {
		*out = FA2_LOG_WARN;
		return FA2_OK;
	}
	return FA2_ERR_INVALID;
}

fa2_err fa2_log_add_secret(fa2_slice secret)
{
	size_t i;
	fa2_err e = FA2_OK;
	if (secret.len < 4)
		return FA2_OK;
	if (secret.len >= FA2_MAX_SECRET_BYTES)
		return FA2_ERR_TOO_LARGE;
	pthread_mutex_lock(&log_lock);
	for (i = 0; i < n_secrets; i++) {
		if (secret_len[i] == secret.len && memcmp(secrets[i], secret.ptr, secret.len) == 0)
			goto done;
	}
	if (n_secrets == FA2_MAX_SECRETS) {
		e = FA2_ERR_TOO_LARGE;
		goto done;
	}
	memcpy(secrets[n_secrets], secret.ptr, secret.len);
	secret_len[n_secrets] = secret.len;
	n_secrets++;
done:
	pthread_mutex_unlock(&log_lock);
	return e;
}

void fa2_log_clear_secrets(void)
{
	volatile char *p = &secrets[0][0];
	size_t i;
	pthread_mutex_lock(&log_lock);
	for (i = 0; i < sizeof secrets; i++)
		p[i] = 0;
	n_secrets = 0;
	pthread_mutex_unlock(&log_lock);
}

static const char redact_mark[] = "[REDACTED]";

/* Length of the registered secret starting at p (left bytes available), 0 when none.
 * Caller holds log_lock. */
static size_t secret_at(const char *p, size_t left)
{
	size_t k;
	for (k = 0; k < n_secrets; k++)
		if (secret_len[k] <= left && p[0] == secrets[k][0] &&
		    memcmp(p, secrets[k], secret_len[k]) == 0)
			return secret_len[k];
	return 0;
}

/* Caller holds log_lock. The whole of src is redacted; only the output is bounded by
 * cap, so a secret is never cut in half before it is recognised. */
static size_t redact_locked(const char *src, size_t len, char *dst, size_t cap)
{
	size_t i = 0, o = 0, m;
	if (cap == 0)
		return 0;
	while (i < len && o + 1 < cap) {
		m = n_secrets ? secret_at(src + i, len - i) : 0;
		if (m) {
			size_t w = sizeof redact_mark - 1;
			if (w > cap - 1 - o)
				w = cap - 1 - o;
			memcpy(dst + o, redact_mark, w);
			o += w;
			i += m;
		} else {
			dst[o++] = src[i++];
		}
	}
	dst[o] = '\0';
	return o;
}

size_t fa2_log_redact(const char *src, size_t len, char *dst, size_t cap)
{
	size_t n;
	pthread_mutex_lock(&log_lock);
	n = redact_locked(src, len, dst, cap);
	pthread_mutex_unlock(&log_lock);
	return n;
}

fa2_err fa2_redact(fa2_slice in, fa2_buf *out)
{
	size_t i = 0, run = 0, m;
	fa2_err e = FA2_OK;
	pthread_mutex_lock(&log_lock);
	while (!e && i < in.len) {
		m = n_secrets ? secret_at(in.ptr + i, in.len - i) : 0;
		if (!m) {
			i++;
			run++;
			continue;
		}
		e = fa2_buf_append(out, in.ptr + i - run, run);
		if (!e)
			e = fa2_buf_append(out, redact_mark, sizeof redact_mark - 1);
		i += m;
		run = 0;
	}
	if (!e && run)
		e = fa2_buf_append(out, in.ptr + i - run, run);
	pthread_mutex_unlock(&log_lock);
	return e;
}

int fa2_redact_has(fa2_slice s)
{
	size_t i;
	int hit = 0;
	pthread_mutex_lock(&log_lock);
	for (i = 0; n_secrets && !hit && i < s.len; i++)
		hit = secret_at(s.ptr + i, s.len - i) != 0;
	pthread_mutex_unlock(&log_lock);
	return hit;
}

fa2_err fa2_redact_buf(fa2_buf *b)
{
	fa2_buf tmp;
	fa2_err e;
	if (!b->len || !fa2_redact_has(fa2_buf_slice(b)))
		return FA2_OK;
	fa2_buf_init(&tmp, FA2_REDACT_CAP(b->len) > b->max ? FA2_REDACT_CAP(b->len) : b->max);
	e = fa2_redact(fa2_buf_slice(b), &tmp);
	if (!e) {
		fa2_buf_wipe(b);
		fa2_buf_cleanup(b);
		*b = tmp;
	} else {
		fa2_buf_cleanup(&tmp);
	}
	return e;
}

/* Appends s as JSON string content (no quotes) to out at *o, bounded by cap. */
static void json_escape(const char *s, size_t len, char *out, size_t cap, size_t *o)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[7];
		size_t n = 0;
		switch (c) {
		case '"': tmp[0] = '\\'; tmp[1] = '"'; n = 2; break;
		case '\\': tmp[0] = '\\'; tmp[1] = '\\'; n = 2; break;
		case '\n': tmp[0] = '\\'; tmp[1] = 'n'; n = 2; break;
		case '\r': tmp[0] = '\\'; tmp[1] = 'r'; n = 2; break;
		case '\t': tmp[0] = '\\'; tmp[1] = 't'; n = 2; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				tmp[0] = '\\'; tmp[1] = 'u'; tmp[2] = '0'; tmp[3] = '0';
				tmp[4] = hex[c >> 4]; tmp[5] = hex[c & 15]; n = 6;
			} else {
				tmp[0] = (char)c;
				n = 1;
			}
		}
		if (*o + n + 1 > cap)
			return;
		memcpy(out + *o, tmp, n);
		*o += n;
	}
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

void fa2_vlog(fa2_log_level level, const char *module, const char *fmt, va_list ap)
{
	char small[FA2_MAX_LOG_LINE_BYTES];
	char red[FA2_MAX_LOG_LINE_BYTES];
	char line[FA2_MAX_LOG_LINE_BYTES * 2];
	char ts[40];
	char *msg = small, *big = NULL;
	size_t o = 0, rl, big_len = 0;
	int n;
	int saved_errno = errno;
	va_list aq;

	if (!fa2_log_enabled(level))
		return;
	/* The whole message is formatted and redacted before anything is cut off: a secret
	 * across the length limit must not leave its prefix behind. */
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof small, fmt, ap);
	if (n >= 0 && (size_t)n >= sizeof small && (size_t)n <= FA2_MAX_LOG_FORMAT_BYTES &&
	    (big = fa2_malloc((size_t)n + 1)) != NULL) {
		big_len = (size_t)n + 1;
		if (vsnprintf(big, big_len, fmt, aq) == n)
			msg = big;
	}
	va_end(aq);
	if (n < 0) {
		fa2_free(big);
		return;
	}
	if (msg == small && (size_t)n >= sizeof small)
		n = (int)sizeof small - 1;
	fa2_time_format_rfc3339(fa2_time_now_ms(), 0, 1, ts, sizeof ts);
	if (!module)
		module = "fa2";

	pthread_mutex_lock(&log_lock);
	rl = redact_locked(msg, (size_t)n, red, sizeof red);
	if (cur_format == FA2_LOG_JSON) {
		n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":\"", ts,
			     level_names[level]);
		o = (size_t)n;
		json_escape(module, strlen(module), line, sizeof line - 16, &o);
		memcpy(line + o, "\",\"msg\":\"", 9);
		o += 9;
		json_escape(red, rl, line, sizeof line - 4, &o);
		memcpy(line + o, "\"}\n", 3);
		o += 3;
	} else {
		n = snprintf(line, sizeof line, "%s %-5s %s: ", ts, level_names[level], module);
		o = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
		if (rl > sizeof line - o - 2)
			rl = sizeof line - o - 2;
		memcpy(line + o, red, rl);
		o += rl;
		line[o++] = '\n';
	}
	write_all(log_fd, line, o);
	pthread_mutex_unlock(&log_lock);
	if (big) { /* it may have held a secret */
		volatile char *w = big;
		size_t i;
		for (i = 0; i < big_len; i++)
			w[i] = 0;
		fa2_free(big);
	}
	errno = saved_errno;
}

void fa2_log(fa2_log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fa2_vlog(level, module, fmt, ap);
	va_end(ap);
}
