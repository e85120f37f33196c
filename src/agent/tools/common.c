/* Shared tool helpers (see common.h). */
#include "agent/tools/common.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/time.h"

void fa2_tools_aws_failure(const fa2_tool_env *env, const char *svc, const char *op, fa2_err e,
			   const fa2_aws_outcome *oc, fa2_buf *out)
{
	char line[1700];
	if (oc && oc->stage == FA2_AWS_STAGE_NO_TIME) {
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc, op,
				      FA2_T(env, "no time left for this call", "この呼び出しの時間が残っていません"));
		return;
	}
	if (oc && oc->stage == FA2_AWS_STAGE_REPLY) {
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc, op, FA2_T(env, "the reply is not JSON", "応答が JSON ではありません"));
		return;
	}
	fa2_aws_outcome_line(svc, op, e, oc, line, sizeof line);
	(void)fa2_buf_appendf(out, "%s\n", line);
}

fa2_err fa2_tools_aws_call(const fa2_tool_env *env, const char *svc, const char *op,
			   const cJSON *input, cJSON **output, fa2_buf *out, fa2_aws_error *err_out)
{
	fa2_aws_outcome oc;
	fa2_err e;

	*output = NULL;
	memset(&oc, 0, sizeof oc);
	if (!env->aws) {
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc, op,
				      FA2_T(env, "AWS is not available (no region or credentials configured)",
					    "AWS を利用できません（リージョンか認証情報が設定されていません）"));
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	e = fa2_aws_do(env->aws, svc, op, input, env->deadline_mono_ms ? env->deadline_mono_ms
							      : fa2_time_mono_ms() + 60000, output, &oc);
	if (e)
		fa2_tools_aws_failure(env, svc, op, e, &oc, out);
cleanup:
	if (err_out)
		*err_out = oc.err;
	return e;
}

void fa2_tools_time(int64_t ms, char *buf, size_t cap)
{
	char tmp[64];
	size_t n = fa2_time_format_rfc3339(ms, 0, 0, tmp, sizeof tmp);
	if (n == 0 || n >= sizeof tmp) {
		snprintf(buf, cap, "?");
		return;
	}
	if (n > 10 && tmp[10] == 'T')
		tmp[10] = ' ';
	snprintf(buf, cap, "%s", tmp);
}

long fa2_tools_int(const cJSON *input, const char *key, long def, long lo, long hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(input, key);
	double d;
	if (!cJSON_IsNumber(v))
		return def;
	d = v->valuedouble;
	if (d != d)
		return def;
	if (d < (double)lo)
		return lo;
	if (d > (double)hi)
		return hi;
	return (long)d;
}

fa2_err fa2_tools_sql_quote(fa2_buf *out, const char *s)
{
	fa2_err e = FA2_OK;
	for (; *s && !e; s++)
		e = *s == '\'' ? fa2_buf_append_cstr(out, "''") : fa2_buf_append_byte(out, (unsigned char)*s);
	return e;
}

/* The largest n <= want such that s[n] does not start inside a UTF-8 sequence. */
static size_t char_floor(const char *s, size_t len, size_t want)
{
	size_t n = want < len ? want : len;
	while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* The smallest n >= want such that s[n] does not start inside a UTF-8 sequence (a tail
 * that starts there never makes the cut longer than asked). */
static size_t char_ceil(const char *s, size_t len, size_t want)
{
	size_t n = want < len ? want : len;
	while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* 1 when c continues an identifier ("handleErrorResponse" holds no error word). */
static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
	       c == '.';
}

/* Where s[from..to) says what went wrong: the last "Caused by" (a Java chain's root
 * cause), else the first exception with its message ("x.y.DynamoDbException: The
 * level ...", from the start of its class name), else the first error word that does
 * not sit inside an identifier; -1 when none. */
static long salient_at(const char *s, size_t from, size_t to)
{
	static const char *const words[] = { "Exception", "Error", "ERROR", "error", "FATAL", "fail", "denied",
		"refused", "timed out", "timeout", "No space", "OOM", "Killed", "exit code", "panic", "Traceback" };
	size_t i, k;
	long best = -1;
	for (i = from; i + 9 <= to; i++)
		if (!memcmp(s + i, "Caused by", 9))
			best = (long)i;
	if (best >= 0)
		return best;
	for (i = from; i + 10 <= to; i++) {
		if (!memcmp(s + i, "Exception:", 10) || !memcmp(s + i, "Error: ", 7)) {
			size_t b = i;
			while (b > from && i - b < 120 && ident_char(s[b - 1]))
				b--;
			return (long)b;
		}
	}
	for (i = from; i < to; i++) {
		if (i > 0 && ident_char(s[i - 1]) && s[i - 1] != '.')
			continue;
		for (k = 0; k < sizeof words / sizeof words[0]; k++) {
			size_t n = strlen(words[k]);
			if (i + n <= to && !memcmp(s + i, words[k], n))
				return (long)i;
		}
	}
	return -1;
}

fa2_err fa2_tools_append_cut(fa2_buf *out, const char *s, size_t len, size_t max)
{
	size_t head, tail_at, mid_at = 0, mid_end = 0;
	long at;
	fa2_err e;
	if (len <= max)
		return fa2_buf_append(out, s, len);
	if (max < 16)
		return fa2_buf_append(out, s, char_floor(s, len, max)); /* no room for a marker */
	/* Three fifths for the head, the rest (after the marker) for the tail. */
	head = char_floor(s, len, max * 3 / 5);
	tail_at = char_ceil(s, len, len - (max - head > 8 ? max - head - 5 : 0));
	if (max >= 120 && (at = salient_at(s, head, tail_at)) >= 0) {
		/* What went wrong lies in the part that would be cut (a stack trace's cause, a
		 * JSON line's error field after long metadata): two fifths for the head, a
		 * quarter from a little before it, the rest for the tail. */
		size_t h = char_floor(s, len, max * 2 / 5), m = max / 4, from = (size_t)at;
		size_t back = 0;
		while (from > h && back < 24 && s[from - 1] != '\n' && s[from - 1] != '\r') {
			from--;
			back++;
		}
		mid_at = char_floor(s, len, from > h ? from : h);
		if (mid_at < h)
			mid_at = h;
		mid_end = char_floor(s, len, mid_at + m);
		tail_at = char_ceil(s, len, len - (max - h - (mid_end - mid_at) > 10 ? max - h - (mid_end - mid_at) - 10 : 0));
		if (tail_at < mid_end)
			tail_at = mid_end;
		head = h;
	}
	if (tail_at < head)
		tail_at = head;
	e = fa2_buf_append(out, s, head);
	if (!e && mid_end > mid_at) {
		e = mid_at > head ? fa2_buf_append_cstr(out, " \xE2\x80\xA6 ") : FA2_OK;
		if (!e)
			e = fa2_buf_append(out, s + mid_at, mid_end - mid_at);
		head = mid_end;
	}
	if (!e && tail_at > head)
		e = fa2_buf_append_cstr(out, " \xE2\x80\xA6 ");
	if (!e)
		e = fa2_buf_append(out, s + tail_at, len - tail_at);
	return e;
}
