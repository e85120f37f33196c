/* Amazon SNS deliveries: parsing, signatures, certificates, replay memory and
 * subscription confirmation (see sns.h). Alarm notifications: sns_alarm.c. */
#include "aws/sns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearssl_hash.h"
#include "bearssl_pem.h"
#include "bearssl_rsa.h"
#include "bearssl_x509.h"

#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/ct.h"
#include "crypto/encode.h"

#define SNS_MAX_ID_LEN     100u   /* MessageId: a UUID in practice */
#define SNS_MAX_FIELD_LEN  4096u  /* every field but Message */
#define SNS_MAX_SIG_BYTES  FA2_SNS_MAX_RSA_BYTES
#define SNS_FETCH_WINDOW_MS 60000LL

static void say(char *why, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (!why || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

const char *fa2_sns_verdict_name(fa2_sns_verdict v)
{
	switch (v) {
	case FA2_SNS_OK: return "ok";
	case FA2_SNS_MALFORMED: return "malformed";
	case FA2_SNS_UNKNOWN_TOPIC: return "unknown-topic";
	case FA2_SNS_STALE: return "stale";
	case FA2_SNS_BAD_CERT_URL: return "bad-cert-url";
	case FA2_SNS_CERT_UNAVAILABLE: return "cert-unavailable";
	case FA2_SNS_BAD_CERT: return "bad-cert";
	case FA2_SNS_BAD_SIGNATURE: return "bad-signature";
	case FA2_SNS_REPLAY: return "replay";
	case FA2_SNS_INTERNAL: return "internal";
	}
	return "unknown";
}

int fa2_sns_verdict_transient(fa2_sns_verdict v)
{
	return v == FA2_SNS_CERT_UNAVAILABLE || v == FA2_SNS_INTERNAL;
}

/* ---- parsing ------------------------------------------------------------------------ */

void fa2_sns_message_cleanup(fa2_sns_message *m)
{
	if (!m)
		return;
	cJSON_Delete(m->doc);
	memset(m, 0, sizeof *m);
}

/* The string member key of m->doc: *out NULL when absent or JSON null; MALFORMED when
 * present with another type or too long (max 0: no limit beyond the body's). */
static int field(const cJSON *doc, const char *key, size_t max, const char **out, char *why,
                 size_t cap)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(doc, key);
	*out = NULL;
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsString(j)) {
		say(why, cap, "the field %s is not a string", key);
		return -1;
	}
	if (max && strlen(j->valuestring) > max) {
		say(why, cap, "the field %s is longer than %zu bytes", key, max);
		return -1;
	}
	*out = j->valuestring;
	return 0;
}

static int region_ok(fa2_slice r)
{
	size_t i;
	if (r.len == 0 || r.len > 31)
		return 0;
	for (i = 0; i < r.len; i++) {
		char c = r.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

/* arn:PARTITION:sns:REGION:ACCOUNT:NAME */
static int parse_topic_arn(const char *arn, fa2_sns_message *m)
{
	fa2_slice s = fa2_slice_cstr(arn), part[6];
	size_t i;
	for (i = 0; i < 5; i++) {
		if (!fa2_slice_split(s, ':', &part[i], &s))
			return -1;
	}
	part[5] = s;
	if (!fa2_slice_eq_cstr(part[0], "arn") || !fa2_slice_eq_cstr(part[2], "sns") ||
	    part[1].len == 0 || part[1].len >= sizeof m->partition || !region_ok(part[3]) ||
	    part[4].len != 12 || part[5].len == 0 || part[5].len > 256)
		return -1;
	for (i = 0; i < 12; i++)
		if (part[4].ptr[i] < '0' || part[4].ptr[i] > '9')
			return -1;
	memcpy(m->partition, part[1].ptr, part[1].len);
	m->partition[part[1].len] = '\0';
	memcpy(m->region, part[3].ptr, part[3].len);
	m->region[part[3].len] = '\0';
	memcpy(m->account, part[4].ptr, 12);
	m->account[12] = '\0';
	return 0;
}

/* SNS writes "2012-04-26T20:45:04.751Z"; anything else is refused rather than guessed. */
static int parse_timestamp(const char *ts, int64_t *ms)
{
	size_t n = strlen(ts), i;
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (n < 20 || n > 40 || ts[n - 1] != 'Z')
		return -1;
	for (i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? (ts[i] < '0' || ts[i] > '9') : ts[i] != shape[i])
			return -1;
	}
	if (ts[19] != 'Z' && ts[19] != '.')
		return -1;
	return fa2_time_parse(fa2_slice_make(ts, n), 0, 0, ms) == FA2_OK ? 0 : -1;
}

static int header_mismatch(fa2_slice h, const char *v)
{
	h = fa2_slice_trim(h);
	return h.len > 0 && !fa2_slice_eq_cstr(h, v ? v : "");
}

fa2_sns_verdict fa2_sns_parse(fa2_slice body, const fa2_sns_headers *h, fa2_sns_message *m,
                              char *why, size_t cap)
{
	fa2_err pe = FA2_OK;
	const char *type = NULL;
	fa2_sns_verdict v = FA2_SNS_MALFORMED;

	memset(m, 0, sizeof *m);
	if (why && cap)
		why[0] = '\0';
	if (body.len > FA2_MAX_SNS_BODY_BYTES) {
		say(why, cap, "the body is larger than %u bytes", FA2_MAX_SNS_BODY_BYTES);
		return FA2_SNS_MALFORMED;
	}
	m->doc = fa2_json_parse(body, &pe);
	if (!m->doc) {
		if (pe == FA2_ERR_NOMEM) {
			say(why, cap, "out of memory");
			return FA2_SNS_INTERNAL;
		}
		say(why, cap, "the body is not JSON");
		return FA2_SNS_MALFORMED;
	}
	if (!cJSON_IsObject(m->doc)) {
		say(why, cap, "the body is not a JSON object");
		goto fail;
	}
	if (field(m->doc, "Type", 64, &type, why, cap) ||
	    field(m->doc, "MessageId", SNS_MAX_ID_LEN, &m->message_id, why, cap) ||
	    field(m->doc, "TopicArn", SNS_MAX_FIELD_LEN, &m->topic_arn, why, cap) ||
	    field(m->doc, "Subject", SNS_MAX_FIELD_LEN, &m->subject, why, cap) ||
	    field(m->doc, "Message", 0, &m->message, why, cap) ||
	    field(m->doc, "Timestamp", 64, &m->timestamp, why, cap) ||
	    field(m->doc, "SignatureVersion", 8, &m->signature_version, why, cap) ||
	    field(m->doc, "Signature", SNS_MAX_FIELD_LEN, &m->signature, why, cap) ||
	    field(m->doc, "SigningCertURL", FA2_SNS_MAX_URL - 1, &m->signing_cert_url, why, cap) ||
	    field(m->doc, "SubscribeURL", SNS_MAX_FIELD_LEN, &m->subscribe_url, why, cap) ||
	    field(m->doc, "Token", SNS_MAX_FIELD_LEN, &m->token, why, cap) ||
	    field(m->doc, "UnsubscribeURL", SNS_MAX_FIELD_LEN, &m->unsubscribe_url, why, cap))
		goto fail;
	if (!type) {
		say(why, cap, "no Type field: not an SNS message");
		goto fail;
	}
	m->type_str = type;
	if (strcmp(type, "Notification") == 0)
		m->type = FA2_SNS_NOTIFICATION;
	else if (strcmp(type, "SubscriptionConfirmation") == 0)
		m->type = FA2_SNS_SUBSCRIPTION_CONFIRMATION;
	else if (strcmp(type, "UnsubscribeConfirmation") == 0)
		m->type = FA2_SNS_UNSUBSCRIBE_CONFIRMATION;
	else {
		say(why, cap, "unknown Type \"%.64s\"", type);
		goto fail;
	}
	{
		const char *missing = !m->message_id ? "MessageId" : !m->topic_arn ? "TopicArn"
		                    : !m->message ? "Message" : !m->timestamp ? "Timestamp"
		                    : !m->signature_version ? "SignatureVersion"
		                    : !m->signature ? "Signature"
		                    : !m->signing_cert_url ? "SigningCertURL" : NULL;
		if (!missing && m->type != FA2_SNS_NOTIFICATION)
			missing = !m->subscribe_url ? "SubscribeURL" : !m->token ? "Token" : NULL;
		if (missing) {
			say(why, cap, "%s has no %s field", type, missing);
			goto fail;
		}
	}
	if (m->message_id[0] == '\0') {
		say(why, cap, "empty MessageId");
		goto fail;
	}
	if (strcmp(m->signature_version, "1") == 0)
		m->sig_version = 1;
	else if (strcmp(m->signature_version, "2") == 0)
		m->sig_version = 2;
	else {
		say(why, cap, "unsupported SignatureVersion \"%.8s\" (1 and 2 are known)",
		    m->signature_version);
		goto fail;
	}
	if (parse_topic_arn(m->topic_arn, m)) {
		say(why, cap, "TopicArn \"%.200s\" is not an SNS topic ARN", m->topic_arn);
		goto fail;
	}
	if (parse_timestamp(m->timestamp, &m->timestamp_ms)) {
		say(why, cap, "Timestamp \"%.64s\" is not an ISO 8601 UTC time", m->timestamp);
		goto fail;
	}
	if (h) {
		const char *bad = header_mismatch(h->message_type, type) ? "x-amz-sns-message-type"
		                : header_mismatch(h->message_id, m->message_id) ? "x-amz-sns-message-id"
		                : header_mismatch(h->topic_arn, m->topic_arn) ? "x-amz-sns-topic-arn"
		                : NULL;
		if (bad) {
			say(why, cap, "the %s header disagrees with the body", bad);
			goto fail;
		}
	}
	return FA2_SNS_OK;
fail:
	fa2_sns_message_cleanup(m);
	return v;
}

static fa2_err kv(fa2_buf *out, const char *k, const char *v)
{
	fa2_err e = fa2_buf_append_cstr(out, k);
	if (!e)
		e = fa2_buf_append_byte(out, '\n');
	if (!e)
		e = fa2_buf_append_cstr(out, v);
	if (!e)
		e = fa2_buf_append_byte(out, '\n');
	return e;
}

fa2_err fa2_sns_string_to_sign(const fa2_sns_message *m, fa2_buf *out)
{
	fa2_err e;
	if (!m->type_str || !m->message || !m->message_id || !m->timestamp || !m->topic_arn)
		return FA2_ERR_INVALID;
	e = kv(out, "Message", m->message);
	if (!e)
		e = kv(out, "MessageId", m->message_id);
	if (m->type == FA2_SNS_NOTIFICATION) {
		if (!e && m->subject)
			e = kv(out, "Subject", m->subject);
	} else {
		if (!m->subscribe_url || !m->token)
			return FA2_ERR_INVALID;
		if (!e)
			e = kv(out, "SubscribeURL", m->subscribe_url);
	}
	if (!e)
		e = kv(out, "Timestamp", m->timestamp);
	if (!e && m->type != FA2_SNS_NOTIFICATION)
		e = kv(out, "Token", m->token);
	if (!e)
		e = kv(out, "TopicArn", m->topic_arn);
	if (!e)
		e = kv(out, "Type", m->type_str);
	return e;
}

/* ---- certificates ------------------------------------------------------------------- */

static void der_sink(void *ctx, const void *data, size_t len)
{
	fa2_buf *b = ctx;
	/* A failed append leaves the buffer short; decoding then fails: no other signal. */
	if (b->max != 0 && fa2_buf_append(b, data, len) != FA2_OK)
		b->max = 0;
}

/* The DER of the first CERTIFICATE object in pem into der. */
static int pem_first_cert(fa2_slice pem, fa2_buf *der)
{
	br_pem_decoder_context pc;
	const unsigned char *p = (const unsigned char *)pem.ptr;
	size_t left = pem.len;
	int in_cert = 0;

	br_pem_decoder_init(&pc);
	while (left > 0) {
		size_t n = br_pem_decoder_push(&pc, p, left);
		p += n;
		left -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ: {
			const char *name = br_pem_decoder_name(&pc);
			in_cert = strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
			br_pem_decoder_setdest(&pc, in_cert ? der_sink : NULL, in_cert ? der : NULL);
			break;
		}
		case BR_PEM_END_OBJ:
			if (in_cert)
				return der->max != 0 && der->len > 0 ? 0 : -1;
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return -1;
}

/* BearSSL counts days from 0000-01-01 (proleptic Gregorian); the epoch is day 719528. */
static int64_t x509_time_ms(uint32_t days, uint32_t secs)
{
	return ((int64_t)days - 719528) * FA2_TIME_MS_PER_DAY + (int64_t)secs * 1000;
}

fa2_sns_verdict fa2_sns_cert_parse(fa2_slice pem, fa2_sns_cert *out, char *why, size_t cap)
{
	br_x509_decoder_context *dc = NULL;
	const br_x509_pkey *pk;
	fa2_buf der;
	fa2_slice d;
	fa2_sns_verdict v = FA2_SNS_BAD_CERT;

	memset(out, 0, sizeof *out);
	fa2_buf_init(&der, FA2_MAX_SNS_CERT_BYTES);
	if (pem.len > FA2_MAX_SNS_CERT_BYTES) {
		say(why, cap, "the signing certificate is larger than %u bytes", FA2_MAX_SNS_CERT_BYTES);
		goto cleanup;
	}
	if (fa2_slice_find(pem, FA2_SLICE_LIT("-----BEGIN ")) >= 0) {
		if (pem_first_cert(pem, &der)) {
			say(why, cap, "the signing certificate is not a PEM certificate");
			goto cleanup;
		}
		d = fa2_buf_slice(&der);
	} else {
		d = pem;
	}
	dc = fa2_malloc(sizeof *dc);
	if (!dc) {
		say(why, cap, "out of memory");
		v = FA2_SNS_INTERNAL;
		goto cleanup;
	}
	br_x509_decoder_init(dc, NULL, NULL);
	br_x509_decoder_push(dc, d.ptr, d.len);
	pk = br_x509_decoder_get_pkey(dc);
	if (!pk) {
		say(why, cap, "the signing certificate cannot be decoded (BearSSL error %d)",
		    br_x509_decoder_last_error(dc));
		goto cleanup;
	}
	if (pk->key_type != BR_KEYTYPE_RSA) {
		say(why, cap, "the signing certificate's key is not RSA");
		goto cleanup;
	}
	if (pk->key.rsa.nlen > sizeof out->n || pk->key.rsa.elen > sizeof out->e ||
	    pk->key.rsa.nlen == 0 || pk->key.rsa.elen == 0) {
		say(why, cap, "the signing certificate's RSA key has an unsupported size");
		goto cleanup;
	}
	memcpy(out->n, pk->key.rsa.n, pk->key.rsa.nlen);
	out->nlen = pk->key.rsa.nlen;
	memcpy(out->e, pk->key.rsa.e, pk->key.rsa.elen);
	out->elen = pk->key.rsa.elen;
	out->not_before_ms = x509_time_ms(dc->notbefore_days, dc->notbefore_seconds);
	out->not_after_ms = x509_time_ms(dc->notafter_days, dc->notafter_seconds);
	v = FA2_SNS_OK;
cleanup:
	fa2_free(dc);
	fa2_buf_cleanup(&der);
	return v;
}

fa2_sns_verdict fa2_sns_cert_check_time(const fa2_sns_cert *c, int64_t now_ms, char *why,
                                        size_t cap)
{
	char t[40];
	if (now_ms < c->not_before_ms) {
		fa2_time_format_rfc3339(c->not_before_ms, 0, 0, t, sizeof t);
		say(why, cap, "the signing certificate is not valid before %s", t);
		return FA2_SNS_BAD_CERT;
	}
	if (now_ms > c->not_after_ms) {
		fa2_time_format_rfc3339(c->not_after_ms, 0, 0, t, sizeof t);
		say(why, cap, "the signing certificate expired at %s", t);
		return FA2_SNS_BAD_CERT;
	}
	return FA2_SNS_OK;
}

fa2_sns_verdict fa2_sns_signature_check(const fa2_sns_message *m, const fa2_sns_cert *c,
                                        char *why, size_t cap)
{
	br_rsa_public_key pk;
	br_rsa_pkcs1_vrfy vrfy = br_rsa_pkcs1_vrfy_get_default();
	unsigned char want[32], got[32];
	const unsigned char *oid;
	size_t hlen;
	fa2_buf sts, sig;
	fa2_sns_verdict v = FA2_SNS_INTERNAL;

	fa2_buf_init(&sts, FA2_MAX_SNS_BODY_BYTES + 4096);
	fa2_buf_init(&sig, SNS_MAX_SIG_BYTES);
	if (!m->signature || fa2_base64_decode(fa2_slice_cstr(m->signature), FA2_B64_STD, &sig)) {
		say(why, cap, "the Signature is not base64 of an RSA signature");
		v = FA2_SNS_BAD_SIGNATURE;
		goto cleanup;
	}
	if (sig.len != c->nlen) {
		say(why, cap, "the Signature is %zu bytes, the certificate's key %zu", sig.len, c->nlen);
		v = FA2_SNS_BAD_SIGNATURE;
		goto cleanup;
	}
	if (fa2_sns_string_to_sign(m, &sts)) {
		say(why, cap, "cannot build the string to sign");
		goto cleanup;
	}
	if (m->sig_version == 1) {
		br_sha1_context h;
		br_sha1_init(&h);
		br_sha1_update(&h, sts.data, sts.len);
		br_sha1_out(&h, want);
		oid = BR_HASH_OID_SHA1;
		hlen = br_sha1_SIZE;
	} else {
		br_sha256_context h;
		br_sha256_init(&h);
		br_sha256_update(&h, sts.data, sts.len);
		br_sha256_out(&h, want);
		oid = BR_HASH_OID_SHA256;
		hlen = br_sha256_SIZE;
	}
	pk.n = (unsigned char *)c->n;
	pk.nlen = c->nlen;
	pk.e = (unsigned char *)c->e;
	pk.elen = c->elen;
	if (!vrfy((const unsigned char *)sig.data, sig.len, oid, hlen, &pk, got) ||
	    !fa2_ct_eq(want, got, hlen)) {
		say(why, cap, "the signature (SignatureVersion %d, %s) does not verify",
		    m->sig_version, m->sig_version == 1 ? "SHA1withRSA" : "SHA256withRSA");
		v = FA2_SNS_BAD_SIGNATURE;
		goto cleanup;
	}
	v = FA2_SNS_OK;
cleanup:
	fa2_buf_cleanup(&sts);
	fa2_buf_cleanup(&sig);
	return v;
}

/* ---- URLs --------------------------------------------------------------------------- */

fa2_err fa2_sns_host(const char *region, char *out, size_t cap)
{
	int n;
	if (!region || !region_ok(fa2_slice_cstr(region)))
		return FA2_ERR_INVALID;
	n = snprintf(out, cap, "sns.%s.%s", region,
	             strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com");
	return n > 0 && (size_t)n < cap ? FA2_OK : FA2_ERR_TOO_LARGE;
}

static int path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '/';
}

fa2_sns_verdict fa2_sns_url_check(fa2_slice url, const char *kind, const char *region,
                                  const char *override_host, unsigned override_port,
                                  char *target, size_t target_cap, char *why, size_t cap)
{
	fa2_slice rest, auth, path, query = FA2_SLICE_EMPTY, host, port = FA2_SLICE_EMPTY;
	char sns_host[96];
	int is_cert = strcmp(kind, "cert") == 0;
	long slash, q, colon;
	size_t i;

	if (target_cap)
		target[0] = '\0';
	if (!fa2_slice_starts_with(url, FA2_SLICE_LIT("https://"))) {
		say(why, cap, "the %s URL is not https", kind);
		return FA2_SNS_BAD_CERT_URL;
	}
	rest = fa2_slice_sub(url, 8, url.len);
	slash = fa2_slice_find_char(rest, '/');
	if (slash <= 0) {
		say(why, cap, "the %s URL has no host or no path", kind);
		return FA2_SNS_BAD_CERT_URL;
	}
	auth = fa2_slice_make(rest.ptr, (size_t)slash);
	path = fa2_slice_sub(rest, (size_t)slash, rest.len);
	if (fa2_slice_find_char(auth, '@') >= 0 || fa2_slice_find_char(auth, '\\') >= 0 ||
	    fa2_slice_find_char(auth, '[') >= 0 || fa2_slice_find_char(auth, '%') >= 0) {
		say(why, cap, "the %s URL's host part \"%.*s\" carries user information or escapes",
		    kind, FA2_SLICE_FMT(fa2_slice_sub(auth, 0, 200)));
		return FA2_SNS_BAD_CERT_URL;
	}
	host = auth;
	colon = fa2_slice_find_char(auth, ':');
	if (colon >= 0) {
		host = fa2_slice_make(auth.ptr, (size_t)colon);
		port = fa2_slice_sub(auth, (size_t)colon + 1, auth.len);
	}
	if (fa2_slice_find_char(path, '#') >= 0) {
		say(why, cap, "the %s URL has a fragment", kind);
		return FA2_SNS_BAD_CERT_URL;
	}
	q = fa2_slice_find_char(path, '?');
	if (q >= 0) {
		query = fa2_slice_sub(path, (size_t)q + 1, path.len);
		path.len = (size_t)q;
	}
	/* The host: the SNS host of the topic's region, or the configured endpoint's. */
	if (fa2_sns_host(region, sns_host, sizeof sns_host) == FA2_OK &&
	    fa2_slice_eq_ci(host, fa2_slice_cstr(sns_host))) {
		if (port.len) {
			say(why, cap, "the %s URL names a port (%.*s) on the SNS host", kind,
			    FA2_SLICE_FMT(fa2_slice_sub(port, 0, 16)));
			return FA2_SNS_BAD_CERT_URL;
		}
	} else if (override_host && override_host[0] &&
	           fa2_slice_eq_ci(host, fa2_slice_cstr(override_host))) {
		long long pn = 443;
		if (port.len && fa2_parse_int_range(port, 1, 65535, &pn)) {
			say(why, cap, "the %s URL's port is not a number", kind);
			return FA2_SNS_BAD_CERT_URL;
		}
		if ((unsigned)pn != override_port) {
			say(why, cap, "the %s URL's port %lld is not the endpoint's (%u)", kind, pn,
			    override_port);
			return FA2_SNS_BAD_CERT_URL;
		}
	} else {
		say(why, cap, "the %s URL's host \"%.*s\" is not %s%s%s", kind,
		    FA2_SLICE_FMT(fa2_slice_sub(host, 0, 200)), sns_host,
		    override_host && override_host[0] ? " nor the AWS_ENDPOINT_URL_SNS host " : "",
		    override_host && override_host[0] ? override_host : "");
		return FA2_SNS_BAD_CERT_URL;
	}
	for (i = 0; i < path.len; i++) {
		if (!path_char_ok(path.ptr[i])) {
			say(why, cap, "the %s URL's path has a character fa2 does not accept", kind);
			return FA2_SNS_BAD_CERT_URL;
		}
	}
	if (fa2_slice_find(path, FA2_SLICE_LIT("..")) >= 0 ||
	    fa2_slice_find(path, FA2_SLICE_LIT("//")) >= 0) {
		say(why, cap, "the %s URL's path has empty or dot segments", kind);
		return FA2_SNS_BAD_CERT_URL;
	}
	if (is_cert) {
		if (query.len || q >= 0 || path.len < 6 ||
		    !fa2_slice_ends_with(path, FA2_SLICE_LIT(".pem"))) {
			say(why, cap, "the cert URL's path does not name a .pem file");
			return FA2_SNS_BAD_CERT_URL;
		}
	} else {
		fa2_slice p, r = query;
		int action = 0;
		if (!fa2_slice_eq_cstr(path, "/")) {
			say(why, cap, "the subscribe URL's path is not \"/\"");
			return FA2_SNS_BAD_CERT_URL;
		}
		while (r.len) {
			if (!fa2_slice_split(r, '&', &p, &r))
				p = r, r = FA2_SLICE_EMPTY;
			if (fa2_slice_eq_cstr(p, "Action=ConfirmSubscription"))
				action = 1;
		}
		if (!action) {
			say(why, cap, "the subscribe URL is not a ConfirmSubscription request");
			return FA2_SNS_BAD_CERT_URL;
		}
	}
	{
		size_t n = path.len + (q >= 0 ? 1 + query.len : 0);
		if (n >= target_cap) {
			say(why, cap, "the %s URL is too long", kind);
			return FA2_SNS_BAD_CERT_URL;
		}
		memcpy(target, path.ptr, path.len);
		if (q >= 0) {
			target[path.len] = '?';
			memcpy(target + path.len + 1, query.ptr, query.len);
		}
		target[n] = '\0';
	}
	return FA2_SNS_OK;
}

/* ---- replay memory ------------------------------------------------------------------ */

struct seen_ent {
	char id[SNS_MAX_ID_LEN + 1];
	int64_t expires_ms;
	int32_t next;       /* bucket chain, -1 ends */
	int used;
};

struct fa2_sns_seen_mem {
	pthread_mutex_t lock;
	struct seen_ent *ents;
	int32_t *buckets;
	size_t cap, nbuckets;
	size_t ring;        /* next slot to fill (FIFO order) */
	unsigned long evicted_live;
};

static uint32_t fnv1a(fa2_slice s)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < s.len; i++) {
		h ^= (unsigned char)s.ptr[i];
		h *= 16777619u;
	}
	return h;
}

fa2_err fa2_sns_seen_mem_new(size_t cap, fa2_sns_seen_mem **out)
{
	fa2_sns_seen_mem *s;
	size_t i;
	*out = NULL;
	if (cap == 0 || cap > FA2_MAX_SNS_SEEN_IDS)
		return FA2_ERR_INVALID;
	s = fa2_calloc(1, sizeof *s);
	if (!s)
		return FA2_ERR_NOMEM;
	s->cap = cap;
	for (s->nbuckets = 16; s->nbuckets < cap; s->nbuckets *= 2)
		;
	s->ents = fa2_calloc(cap, sizeof *s->ents);
	s->buckets = fa2_calloc(s->nbuckets, sizeof *s->buckets);
	if (!s->ents || !s->buckets || pthread_mutex_init(&s->lock, NULL) != 0) {
		fa2_free(s->ents);
		fa2_free(s->buckets);
		fa2_free(s);
		return FA2_ERR_NOMEM;
	}
	for (i = 0; i < s->nbuckets; i++)
		s->buckets[i] = -1;
	*out = s;
	return FA2_OK;
}

void fa2_sns_seen_mem_free(fa2_sns_seen_mem *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	fa2_free(s->ents);
	fa2_free(s->buckets);
	fa2_free(s);
}

static void seen_unlink(fa2_sns_seen_mem *s, int32_t idx)
{
	struct seen_ent *e = &s->ents[idx];
	int32_t *p = &s->buckets[fnv1a(fa2_slice_cstr(e->id)) & (s->nbuckets - 1)];
	while (*p != -1 && *p != idx)
		p = &s->ents[*p].next;
	if (*p == idx)
		*p = e->next;
	e->used = 0;
}

static fa2_err seen_remember(void *ctx, fa2_slice id, int64_t expires_ms)
{
	fa2_sns_seen_mem *s = ctx;
	uint32_t b;
	int32_t i, slot;
	int64_t now = fa2_time_now_ms();
	fa2_err e = FA2_OK;

	if (id.len == 0 || id.len > SNS_MAX_ID_LEN)
		return FA2_ERR_INVALID;
	b = fnv1a(id) & (s->nbuckets - 1);
	pthread_mutex_lock(&s->lock);
	for (i = s->buckets[b]; i != -1; i = s->ents[i].next) {
		if (fa2_slice_eq_cstr(id, s->ents[i].id) && s->ents[i].expires_ms > now) {
			e = FA2_ERR_EXISTS;
			goto out;
		}
	}
	slot = (int32_t)s->ring;
	s->ring = (s->ring + 1) % s->cap;
	if (s->ents[slot].used) {
		if (s->ents[slot].expires_ms > now && s->evicted_live++ % 1000 == 0)
			FA2_LOGW("sns", "replay memory full (%zu ids): forgetting ids before they expire",
			         s->cap);
		seen_unlink(s, slot);
	}
	memcpy(s->ents[slot].id, id.ptr, id.len);
	s->ents[slot].id[id.len] = '\0';
	s->ents[slot].expires_ms = expires_ms;
	s->ents[slot].used = 1;
	s->ents[slot].next = s->buckets[b];
	s->buckets[b] = slot;
out:
	pthread_mutex_unlock(&s->lock);
	return e;
}

fa2_sns_seen fa2_sns_seen_mem_iface(fa2_sns_seen_mem *s)
{
	fa2_sns_seen it;
	it.remember = seen_remember;
	it.ctx = s;
	return it;
}

/* ---- the verifier ------------------------------------------------------------------- */

fa2_err fa2_sns_verifier_init(fa2_sns_verifier *v, const char *const *topic_arns, size_t n,
                              char *why, size_t cap)
{
	const fa2_aws_service *svc = fa2_aws_service_find("sns");
	fa2_buf url;
	fa2_err e = FA2_OK;
	size_t i;

	memset(v, 0, sizeof *v);
	v->max_age_ms = FA2_SNS_DEFAULT_MAX_AGE_MS;
	v->max_ahead_ms = FA2_SNS_DEFAULT_MAX_AHEAD_MS;
	v->cert_ttl_ms = FA2_SNS_DEFAULT_CERT_TTL_MS;
	v->fetch_timeout_ms = FA2_SNS_DEFAULT_FETCH_TIMEOUT_MS;
	v->fetches_per_min = FA2_SNS_DEFAULT_FETCHES_PER_MIN;
	v->http = fa2_aws_http_default;
	fa2_buf_init(&url, 2048);
	if (pthread_mutex_init(&v->lock, NULL) != 0)
		return FA2_ERR_NOMEM;
	v->cache = fa2_calloc(FA2_MAX_SNS_CERTS_CACHED, sizeof *v->cache);
	v->topics = fa2_calloc(n ? n : 1, sizeof *v->topics);
	if (!v->cache || !v->topics) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		v->topics[i] = fa2_strdup(topic_arns[i]);
		if (!v->topics[i]) {
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
		v->n_topics++;
	}
	/* Only the SNS-specific override names where certificates may come from. */
	if (svc && getenv("AWS_ENDPOINT_URL_SNS") && *getenv("AWS_ENDPOINT_URL_SNS")) {
		fa2_aws_url u;
		e = fa2_buf_append_cstr(&url, getenv("AWS_ENDPOINT_URL_SNS"));
		if (!e && fa2_aws_url_parse(fa2_slice_trim(fa2_buf_slice(&url)), &u) != FA2_OK) {
			say(why, cap, "AWS_ENDPOINT_URL_SNS is not an http(s) URL");
			e = FA2_ERR_CONFIG;
		}
		if (!e) {
			snprintf(v->override_host, sizeof v->override_host, "%s", u.host);
			v->override_port = u.port;
			v->override_https = u.https;
		}
	}
cleanup:
	fa2_buf_cleanup(&url);
	if (e)
		fa2_sns_verifier_cleanup(v);
	return e;
}

void fa2_sns_verifier_cleanup(fa2_sns_verifier *v)
{
	size_t i;
	if (!v->cache && !v->topics)
		return;
	for (i = 0; v->topics && i < v->n_topics; i++)
		fa2_free(v->topics[i]);
	fa2_free(v->topics);
	fa2_free(v->cache);
	pthread_mutex_destroy(&v->lock);
	memset(v, 0, sizeof *v);
}

int fa2_sns_topic_allowed(const fa2_sns_verifier *v, const char *topic_arn)
{
	size_t i;
	if (!topic_arn)
		return 0;
	for (i = 0; i < v->n_topics; i++)
		if (strcmp(v->topics[i], topic_arn) == 0)
			return 1;
	return 0;
}

fa2_sns_verdict fa2_sns_check_timestamp(const fa2_sns_verifier *v, const fa2_sns_message *m,
                                        int64_t now_ms, char *why, size_t cap)
{
	if (m->timestamp_ms < now_ms - v->max_age_ms) {
		say(why, cap, "Timestamp %s is more than %lld s old", m->timestamp,
		    (long long)(v->max_age_ms / 1000));
		return FA2_SNS_STALE;
	}
	if (m->timestamp_ms > now_ms + v->max_ahead_ms) {
		say(why, cap, "Timestamp %s is more than %lld s in the future (check this host's clock)",
		    m->timestamp, (long long)(v->max_ahead_ms / 1000));
		return FA2_SNS_STALE;
	}
	return FA2_SNS_OK;
}

/* Where to send a GET for target: the override endpoint when set, else host. */
static fa2_sns_verdict endpoint_for(const fa2_sns_verifier *v, const char *host, fa2_aws_url *u,
                                    const char *what, char *why, size_t cap)
{
	memset(u, 0, sizeof *u);
	if (v->override_host[0]) {
		if (!v->override_https) {
			say(why, cap, "AWS_ENDPOINT_URL_SNS is not https: %s is only fetched over "
			    "verified HTTPS", what);
			return FA2_SNS_BAD_CERT_URL;
		}
		host = v->override_host;
		u->port = v->override_port;
	} else {
		u->port = 443;
	}
	u->https = 1;
	snprintf(u->host, sizeof u->host, "%s", host);
	if (u->port == 443)
		snprintf(u->authority, sizeof u->authority, "%s", host);
	else
		snprintf(u->authority, sizeof u->authority, "%s:%u", host, u->port);
	return FA2_SNS_OK;
}

/* The host part of an already checked https URL. */
static void url_host(const char *url, char *out, size_t cap)
{
	fa2_slice s = fa2_slice_cstr(url + 8), h, rest;
	long c;
	fa2_slice_split(s, '/', &h, &rest);
	c = fa2_slice_find_char(h, ':');
	if (c >= 0)
		h.len = (size_t)c;
	snprintf(out, cap, "%.*s", FA2_SLICE_FMT(h));
}

/* GET https://host/target through v's transport; body capped at max. */
static fa2_sns_verdict fetch(fa2_sns_verifier *v, const fa2_aws_url *u, const char *target,
                             size_t max, fa2_buf *body, int *status, char *why, size_t cap)
{
	fa2_aws_http_request rq;
	fa2_aws_http_response rs;
	fa2_sigv4_header h[2];
	fa2_sns_verdict verdict = FA2_SNS_CERT_UNAVAILABLE;
	fa2_err e;

	fa2_aws_http_response_init(&rs);
	fa2_buf_cleanup(&rs.body);
	fa2_buf_init(&rs.body, max);
	h[0].name = FA2_SLICE_LIT("Host");
	h[0].value = fa2_slice_cstr(u->authority);
	h[1].name = FA2_SLICE_LIT("User-Agent");
	h[1].value = FA2_SLICE_LIT("fa2/" FA2_VERSION);
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.url = u;
	rq.target = fa2_slice_cstr(target);
	rq.headers = h;
	rq.n_headers = 2;
	rq.deadline_ms = fa2_time_mono_ms() + v->fetch_timeout_ms;
	e = v->http(v->http_ctx, &rq, &rs);
	*status = rs.status;
	if (e) {
		say(why, cap, "GET https://%s%s: %s", u->authority, target,
		    rs.errmsg[0] ? rs.errmsg : fa2_err_str(e));
		goto cleanup;
	}
	if (rs.status != 200) {
		say(why, cap, "GET https://%s%s: HTTP %d", u->authority, target, rs.status);
		goto cleanup;
	}
	if (fa2_buf_append_slice(body, fa2_buf_slice(&rs.body))) {
		say(why, cap, "out of memory");
		verdict = FA2_SNS_INTERNAL;
		goto cleanup;
	}
	verdict = FA2_SNS_OK;
cleanup:
	fa2_aws_http_response_cleanup(&rs);
	return verdict;
}

/* 1 when one more certificate fetch is allowed in this minute (and counts it). */
static int fetch_budget(fa2_sns_verifier *v)
{
	int64_t now = fa2_time_mono_ms();
	int ok;
	pthread_mutex_lock(&v->lock);
	if (v->window_fetches == 0 || now - v->window_start_mono_ms >= SNS_FETCH_WINDOW_MS) {
		v->window_start_mono_ms = now;
		v->window_fetches = 0;
	}
	ok = v->window_fetches < v->fetches_per_min;
	if (ok)
		v->window_fetches++;
	pthread_mutex_unlock(&v->lock);
	return ok;
}

fa2_sns_verdict fa2_sns_get_cert(fa2_sns_verifier *v, const fa2_sns_message *m, int64_t now_ms,
                                 fa2_sns_cert *out, char *why, size_t cap)
{
	char target[FA2_SNS_MAX_URL], host[FA2_AWS_MAX_NAME];
	fa2_aws_url u;
	fa2_buf pem;
	fa2_sns_verdict verdict;
	int64_t mono = fa2_time_mono_ms();
	size_t i, victim = 0;
	int status = 0, hit = 0;

	fa2_buf_init(&pem, FA2_MAX_SNS_CERT_BYTES);
	verdict = fa2_sns_url_check(fa2_slice_cstr(m->signing_cert_url), "cert", m->region,
	                            v->override_host, v->override_port, target, sizeof target, why,
	                            cap);
	if (verdict)
		goto cleanup;
	pthread_mutex_lock(&v->lock);
	for (i = 0; i < FA2_MAX_SNS_CERTS_CACHED; i++) {
		fa2_sns_cache_entry *c = &v->cache[i];
		if (c->url[0] && strcmp(c->url, m->signing_cert_url) == 0 && c->expires_mono_ms > mono) {
			*out = c->cert;
			c->used = ++v->clock;
			v->cache_hits++;
			hit = 1;
			break;
		}
	}
	pthread_mutex_unlock(&v->lock);
	if (!hit) {
		if (!fetch_budget(v)) {
			say(why, cap, "more than %u signing-certificate fetches in the last minute: "
			    "refused for now (SNS retries)", v->fetches_per_min);
			verdict = FA2_SNS_CERT_UNAVAILABLE;
			goto cleanup;
		}
		url_host(m->signing_cert_url, host, sizeof host);
		verdict = endpoint_for(v, host, &u, "the signing certificate", why, cap);
		if (!verdict)
			verdict = fetch(v, &u, target, FA2_MAX_SNS_CERT_BYTES, &pem, &status, why, cap);
		if (verdict)
			goto cleanup;
		verdict = fa2_sns_cert_parse(fa2_buf_slice(&pem), out, why, cap);
		if (verdict)
			goto cleanup;
		pthread_mutex_lock(&v->lock);
		v->fetches++;
		/* The slot: the first free one or this URL's old entry, else the least recently used. */
		for (i = 0; i < FA2_MAX_SNS_CERTS_CACHED; i++) {
			if (!v->cache[i].url[0] || strcmp(v->cache[i].url, m->signing_cert_url) == 0) {
				victim = i;
				break;
			}
			if (v->cache[i].used < v->cache[victim].used)
				victim = i;
		}
		snprintf(v->cache[victim].url, sizeof v->cache[victim].url, "%s", m->signing_cert_url);
		v->cache[victim].cert = *out;
		v->cache[victim].expires_mono_ms = mono + v->cert_ttl_ms;
		v->cache[victim].used = ++v->clock;
		pthread_mutex_unlock(&v->lock);
	}
	verdict = fa2_sns_cert_check_time(out, now_ms, why, cap);
cleanup:
	fa2_buf_cleanup(&pem);
	return verdict;
}

fa2_sns_verdict fa2_sns_accept(fa2_sns_verifier *v, const fa2_sns_message *m,
                               const fa2_sns_seen *seen, int64_t now_ms, char *why, size_t cap)
{
	fa2_sns_cert cert;
	fa2_sns_verdict verdict;
	fa2_err e;

	if (!fa2_sns_topic_allowed(v, m->topic_arn)) {
		say(why, cap, "topic %.300s is not one of the configured topics", m->topic_arn);
		return FA2_SNS_UNKNOWN_TOPIC;
	}
	verdict = fa2_sns_check_timestamp(v, m, now_ms, why, cap);
	if (!verdict)
		verdict = fa2_sns_get_cert(v, m, now_ms, &cert, why, cap);
	if (!verdict)
		verdict = fa2_sns_signature_check(m, &cert, why, cap);
	if (verdict || !seen)
		return verdict;
	e = seen->remember(seen->ctx, fa2_slice_cstr(m->message_id),
	                   m->timestamp_ms + v->max_age_ms + v->max_ahead_ms);
	if (e == FA2_ERR_EXISTS) {
		say(why, cap, "MessageId %s was accepted before (a redelivery or a replay)",
		    m->message_id);
		return FA2_SNS_REPLAY;
	}
	if (e) {
		say(why, cap, "the replay memory failed: %s", fa2_err_str(e));
		return FA2_SNS_INTERNAL;
	}
	return FA2_SNS_OK;
}

/* ---- confirmation ------------------------------------------------------------------- */

static void copy_arn(fa2_slice s, char *arn, size_t cap)
{
	if (cap)
		snprintf(arn, cap, "%.*s", FA2_SLICE_FMT(fa2_slice_trim(s)));
}

static fa2_err confirm_api(fa2_aws_client *client, const fa2_sns_message *m, char *arn,
                           size_t arn_cap, char *why, size_t cap)
{
	const fa2_aws_service *svc = fa2_aws_service_find("sns");
	cJSON *in = cJSON_CreateObject(), *out = NULL;
	const cJSON *r;
	fa2_aws_error err;
	int stage = 0;
	fa2_err e = FA2_ERR_NOMEM;

	memset(&err, 0, sizeof err);
	if (!svc || !in || !cJSON_AddStringToObject(in, "TopicArn", m->topic_arn) ||
	    !cJSON_AddStringToObject(in, "Token", m->token) ||
	    !cJSON_AddStringToObject(in, "AuthenticateOnUnsubscribe", "true"))
		goto cleanup;
	e = fa2_aws_call_json(client, svc, "ConfirmSubscription", in, 64u * 1024u, 0, &out, &err,
	                      &stage);
	if (e) {
		if (stage == FA2_AWS_JSON_CALL)
			fa2_aws_error_format(&err, why, cap);
		else
			say(why, cap, "ConfirmSubscription: the answer is not readable");
		goto cleanup;
	}
	r = cJSON_GetObjectItemCaseSensitive(out, "ConfirmSubscriptionResponse");
	r = cJSON_GetObjectItemCaseSensitive(r ? r : out, "ConfirmSubscriptionResult");
	copy_arn(fa2_slice_cstr(fa2_json_str(r, "SubscriptionArn")), arn, arn_cap);
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(out);
	return e;
}

fa2_err fa2_sns_confirm(fa2_sns_verifier *v, fa2_aws_client *client, const fa2_sns_message *m,
                        char *arn, size_t arn_cap, char *why, size_t cap)
{
	char target[SNS_MAX_FIELD_LEN + 8], host[FA2_AWS_MAX_NAME];
	fa2_aws_url u;
	fa2_buf body;
	fa2_slice a;
	int status = 0;
	fa2_err e = FA2_ERR_AUTH;

	if (arn_cap)
		arn[0] = '\0';
	fa2_buf_init(&body, 64u * 1024u);
	if (m->type != FA2_SNS_SUBSCRIPTION_CONFIRMATION || !m->token || !m->subscribe_url) {
		say(why, cap, "not a SubscriptionConfirmation");
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	if (!fa2_sns_topic_allowed(v, m->topic_arn)) {
		say(why, cap, "topic %.300s is not one of the configured topics: not confirmed",
		    m->topic_arn);
		goto cleanup;
	}
	if (client && strcmp(client->region, m->region) == 0) {
		e = confirm_api(client, m, arn, arn_cap, why, cap);
		goto cleanup;
	}
	if (fa2_sns_url_check(fa2_slice_cstr(m->subscribe_url), "subscribe", m->region,
	                      v->override_host, v->override_port, target, sizeof target, why, cap))
		goto cleanup;
	url_host(m->subscribe_url, host, sizeof host);
	if (endpoint_for(v, host, &u, "the subscribe URL", why, cap))
		goto cleanup;
	if (fetch(v, &u, target, body.max, &body, &status, why, cap)) {
		e = status ? FA2_ERR_AWS : FA2_ERR_NET;
		goto cleanup;
	}
	if (fa2_aws_xml_elem(fa2_buf_slice(&body), "SubscriptionArn", &a))
		copy_arn(a, arn, arn_cap);
	e = FA2_OK;
cleanup:
	fa2_buf_cleanup(&body);
	return e;
}
