/* TLS 1.2 on BearSSL (see tls.h). */
#include "net/tls.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bearssl.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "net/sock.h"

#define MAX_DER_CERT_BYTES (64u * 1024u)
#define MAX_DN_BYTES       (8u * 1024u)

static const char *alpn_names[] = { "http/1.1" };

/* What the client offers: ECDHE key exchange (forward secrecy) with AEAD ciphers only.
 * AWS and Slack endpoints support all of these; static-RSA key exchange and CBC/SHA-1
 * suites are never offered. */
static const uint16_t client_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

/* TLS record content types: change_cipher_spec (20) .. application_data (23). */
#define TLS_RECORD_TYPE_MIN 20
#define TLS_RECORD_TYPE_MAX 23
#define TLS_NOT_TLS_MSG "not a TLS server \xe2\x80\x94 is the endpoint http://, or the port wrong?"

/* ---- error text ------------------------------------------------------------------- */

typedef struct br_err_text {
	int code;
	const char *name;
	const char *text;
} br_err_text;

#define E_(c, t) { c, #c, t }
static const br_err_text br_errs[] = {
	E_(BR_ERR_OK, "no error"),
	E_(BR_ERR_BAD_PARAM, "invalid TLS parameter (internal error)"),
	E_(BR_ERR_BAD_STATE, "TLS engine used in the wrong state (internal error)"),
	E_(BR_ERR_UNSUPPORTED_VERSION, "the peer does not support TLS 1.2"),
	E_(BR_ERR_BAD_VERSION, "the peer used a wrong TLS version in a record"),
	E_(BR_ERR_BAD_LENGTH, "the peer sent a record with an invalid length"),
	E_(BR_ERR_TOO_LARGE, "the peer sent a record that is too large"),
	E_(BR_ERR_BAD_MAC, "a record failed its integrity check (corrupted or tampered data)"),
	E_(BR_ERR_NO_RANDOM, "no source of randomness available"),
	E_(BR_ERR_UNKNOWN_TYPE, "the peer sent a record of unknown type (is it speaking TLS?)"),
	E_(BR_ERR_UNEXPECTED, "the peer sent an unexpected message (is it speaking TLS?)"),
	E_(BR_ERR_BAD_CCS, "the peer sent an invalid ChangeCipherSpec"),
	E_(BR_ERR_BAD_ALERT, "the peer sent an invalid alert"),
	E_(BR_ERR_BAD_HANDSHAKE, "the peer sent a malformed handshake message"),
	E_(BR_ERR_OVERSIZED_ID, "the peer sent an oversized session ID"),
	E_(BR_ERR_BAD_CIPHER_SUITE, "no cipher suite in common with the peer"),
	E_(BR_ERR_BAD_COMPRESSION, "the peer chose an unsupported compression"),
	E_(BR_ERR_BAD_FRAGLEN, "the peer sent an invalid maximum fragment length"),
	E_(BR_ERR_BAD_SECRENEG, "secure renegotiation failed"),
	E_(BR_ERR_EXTRA_EXTENSION, "the peer sent an extension we did not offer"),
	E_(BR_ERR_BAD_SNI, "the peer sent an invalid server name (SNI)"),
	E_(BR_ERR_BAD_HELLO_DONE, "the peer sent an invalid ServerHelloDone"),
	E_(BR_ERR_LIMIT_EXCEEDED, "a TLS limit was exceeded (message or chain too long)"),
	E_(BR_ERR_BAD_FINISHED, "the handshake Finished check failed"),
	E_(BR_ERR_RESUME_MISMATCH, "session resumption mismatch"),
	E_(BR_ERR_INVALID_ALGORITHM, "the peer used an unsupported or invalid algorithm"),
	E_(BR_ERR_BAD_SIGNATURE, "the peer's handshake signature is invalid"),
	E_(BR_ERR_WRONG_KEY_USAGE, "the certificate's key usage does not allow this use"),
	E_(BR_ERR_NO_CLIENT_AUTH, "the client did not send a required certificate"),
	E_(BR_ERR_IO, "I/O error on the connection"),
	E_(BR_ERR_X509_OK, "the certificate chain is valid"),
	E_(BR_ERR_X509_INVALID_VALUE, "the certificate contains an invalid value"),
	E_(BR_ERR_X509_TRUNCATED, "the certificate is truncated"),
	E_(BR_ERR_X509_EMPTY_CHAIN, "the server sent no certificate"),
	E_(BR_ERR_X509_INNER_TRUNC, "the certificate is malformed (inner truncation)"),
	E_(BR_ERR_X509_BAD_TAG_CLASS, "the certificate is malformed (bad tag class)"),
	E_(BR_ERR_X509_BAD_TAG_VALUE, "the certificate is malformed (bad tag)"),
	E_(BR_ERR_X509_INDEFINITE_LENGTH, "the certificate is malformed (indefinite length)"),
	E_(BR_ERR_X509_EXTRA_ELEMENT, "the certificate is malformed (extra element)"),
	E_(BR_ERR_X509_UNEXPECTED, "the certificate is malformed (unexpected element)"),
	E_(BR_ERR_X509_NOT_CONSTRUCTED, "the certificate is malformed (not constructed)"),
	E_(BR_ERR_X509_NOT_PRIMITIVE, "the certificate is malformed (not primitive)"),
	E_(BR_ERR_X509_PARTIAL_BYTE, "the certificate is malformed (partial byte)"),
	E_(BR_ERR_X509_BAD_BOOLEAN, "the certificate is malformed (bad boolean)"),
	E_(BR_ERR_X509_OVERFLOW, "the certificate is malformed (value overflow)"),
	E_(BR_ERR_X509_BAD_DN, "the certificate has an invalid distinguished name"),
	E_(BR_ERR_X509_BAD_TIME, "the certificate has an invalid validity date"),
	E_(BR_ERR_X509_UNSUPPORTED, "the certificate uses an unsupported feature"),
	E_(BR_ERR_X509_LIMIT_EXCEEDED, "the certificate chain exceeds a decoding limit"),
	E_(BR_ERR_X509_WRONG_KEY_TYPE, "the certificate's key type does not match the cipher suite"),
	E_(BR_ERR_X509_BAD_SIGNATURE, "a certificate signature in the chain is invalid"),
	E_(BR_ERR_X509_TIME_UNKNOWN, "the current time is unknown, cannot check validity dates"),
	E_(BR_ERR_X509_EXPIRED, "the certificate has expired or is not yet valid (check the clock)"),
	E_(BR_ERR_X509_DN_MISMATCH, "the server's certificate chain does not link up (issuer/subject mismatch)"),
	E_(BR_ERR_X509_BAD_SERVER_NAME, "the certificate does not match the host name"),
	E_(BR_ERR_X509_CRITICAL_EXTENSION, "the certificate has an unsupported critical extension"),
	E_(BR_ERR_X509_NOT_CA, "an intermediate certificate is not a CA"),
	E_(BR_ERR_X509_FORBIDDEN_KEY_USAGE, "the certificate's key usage forbids this use"),
	E_(BR_ERR_X509_WEAK_PUBLIC_KEY, "the certificate's public key is too weak"),
	E_(BR_ERR_X509_NOT_TRUSTED, "the certificate is signed by an unknown CA (not in the trust store; set AWS_CA_BUNDLE or SSL_CERT_FILE?)"),
};
#undef E_

typedef struct alert_text {
	int code;
	const char *text;
} alert_text;

static const alert_text alerts[] = {
	{ 0, "close_notify" }, { 10, "unexpected_message" }, { 20, "bad_record_mac" },
	{ 22, "record_overflow" }, { 40, "handshake_failure" }, { 42, "bad_certificate" },
	{ 43, "unsupported_certificate" }, { 44, "certificate_revoked" },
	{ 45, "certificate_expired" }, { 46, "certificate_unknown" },
	{ 47, "illegal_parameter" }, { 48, "unknown_ca" }, { 49, "access_denied" },
	{ 50, "decode_error" }, { 51, "decrypt_error" }, { 70, "protocol_version" },
	{ 71, "insufficient_security" }, { 80, "internal_error" },
	{ 86, "inappropriate_fallback" }, { 90, "user_canceled" },
	{ 100, "no_renegotiation" }, { 109, "missing_extension" },
	{ 110, "unsupported_extension" }, { 112, "unrecognized_name" },
	{ 116, "certificate_required" }, { 120, "no_application_protocol" },
};

static const char *alert_name(int code)
{
	size_t i;
	for (i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
		if (alerts[i].code == code)
			return alerts[i].text;
	return "unknown alert";
}

const char *fa2_tls_strerror(int br_err)
{
	size_t i;
	if (br_err >= BR_ERR_SEND_FATAL_ALERT && br_err < BR_ERR_SEND_FATAL_ALERT + 256)
		return "we aborted the handshake with a fatal alert";
	if (br_err >= BR_ERR_RECV_FATAL_ALERT && br_err < BR_ERR_RECV_FATAL_ALERT + 256)
		return "the peer aborted the connection with a fatal alert";
	for (i = 0; i < sizeof br_errs / sizeof br_errs[0]; i++)
		if (br_errs[i].code == br_err)
			return br_errs[i].text;
	return "unknown TLS error";
}

const char *fa2_tls_errname(int br_err)
{
	size_t i;
	if (br_err >= BR_ERR_SEND_FATAL_ALERT && br_err < BR_ERR_SEND_FATAL_ALERT + 256)
		return "BR_ERR_SEND_FATAL_ALERT";
	if (br_err >= BR_ERR_RECV_FATAL_ALERT && br_err < BR_ERR_RECV_FATAL_ALERT + 256)
		return "BR_ERR_RECV_FATAL_ALERT";
	for (i = 0; i < sizeof br_errs / sizeof br_errs[0]; i++)
		if (br_errs[i].code == br_err)
			return br_errs[i].name;
	return "BR_ERR_UNKNOWN";
}

/* ---- PEM ---------------------------------------------------------------------------- */

typedef struct der_sink {
	fa2_buf buf;
	int failed;
} der_sink;

static void der_append(void *ctx, const void *data, size_t len)
{
	der_sink *s = ctx;
	if (!s->failed && fa2_buf_append(&s->buf, data, len) != FA2_OK)
		s->failed = 1;
}

/* Calls fn(ctx, name, der, len) for every PEM object in pem. Returns FA2_ERR_PARSE on a
 * malformed PEM, or the first non-OK value fn returns. */
typedef fa2_err (*pem_object_fn)(void *ctx, const char *name, const unsigned char *der,
                                 size_t len);

static fa2_err pem_each(fa2_slice pem, pem_object_fn fn, void *ctx)
{
	br_pem_decoder_context pc;
	der_sink sink;
	char name[128];
	const unsigned char *p = (const unsigned char *)pem.ptr;
	size_t left = pem.len;
	int inobj = 0, tail = 0;
	fa2_err err = FA2_OK;

	fa2_buf_init(&sink.buf, MAX_DER_CERT_BYTES);
	sink.failed = 0;
	name[0] = '\0';
	br_pem_decoder_init(&pc);
	/* A final newline is pushed after the data: BearSSL needs one to end the last line. */
	while (left > 0 || !tail) {
		size_t n;
		if (left == 0) {
			tail = 1;
			p = (const unsigned char *)"\n";
			left = 1;
		}
		n = br_pem_decoder_push(&pc, p, left);
		p += n;
		left -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ: {
			const char *nm = br_pem_decoder_name(&pc);
			size_t nl = strlen(nm);
			if (nl >= sizeof name)
				nl = sizeof name - 1;
			memcpy(name, nm, nl);
			name[nl] = '\0';
			fa2_buf_reset(&sink.buf);
			sink.failed = 0;
			br_pem_decoder_setdest(&pc, der_append, &sink);
			inobj = 1;
			break;
		}
		case BR_PEM_END_OBJ:
			if (inobj) {
				inobj = 0;
				if (sink.failed) {
					err = FA2_ERR_TOO_LARGE;
					goto cleanup;
				}
				err = fn(ctx, name, (const unsigned char *)sink.buf.data, sink.buf.len);
				if (err)
					goto cleanup;
			}
			break;
		case BR_PEM_ERROR:
			err = FA2_ERR_PARSE;
			goto cleanup;
		default:
			break;
		}
		if (tail && left == 0)
			break;
	}
	if (inobj)
		err = FA2_ERR_PARSE;  /* unterminated object */
cleanup:
	fa2_buf_wipe(&sink.buf);
	fa2_buf_cleanup(&sink.buf);
	return err;
}

static int pem_is_cert(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0
	       || strcmp(name, "TRUSTED CERTIFICATE") == 0;
}

/* ---- trust anchors ------------------------------------------------------------------ */

struct fa2_tls_anchors {
	br_x509_trust_anchor *ta;
	size_t n, cap;
};

static void *dup_bytes(const void *p, size_t n)
{
	void *q = fa2_malloc(n ? n : 1);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

static void ta_clear(br_x509_trust_anchor *ta)
{
	fa2_free(ta->dn.data);
	switch (ta->pkey.key_type) {
	case BR_KEYTYPE_RSA:
		fa2_free(ta->pkey.key.rsa.n);
		fa2_free(ta->pkey.key.rsa.e);
		break;
	case BR_KEYTYPE_EC:
		fa2_free(ta->pkey.key.ec.q);
		break;
	default:
		break;
	}
	memset(ta, 0, sizeof *ta);
}

void fa2_tls_anchors_free(fa2_tls_anchors *a)
{
	size_t i;
	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		ta_clear(&a->ta[i]);
	fa2_free(a->ta);
	fa2_free(a);
}

size_t fa2_tls_anchors_count(const fa2_tls_anchors *a)
{
	return a ? a->n : 0;
}

static fa2_err anchor_add(void *ctx, const char *name, const unsigned char *der, size_t len)
{
	fa2_tls_anchors *a = ctx;
	br_x509_decoder_context dc;
	der_sink dn;
	br_x509_pkey *pk;
	br_x509_trust_anchor ta;
	fa2_err err = FA2_OK;

	if (!pem_is_cert(name))
		return FA2_OK;
	memset(&ta, 0, sizeof ta);
	fa2_buf_init(&dn.buf, MAX_DN_BYTES);
	dn.failed = 0;
	br_x509_decoder_init(&dc, der_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.failed) {
		FA2_LOGD("tls", "skipping an undecodable CA certificate (%s)",
		         fa2_tls_errname(br_x509_decoder_last_error(&dc)));
		goto cleanup;
	}
	if (a->n == FA2_MAX_TLS_ANCHORS) {
		err = FA2_ERR_TOO_LARGE;
		goto cleanup;
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		br_x509_trust_anchor *nt;
		if (nc > FA2_MAX_TLS_ANCHORS)
			nc = FA2_MAX_TLS_ANCHORS;
		nt = fa2_realloc(a->ta, nc * sizeof *nt);
		if (!nt) {
			err = FA2_ERR_NOMEM;
			goto cleanup;
		}
		a->ta = nt;
		a->cap = nc;
	}
	ta.dn.data = dup_bytes(dn.buf.data ? dn.buf.data : "", dn.buf.len);
	ta.dn.len = dn.buf.len;
	ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta.pkey.key_type = pk->key_type;
	if (!ta.dn.data) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	switch (pk->key_type) {
	case BR_KEYTYPE_RSA:
		ta.pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta.pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta.pkey.key.rsa.elen = pk->key.rsa.elen;
		if (!ta.pkey.key.rsa.n || !ta.pkey.key.rsa.e)
			err = FA2_ERR_NOMEM;
		break;
	case BR_KEYTYPE_EC:
		ta.pkey.key.ec.curve = pk->key.ec.curve;
		ta.pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta.pkey.key.ec.qlen = pk->key.ec.qlen;
		if (!ta.pkey.key.ec.q)
			err = FA2_ERR_NOMEM;
		break;
	default:
		goto cleanup;  /* ta_clear below frees the DN */
	}
	if (err)
		goto cleanup;
	a->ta[a->n++] = ta;
	memset(&ta, 0, sizeof ta);
cleanup:
	ta_clear(&ta);
	fa2_buf_cleanup(&dn.buf);
	return err;
}

fa2_err fa2_tls_anchors_from_pem(fa2_slice pem, fa2_tls_anchors **out)
{
	fa2_tls_anchors *a;
	fa2_err err;

	*out = NULL;
	a = fa2_calloc(1, sizeof *a);
	if (!a)
		return FA2_ERR_NOMEM;
	err = pem_each(pem, anchor_add, a);
	if (!err && a->n == 0)
		err = FA2_ERR_PARSE;
	if (err) {
		fa2_tls_anchors_free(a);
		return err;
	}
	*out = a;
	return FA2_OK;
}

fa2_err fa2_tls_anchors_from_file(const char *path, fa2_tls_anchors **out)
{
	fa2_buf b;
	fa2_err err;

	*out = NULL;
	fa2_buf_init(&b, FA2_MAX_TLS_BUNDLE_BYTES);
	err = fa2_file_read_all(path, &b);
	if (!err)
		err = fa2_tls_anchors_from_pem(fa2_buf_slice(&b), out);
	fa2_buf_cleanup(&b);
	return err;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static fa2_tls_anchors *global_anchors;
static fa2_err global_err = FA2_ERR_NOT_FOUND;
static const char *global_path;
static char global_path_buf[1024];

static void global_load(void)
{
	static const char *const sys_paths[] = {
		"/etc/ssl/certs/ca-certificates.crt",  /* Debian, Ubuntu, Alpine */
		"/etc/pki/tls/certs/ca-bundle.crt",    /* Amazon Linux, RHEL, Fedora */
		"/etc/ssl/cert.pem",                   /* Alpine, macOS, BSDs */
	};
	static const char *const env_names[] = { "AWS_CA_BUNDLE", "SSL_CERT_FILE" };
	size_t i;
	fa2_err err;

	for (i = 0; i < sizeof env_names / sizeof env_names[0]; i++) {
		const char *p = getenv(env_names[i]);
		if (!p || !*p)
			continue;
		err = fa2_tls_anchors_from_file(p, &global_anchors);
		if (err) {
			FA2_LOGE("tls", "cannot load CA bundle %s=%s: %s", env_names[i], p,
			         err == FA2_ERR_PARSE ? "no usable PEM certificate in it"
			                              : fa2_err_str(err));
			global_err = err == FA2_ERR_NOMEM ? err : FA2_ERR_CONFIG;
			return;
		}
		(void)snprintf(global_path_buf, sizeof global_path_buf, "%s", p);
		global_path = global_path_buf;
		global_err = FA2_OK;
		FA2_LOGD("tls", "loaded %zu trust anchors from %s", global_anchors->n, p);
		return;
	}
	for (i = 0; i < sizeof sys_paths / sizeof sys_paths[0]; i++) {
		err = fa2_tls_anchors_from_file(sys_paths[i], &global_anchors);
		if (err == FA2_ERR_NOT_FOUND)
			continue;
		if (err) {
			FA2_LOGE("tls", "cannot load CA bundle %s: %s", sys_paths[i], fa2_err_str(err));
			global_err = err == FA2_ERR_NOMEM ? err : FA2_ERR_CONFIG;
			return;
		}
		global_path = sys_paths[i];
		global_err = FA2_OK;
		FA2_LOGD("tls", "loaded %zu trust anchors from %s", global_anchors->n, sys_paths[i]);
		return;
	}
	FA2_LOGE("tls", "no CA bundle found: set AWS_CA_BUNDLE or SSL_CERT_FILE to a PEM file "
	                "(looked in /etc/ssl/certs/ca-certificates.crt, "
	                "/etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem)");
	global_err = FA2_ERR_NOT_FOUND;
}

fa2_err fa2_tls_anchors_global(const fa2_tls_anchors **out)
{
	*out = NULL;
	(void)pthread_once(&global_once, global_load);
	if (global_err)
		return global_err;
	*out = global_anchors;
	return FA2_OK;
}

const char *fa2_tls_anchors_global_path(void)
{
	return global_path;
}

/* ---- server credentials --------------------------------------------------------------- */

struct fa2_tls_server_ctx {
	br_x509_certificate chain[FA2_MAX_TLS_CHAIN_CERTS];
	size_t chain_len;
	int key_type;          /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	int issuer_key_type;   /* key type of the leaf's signer (for ECDH suites) */
	br_skey_decoder_context key;  /* holds the private key material */
	int have_key;
};

void fa2_tls_server_ctx_free(fa2_tls_server_ctx *ctx)
{
	size_t i;
	if (!ctx)
		return;
	for (i = 0; i < ctx->chain_len; i++)
		fa2_free(ctx->chain[i].data);
	/* Wipe the key; volatile keeps the compiler from dropping the stores. */
	{
		volatile unsigned char *p = (volatile unsigned char *)&ctx->key;
		size_t k;
		for (k = 0; k < sizeof ctx->key; k++)
			p[k] = 0;
	}
	fa2_free(ctx);
}

static fa2_err chain_add(void *c, const char *name, const unsigned char *der, size_t len)
{
	fa2_tls_server_ctx *ctx = c;
	if (!pem_is_cert(name))
		return FA2_OK;
	if (ctx->chain_len == FA2_MAX_TLS_CHAIN_CERTS)
		return FA2_ERR_TOO_LARGE;
	ctx->chain[ctx->chain_len].data = dup_bytes(der, len);
	if (!ctx->chain[ctx->chain_len].data)
		return FA2_ERR_NOMEM;
	ctx->chain[ctx->chain_len].data_len = len;
	ctx->chain_len++;
	return FA2_OK;
}

static fa2_err key_add(void *c, const char *name, const unsigned char *der, size_t len)
{
	fa2_tls_server_ctx *ctx = c;
	if (strcmp(name, "RSA PRIVATE KEY") != 0 && strcmp(name, "EC PRIVATE KEY") != 0
	    && strcmp(name, "PRIVATE KEY") != 0)
		return FA2_OK;
	if (ctx->have_key)
		return FA2_OK;  /* first key wins */
	br_skey_decoder_init(&ctx->key);
	br_skey_decoder_push(&ctx->key, der, len);
	if (br_skey_decoder_last_error(&ctx->key) != 0)
		return FA2_ERR_UNSUPPORTED;
	ctx->key_type = br_skey_decoder_key_type(&ctx->key);
	ctx->have_key = ctx->key_type == BR_KEYTYPE_RSA || ctx->key_type == BR_KEYTYPE_EC;
	return ctx->have_key ? FA2_OK : FA2_ERR_UNSUPPORTED;
}

fa2_err fa2_tls_server_ctx_from_pem(fa2_slice cert_pem, fa2_slice key_pem,
                                    fa2_tls_server_ctx **out)
{
	fa2_tls_server_ctx *ctx;
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	fa2_err err;

	*out = NULL;
	ctx = fa2_calloc(1, sizeof *ctx);
	if (!ctx)
		return FA2_ERR_NOMEM;
	err = pem_each(cert_pem, chain_add, ctx);
	if (err == FA2_ERR_NOMEM)
		goto cleanup;
	if (err || ctx->chain_len == 0) {
		FA2_LOGE("tls", "server certificate: %s", err == FA2_ERR_TOO_LARGE
		         ? "chain too long" : "no PEM CERTIFICATE found");
		err = FA2_ERR_CONFIG;
		goto cleanup;
	}
	err = pem_each(key_pem, key_add, ctx);
	if (err == FA2_ERR_NOMEM)
		goto cleanup;
	if (err || !ctx->have_key) {
		FA2_LOGE("tls", "server key: %s", err == FA2_ERR_UNSUPPORTED
		         ? "unsupported or malformed private key (RSA or EC expected)"
		         : "no PEM private key found");
		err = FA2_ERR_CONFIG;
		goto cleanup;
	}
	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, ctx->chain[0].data, ctx->chain[0].data_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk) {
		FA2_LOGE("tls", "server certificate: cannot decode (%s)",
		         fa2_tls_errname(br_x509_decoder_last_error(&dc)));
		err = FA2_ERR_CONFIG;
		goto cleanup;
	}
	if ((int)pk->key_type != ctx->key_type) {
		FA2_LOGE("tls", "server key type does not match the certificate's");
		err = FA2_ERR_CONFIG;
		goto cleanup;
	}
	ctx->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
	*out = ctx;
	ctx = NULL;
	err = FA2_OK;
cleanup:
	fa2_tls_server_ctx_free(ctx);
	return err;
}

fa2_err fa2_tls_server_ctx_from_files(const char *cert_path, const char *key_path,
                                      fa2_tls_server_ctx **out)
{
	fa2_buf c, k;
	fa2_err err;

	*out = NULL;
	fa2_buf_init(&c, FA2_MAX_TLS_BUNDLE_BYTES);
	fa2_buf_init(&k, FA2_MAX_TLS_BUNDLE_BYTES);
	err = fa2_file_read_all(cert_path, &c);
	if (err) {
		FA2_LOGE("tls", "cannot read certificate %s: %s", cert_path, fa2_err_str(err));
		err = err == FA2_ERR_NOMEM ? err : FA2_ERR_CONFIG;
		goto cleanup;
	}
	err = fa2_file_read_all(key_path, &k);
	if (err) {
		FA2_LOGE("tls", "cannot read key %s: %s", key_path, fa2_err_str(err));
		err = err == FA2_ERR_NOMEM ? err : FA2_ERR_CONFIG;
		goto cleanup;
	}
	err = fa2_tls_server_ctx_from_pem(fa2_buf_slice(&c), fa2_buf_slice(&k), out);
cleanup:
	fa2_buf_cleanup(&c);
	fa2_buf_wipe(&k);
	fa2_buf_cleanup(&k);
	return err;
}

/* ---- sessions ----------------------------------------------------------------------- */

struct fa2_tls {
	int fd;
	int is_server;
	int handshake_done;
	int closing;        /* we called br_ssl_engine_close */
	fa2_err fatal;      /* sticky terminal error */
	int br_err;
	br_ssl_engine_context *eng;
	union {
		struct {
			br_ssl_client_context cc;
			br_x509_minimal_context xc;
		} c;
		br_ssl_server_context sc;
	} u;
	char host[256];
	char msg[512];
	unsigned char first[16];  /* the first bytes the peer sent (to recognise non-TLS) */
	size_t first_len;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

int fa2_tls_fd(const fa2_tls *t)
{
	return t->fd;
}

static fa2_tls *tls_alloc(int fd, const char *host)
{
	fa2_tls *t = fa2_malloc(sizeof *t);
	size_t hl;
	if (!t)
		return NULL;
	memset(t, 0, offsetof(fa2_tls, iobuf));
	t->fd = fd;
	if (!host)
		host = "client";
	hl = strlen(host);
	if (hl >= sizeof t->host)
		hl = sizeof t->host - 1;
	memcpy(t->host, host, hl);
	t->host[hl] = '\0';
	return t;
}

fa2_err fa2_tls_client_new(int fd, const char *host, const fa2_tls_anchors *anchors,
                           fa2_tls **out)
{
	fa2_tls *t;
	fa2_err err;

	*out = NULL;
	if (fd < 0 || !host || !*host || strlen(host) >= sizeof t->host)
		return FA2_ERR_INVALID;
	if (!anchors) {
		err = fa2_tls_anchors_global(&anchors);
		if (err)
			return err;
	}
	t = tls_alloc(fd, host);
	if (!t)
		return FA2_ERR_NOMEM;
	br_ssl_client_init_full(&t->u.c.cc, &t->u.c.xc, anchors->ta, anchors->n);
	t->eng = &t->u.c.cc.eng;
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(t->eng, client_suites, sizeof client_suites / sizeof client_suites[0]);
	br_ssl_engine_add_flags(t->eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof t->iobuf, 1);
	br_ssl_engine_set_protocol_names(t->eng, alpn_names, 1);
	if (!br_ssl_client_reset(&t->u.c.cc, t->host, 0)) {
		t->br_err = br_ssl_engine_last_error(t->eng);
		FA2_LOGE("tls", "TLS with %s: cannot start: %s (%s)", t->host,
		         fa2_tls_strerror(t->br_err), fa2_tls_errname(t->br_err));
		fa2_tls_free(t);
		return FA2_ERR_TLS;
	}
	*out = t;
	return FA2_OK;
}

fa2_err fa2_tls_server_new(int fd, const fa2_tls_server_ctx *ctx, const char *peer,
                           fa2_tls **out)
{
	fa2_tls *t;

	*out = NULL;
	if (fd < 0 || !ctx)
		return FA2_ERR_INVALID;
	t = tls_alloc(fd, peer);
	if (!t)
		return FA2_ERR_NOMEM;
	t->is_server = 1;
	if (ctx->key_type == BR_KEYTYPE_RSA)
		br_ssl_server_init_full_rsa(&t->u.sc, ctx->chain, ctx->chain_len,
		                            br_skey_decoder_get_rsa(&ctx->key));
	else
		br_ssl_server_init_full_ec(&t->u.sc, ctx->chain, ctx->chain_len,
		                           (unsigned)ctx->issuer_key_type,
		                           br_skey_decoder_get_ec(&ctx->key));
	t->eng = &t->u.sc.eng;
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	/* A client-initiated renegotiation is answered with a no_renegotiation alert: each
	 * one would cost a full handshake of server CPU. */
	br_ssl_engine_add_flags(t->eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof t->iobuf, 1);
	br_ssl_engine_set_protocol_names(t->eng, alpn_names, 1);
	if (!br_ssl_server_reset(&t->u.sc)) {
		t->br_err = br_ssl_engine_last_error(t->eng);
		FA2_LOGE("tls", "TLS with %s: cannot start: %s", t->host, fa2_tls_strerror(t->br_err));
		fa2_tls_free(t);
		return FA2_ERR_TLS;
	}
	*out = t;
	return FA2_OK;
}

void fa2_tls_free(fa2_tls *t)
{
	volatile unsigned char *p;
	size_t i;
	if (!t)
		return;
	/* The engine holds session keys: wipe the whole object. */
	p = (volatile unsigned char *)t;
	for (i = 0; i < sizeof *t; i++)
		p[i] = 0;
	fa2_free(t);
}

/* Records a terminal error with its message and logs it once. */
static fa2_err tls_fail(fa2_tls *t, fa2_err err, const char *what)
{
	const char *role = t->is_server ? "client " : "";
	if (t->fatal)
		return t->fatal;
	t->fatal = err;
	if (!t->handshake_done && t->first_len &&
	    (t->first[0] < TLS_RECORD_TYPE_MIN || t->first[0] > TLS_RECORD_TYPE_MAX)) {
		/* The first byte is no TLS record type: the peer speaks something else. */
		char seen[sizeof t->first + 1];
		size_t i;
		for (i = 0; i < t->first_len; i++)
			seen[i] = t->first[i] >= 0x20 && t->first[i] < 0x7f ? (char)t->first[i] : '.';
		seen[i] = '\0';
		if (t->is_server)
			(void)snprintf(t->msg, sizeof t->msg, "TLS with client %s: the client does not speak "
			               "TLS (sent \"%s\"; plain HTTP to the https port?)", t->host, seen);
		else
			(void)snprintf(t->msg, sizeof t->msg, "TLS with %s: " TLS_NOT_TLS_MSG
			               " (it sent \"%s\")", t->host, seen);
	} else if (what) {
		(void)snprintf(t->msg, sizeof t->msg, "TLS with %s%s: %s", role, t->host, what);
	} else if (t->br_err >= BR_ERR_RECV_FATAL_ALERT && t->br_err < BR_ERR_RECV_FATAL_ALERT + 256) {
		int a = t->br_err - BR_ERR_RECV_FATAL_ALERT;
		(void)snprintf(t->msg, sizeof t->msg,
		               "TLS with %s%s: the %s sent fatal alert %s (%d)%s", role, t->host,
		               t->is_server ? "client" : "server", alert_name(a), a,
		               a == 48 || a == 42 || a == 46
		               ? ": it does not trust our certificate" : "");
	} else if (t->br_err >= BR_ERR_SEND_FATAL_ALERT && t->br_err < BR_ERR_SEND_FATAL_ALERT + 256) {
		int a = t->br_err - BR_ERR_SEND_FATAL_ALERT;
		(void)snprintf(t->msg, sizeof t->msg, "TLS with %s%s: aborted with alert %s (%d)",
		               role, t->host, alert_name(a), a);
	} else {
		int ip = !t->is_server && t->br_err == BR_ERR_X509_BAD_SERVER_NAME
		         && strspn(t->host, "0123456789abcdefABCDEF.:") == strlen(t->host);
		(void)snprintf(t->msg, sizeof t->msg, "TLS with %s%s: %s (%s)%s", role, t->host,
		               fa2_tls_strerror(t->br_err), fa2_tls_errname(t->br_err),
		               ip ? "; certificates are matched by DNS name only: connect by "
		                    "host name, not IP address" : "");
	}
	if (t->is_server)
		FA2_LOGD("tls", "%s", t->msg);
	else
		FA2_LOGW("tls", "%s", t->msg);
	return err;
}

/* The engine is closed: a clean close (FA2_ERR_CLOSED) or a failure. */
static fa2_err engine_closed(fa2_tls *t)
{
	t->br_err = br_ssl_engine_last_error(t->eng);
	if (t->br_err == BR_ERR_OK) {
		if (!t->fatal)
			t->fatal = FA2_ERR_CLOSED;
		return t->fatal;
	}
	return tls_fail(t, FA2_ERR_TLS, NULL);
}

fa2_err fa2_tls_pump(fa2_tls *t)
{
	if (t->fatal)
		return t->fatal;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(t->eng);
		int progress = 0;
		unsigned char *buf;
		size_t len, n;
		fa2_err err;

		if (st == BR_SSL_CLOSED)
			return engine_closed(t);
		if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
			t->handshake_done = 1;
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(t->eng, &len);
			err = fa2_sock_write_some(t->fd, buf, len, &n);
			if (err == FA2_OK) {
				br_ssl_engine_sendrec_ack(t->eng, n);
				progress = 1;
			} else if (err != FA2_ERR_AGAIN) {
				if (t->closing)
					return t->fatal = FA2_ERR_CLOSED;
				t->br_err = BR_ERR_IO;
				return tls_fail(t, FA2_ERR_NET, strerror(errno));
			}
		}
		st = br_ssl_engine_current_state(t->eng);
		if (st == BR_SSL_CLOSED)
			return engine_closed(t);
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(t->eng, &len);
			err = fa2_sock_read_some(t->fd, buf, len, &n);
			if (err == FA2_OK) {
				if (t->first_len < sizeof t->first && !t->handshake_done) {
					size_t k = sizeof t->first - t->first_len;
					if (k > n)
						k = n;
					memcpy(t->first + t->first_len, buf, k);
					t->first_len += k;
				}
				br_ssl_engine_recvrec_ack(t->eng, n);
				progress = 1;
			} else if (err == FA2_ERR_CLOSED) {
				if (t->closing)
					return t->fatal = FA2_ERR_CLOSED;
				t->br_err = BR_ERR_IO;
				return tls_fail(t, FA2_ERR_TLS,
				                t->handshake_done
				                ? "the peer closed the connection without close_notify "
				                  "(truncated)"
				                : "the peer closed the connection during the handshake");
			} else if (err != FA2_ERR_AGAIN) {
				t->br_err = BR_ERR_IO;
				return tls_fail(t, FA2_ERR_NET, strerror(errno));
			}
		}
		if (!progress)
			return FA2_OK;
	}
}

short fa2_tls_want(const fa2_tls *t)
{
	unsigned st;
	short ev = 0;
	if (t->fatal)
		return 0;
	st = br_ssl_engine_current_state(t->eng);
	if (st == BR_SSL_CLOSED)
		return 0;
	if (st & BR_SSL_SENDREC)
		ev |= POLLOUT;
	if (st & BR_SSL_RECVREC)
		ev |= POLLIN;
	return ev;
}

fa2_err fa2_tls_handshake(fa2_tls *t)
{
	fa2_err err = fa2_tls_pump(t);
	if (err)
		return err;
	if (!t->handshake_done) {
		unsigned st = br_ssl_engine_current_state(t->eng);
		if (st != BR_SSL_CLOSED && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
			t->handshake_done = 1;
	}
	return t->handshake_done ? FA2_OK : FA2_ERR_AGAIN;
}

fa2_err fa2_tls_read(fa2_tls *t, void *buf, size_t cap, size_t *n_out)
{
	int pass;
	*n_out = 0;
	if (cap == 0)
		return FA2_ERR_INVALID;
	for (pass = 0; pass < 2; pass++) {
		unsigned st;
		if (t->fatal)
			return t->fatal;
		st = br_ssl_engine_current_state(t->eng);
		if (st == BR_SSL_CLOSED)
			return engine_closed(t);
		if (st & BR_SSL_RECVAPP) {
			size_t len;
			unsigned char *p = br_ssl_engine_recvapp_buf(t->eng, &len);
			if (len > cap)
				len = cap;
			memcpy(buf, p, len);
			br_ssl_engine_recvapp_ack(t->eng, len);
			*n_out = len;
			t->handshake_done = 1;
			return FA2_OK;
		}
		if (pass == 0) {
			fa2_err err = fa2_tls_pump(t);
			if (err)
				return err;
		}
	}
	return FA2_ERR_AGAIN;
}

fa2_err fa2_tls_write(fa2_tls *t, const void *data, size_t len, size_t *n_out)
{
	int pass;
	*n_out = 0;
	for (pass = 0; pass < 2; pass++) {
		unsigned st;
		if (t->fatal)
			return t->fatal;
		st = br_ssl_engine_current_state(t->eng);
		if (st == BR_SSL_CLOSED)
			return engine_closed(t);
		if (st & BR_SSL_SENDAPP) {
			size_t room;
			unsigned char *p = br_ssl_engine_sendapp_buf(t->eng, &room);
			if (room > len)
				room = len;
			memcpy(p, data, room);
			br_ssl_engine_sendapp_ack(t->eng, room);
			*n_out = room;
			t->handshake_done = 1;
			return FA2_OK;
		}
		if (pass == 0) {
			fa2_err err = fa2_tls_pump(t);
			if (err)
				return err;
		}
	}
	return FA2_ERR_AGAIN;
}

fa2_err fa2_tls_flush(fa2_tls *t)
{
	fa2_err err;
	if (t->fatal)
		return t->fatal;
	br_ssl_engine_flush(t->eng, 0);
	err = fa2_tls_pump(t);
	if (err)
		return err;
	return (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC) ? FA2_ERR_AGAIN : FA2_OK;
}

fa2_err fa2_tls_close(fa2_tls *t)
{
	fa2_err err;
	if (t->fatal)
		return t->fatal == FA2_ERR_CLOSED ? FA2_OK : t->fatal;
	if (!t->closing) {
		t->closing = 1;
		br_ssl_engine_close(t->eng);
	}
	for (;;) {
		unsigned st;
		err = fa2_tls_pump(t);
		if (err)
			return err == FA2_ERR_CLOSED ? FA2_OK : err;
		st = br_ssl_engine_current_state(t->eng);
		if (st & BR_SSL_RECVAPP) {
			/* Application data the peer sent before its close_notify: discard. */
			size_t len;
			(void)br_ssl_engine_recvapp_buf(t->eng, &len);
			br_ssl_engine_recvapp_ack(t->eng, len);
			continue;
		}
		return FA2_ERR_AGAIN;
	}
}

/* Waits for the socket events the engine needs. */
static fa2_err tls_wait(fa2_tls *t, int64_t deadline_ms)
{
	short ev = fa2_tls_want(t);
	fa2_err err;
	if (ev == 0)
		return t->fatal ? t->fatal : FA2_ERR_INTERNAL;
	err = fa2_sock_wait(t->fd, ev, deadline_ms, NULL);
	if (err == FA2_ERR_TIMEOUT) {
		(void)snprintf(t->msg, sizeof t->msg, "TLS with %s: timed out %s", t->host,
		               t->handshake_done ? "waiting for the peer" : "during the handshake");
	}
	return err;
}

fa2_err fa2_tls_handshake_wait(fa2_tls *t, int64_t deadline_ms)
{
	for (;;) {
		fa2_err err = fa2_tls_handshake(t);
		if (err != FA2_ERR_AGAIN)
			return err;
		err = tls_wait(t, deadline_ms);
		if (err)
			return err;
	}
}

fa2_err fa2_tls_read_wait(fa2_tls *t, void *buf, size_t cap, size_t *n_out,
                          int64_t deadline_ms)
{
	for (;;) {
		fa2_err err = fa2_tls_read(t, buf, cap, n_out);
		if (err != FA2_ERR_AGAIN)
			return err;
		/* A record may be stuck in the output buffer (e.g. a handshake reply). */
		err = tls_wait(t, deadline_ms);
		if (err)
			return err;
	}
}

fa2_err fa2_tls_write_all(fa2_tls *t, const void *data, size_t len, int64_t deadline_ms)
{
	const unsigned char *p = data;
	fa2_err err;
	while (len > 0) {
		size_t n;
		err = fa2_tls_write(t, p, len, &n);
		if (err == FA2_ERR_AGAIN) {
			err = tls_wait(t, deadline_ms);
			if (err)
				return err;
			continue;
		}
		if (err)
			return err;
		p += n;
		len -= n;
	}
	for (;;) {
		err = fa2_tls_flush(t);
		if (err != FA2_ERR_AGAIN)
			return err;
		err = tls_wait(t, deadline_ms);
		if (err)
			return err;
	}
}

fa2_err fa2_tls_close_wait(fa2_tls *t, int64_t deadline_ms)
{
	for (;;) {
		fa2_err err = fa2_tls_close(t);
		if (err != FA2_ERR_AGAIN)
			return err;
		err = tls_wait(t, deadline_ms);
		if (err)
			return err;
	}
}

const char *fa2_tls_alpn(const fa2_tls *t)
{
	return br_ssl_engine_get_selected_protocol((br_ssl_engine_context *)t->eng);
}

int fa2_tls_last_error(const fa2_tls *t)
{
	return t->br_err;
}

const char *fa2_tls_errmsg(const fa2_tls *t)
{
	return t->msg;
}
