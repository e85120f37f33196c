/* WebSocket client, RFC 6455 (see ws.h). */
#include "net/ws.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bearssl.h"

#include "base/alloc.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/encode.h"
#include "net/conn.h"
#include "net/sock.h"

#define WS_READ_CHUNK   16384u
#define WS_MAX_OUT      (1u * 1024u * 1024u)   /* queued control replies (detached mode) */
#define WS_GUID         "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum { OP_CONT = 0, OP_TEXT = 1, OP_BIN = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

struct fa2_ws {
	fa2_conn conn;            /* fd -1 when detached */
	int detached;
	br_hmac_drbg_context rng;
	fa2_buf in;               /* received bytes not yet consumed */
	fa2_buf out;              /* frames queued for sending */
	fa2_buf msg;              /* message being reassembled */
	int in_msg;               /* a fragmented message is in progress */
	int msg_type;
	size_t max_message;
	int close_sent, close_recv;
	int close_code;
	fa2_err failed;           /* sticky failure */
	unsigned long pongs;
	char host[FA2_URL_MAX_HOST + 1];
	char errmsg[320];
};

static void ws_msg(fa2_ws *w, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void ws_msg(fa2_ws *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
	va_end(ap);
}

void fa2_ws_accept_key(fa2_slice key, char out[29])
{
	br_sha1_context sc;
	unsigned char dig[20];
	fa2_buf b;
	br_sha1_init(&sc);
	br_sha1_update(&sc, key.ptr, key.len);
	br_sha1_update(&sc, WS_GUID, sizeof WS_GUID - 1);
	br_sha1_out(&sc, dig);
	/* 20 bytes -> 28 characters; a stack buffer through fa2_buf would allocate, so
	 * encode into a small heap buffer and copy (cannot fail except on no memory). */
	fa2_buf_init(&b, 64);
	if (fa2_base64_append(&b, dig, sizeof dig, FA2_B64_STD) == FA2_OK && b.len == 28) {
		memcpy(out, b.data, 28);
		out[28] = '\0';
	} else {
		out[0] = '\0';
	}
	fa2_buf_cleanup(&b);
}

/* ---- UTF-8 ------------------------------------------------------------------------- */

static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		{
			size_t j;
			for (j = 1; j <= k; j++) {
				if ((s[i + j] & 0xc0) != 0x80)
					return 0;
				cp = (cp << 6) | (s[i + j] & 0x3f);
			}
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* ---- frames ------------------------------------------------------------------------ */

/* Queues one masked frame. */
static fa2_err queue_frame(fa2_ws *w, int op, const void *payload, size_t len)
{
	unsigned char hdr[14], mask[4];
	size_t hl = 2, i;
	fa2_err err;

	hdr[0] = (unsigned char)(0x80 | op);
	if (len < 126) {
		hdr[1] = (unsigned char)(0x80 | len);
	} else if (len <= 0xffff) {
		hdr[1] = 0x80 | 126;
		hdr[2] = (unsigned char)(len >> 8);
		hdr[3] = (unsigned char)len;
		hl = 4;
	} else {
		uint64_t l = len;
		hdr[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[2 + i] = (unsigned char)(l >> (56 - 8 * i));
		hl = 10;
	}
	br_hmac_drbg_generate(&w->rng, mask, sizeof mask);
	memcpy(hdr + hl, mask, 4);
	hl += 4;
	if (w->out.len + hl + len > w->out.max)
		return FA2_ERR_TOO_LARGE;
	err = fa2_buf_reserve(&w->out, hl + len);
	if (err)
		return err;
	memcpy(w->out.data + w->out.len, hdr, hl);
	{
		unsigned char *dst = (unsigned char *)w->out.data + w->out.len + hl;
		const unsigned char *src = payload;
		for (i = 0; i < len; i++)
			dst[i] = (unsigned char)(src[i] ^ mask[i & 3]);
	}
	w->out.len += hl + len;
	w->out.data[w->out.len] = '\0';
	return FA2_OK;
}

static fa2_err queue_close(fa2_ws *w, int code, fa2_slice reason)
{
	unsigned char b[125];
	size_t n = 0;
	if (w->close_sent)
		return FA2_OK;
	w->close_sent = 1;
	if (code) {
		b[0] = (unsigned char)(code >> 8);
		b[1] = (unsigned char)code;
		n = 2;
		if (reason.len > sizeof b - 2)
			reason.len = sizeof b - 2;
		memcpy(b + 2, reason.ptr, reason.len);
		n += reason.len;
	}
	return queue_frame(w, OP_CLOSE, b, n);
}

/* Fails the connection: queues a close frame with code, records err. */
static fa2_err ws_fail(fa2_ws *w, fa2_err err, int code, const char *why)
{
	if (w->failed)
		return w->failed;
	w->failed = err;
	ws_msg(w, "WebSocket %s: %s", w->host, why);
	if (code)
		(void)queue_close(w, code, fa2_slice_cstr(why));
	return err;
}

static int close_code_ok(unsigned c)
{
	if (c >= 3000 && c <= 4999)
		return 1;
	return c == 1000 || c == 1001 || c == 1002 || c == 1003 || (c >= 1007 && c <= 1011);
}

fa2_err fa2_ws_next(fa2_ws *w, fa2_buf *out, fa2_ws_type *type)
{
	for (;;) {
		const unsigned char *p = (const unsigned char *)w->in.data;
		size_t len = w->in.len, hl = 2;
		uint64_t plen;
		int fin, op;
		const unsigned char *payload;

		if (w->failed)
			return w->failed;
		if (w->close_recv)
			return FA2_ERR_CLOSED;
		if (len < 2)
			return FA2_ERR_PARTIAL;
		fin = p[0] >> 7;
		op = p[0] & 15;
		if (p[0] & 0x70)
			return ws_fail(w, FA2_ERR_PARSE, 1002, "reserved bits set in a frame");
		if (op != OP_CONT && op != OP_TEXT && op != OP_BIN && op != OP_CLOSE && op != OP_PING
		    && op != OP_PONG)
			return ws_fail(w, FA2_ERR_PARSE, 1002, "reserved opcode");
		if (p[1] & 0x80)
			return ws_fail(w, FA2_ERR_PARSE, 1002, "the server masked a frame");
		plen = p[1] & 127;
		if (plen == 126) {
			if (len < 4)
				return FA2_ERR_PARTIAL;
			plen = ((uint64_t)p[2] << 8) | p[3];
			hl = 4;
			if (plen < 126)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "non-minimal frame length");
		} else if (plen == 127) {
			size_t i;
			if (len < 10)
				return FA2_ERR_PARTIAL;
			plen = 0;
			for (i = 0; i < 8; i++)
				plen = (plen << 8) | p[2 + i];
			hl = 10;
			if (plen >> 63)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "frame length with the top bit set");
			if (plen <= 0xffff)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "non-minimal frame length");
		}
		if (op >= OP_CLOSE) {
			if (!fin || plen > 125)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "fragmented or oversized control frame");
		} else {
			if (op == OP_CONT && !w->in_msg)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "continuation frame without a message");
			if (op != OP_CONT && w->in_msg)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "new message inside a fragmented one");
			if (plen > w->max_message || w->msg.len + plen > w->max_message)
				return ws_fail(w, FA2_ERR_TOO_LARGE, 1009, "message larger than the limit");
		}
		if ((uint64_t)(len - hl) < plen)
			return FA2_ERR_PARTIAL;
		payload = p + hl;
		switch (op) {
		case OP_PING:
			if (queue_frame(w, OP_PONG, payload, (size_t)plen) != FA2_OK)
				return ws_fail(w, FA2_ERR_TOO_LARGE, 0, "too many unanswered pings");
			break;
		case OP_PONG:
			w->pongs++;
			break;
		case OP_CLOSE: {
			unsigned code = 1005;
			if (plen == 1)
				return ws_fail(w, FA2_ERR_PARSE, 1002, "close frame with a 1-byte body");
			if (plen >= 2) {
				code = ((unsigned)payload[0] << 8) | payload[1];
				if (!close_code_ok(code))
					return ws_fail(w, FA2_ERR_PARSE, 1002, "invalid close code");
				if (!utf8_valid(payload + 2, (size_t)plen - 2))
					return ws_fail(w, FA2_ERR_PARSE, 1007, "close reason is not UTF-8");
			}
			w->close_code = (int)code;
			w->close_recv = 1;
			/* Echo the code (RFC 6455 section 5.5.1). */
			(void)queue_close(w, code == 1005 ? 0 : (int)code, FA2_SLICE_EMPTY);
			fa2_buf_consume(&w->in, hl + (size_t)plen);
			return FA2_ERR_CLOSED;
		}
		default:
			if (op != OP_CONT)
				w->msg_type = op;
			if (fa2_buf_append(&w->msg, payload, (size_t)plen) != FA2_OK)
				return ws_fail(w, FA2_ERR_TOO_LARGE, 1009, "message larger than the limit");
			w->in_msg = !fin;
			if (fin) {
				fa2_buf_consume(&w->in, hl + (size_t)plen);
				if (w->msg_type == OP_TEXT
				    && !utf8_valid((const unsigned char *)w->msg.data, w->msg.len))
					return ws_fail(w, FA2_ERR_PARSE, 1007, "text message is not valid UTF-8");
				fa2_buf_reset(out);
				if (fa2_buf_append(out, w->msg.data ? w->msg.data : "", w->msg.len) != FA2_OK) {
					fa2_buf_reset(&w->msg);
					return ws_fail(w, FA2_ERR_TOO_LARGE, 1009, "message larger than the buffer");
				}
				*type = w->msg_type == OP_TEXT ? FA2_WS_TEXT : FA2_WS_BINARY;
				fa2_buf_reset(&w->msg);
				return FA2_OK;
			}
			break;
		}
		fa2_buf_consume(&w->in, hl + (size_t)plen);
	}
}

/* ---- objects ----------------------------------------------------------------------- */

static fa2_ws *ws_alloc(size_t max_message)
{
	fa2_ws *w;
	br_prng_seeder seeder;
	if (!max_message)
		max_message = FA2_MAX_WS_MESSAGE_BYTES;
	w = fa2_calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->conn.fd = -1;
	w->max_message = max_message;
	fa2_buf_init(&w->in, max_message + 16 + WS_READ_CHUNK + FA2_MAX_HTTP_HEADER_BYTES);
	fa2_buf_init(&w->out, WS_MAX_OUT + max_message + 16);
	fa2_buf_init(&w->msg, max_message);
	br_hmac_drbg_init(&w->rng, &br_sha256_vtable, NULL, 0);
	seeder = br_prng_seeder_system(NULL);
	if (!seeder || !seeder(&w->rng.vtable)) {
		FA2_LOGE("ws", "no system randomness for WebSocket masking keys");
		fa2_free(w);
		return NULL;
	}
	return w;
}

void fa2_ws_free(fa2_ws *w)
{
	if (!w)
		return;
	fa2_conn_close(&w->conn);
	fa2_buf_cleanup(&w->in);
	fa2_buf_cleanup(&w->out);
	fa2_buf_cleanup(&w->msg);
	memset(&w->rng, 0, sizeof w->rng);
	fa2_free(w);
}

fa2_err fa2_ws_new_detached(size_t max_message, fa2_ws **out)
{
	*out = ws_alloc(max_message);
	if (!*out)
		return FA2_ERR_NOMEM;
	(*out)->detached = 1;
	(void)snprintf((*out)->host, sizeof (*out)->host, "%s", "(detached)");
	return FA2_OK;
}

fa2_err fa2_ws_feed(fa2_ws *w, const void *data, size_t len)
{
	return fa2_buf_append(&w->in, data, len);
}

fa2_slice fa2_ws_pending_output(const fa2_ws *w)
{
	return fa2_buf_slice(&w->out);
}

int fa2_ws_close_code(const fa2_ws *w)
{
	return w->close_code;
}

unsigned long fa2_ws_pongs(const fa2_ws *w)
{
	return w->pongs;
}

const char *fa2_ws_errmsg(const fa2_ws *w)
{
	return w->errmsg;
}

/* ---- I/O ----------------------------------------------------------------------------- */

static fa2_err flush_out(fa2_ws *w, int64_t deadline_ms)
{
	fa2_err err;
	if (w->out.len == 0 || w->detached)
		return FA2_OK;
	if (w->conn.fd < 0)
		return FA2_ERR_CLOSED;
	err = fa2_conn_write_all(&w->conn, w->out.data, w->out.len, deadline_ms);
	fa2_buf_reset(&w->out);
	if (err && !w->failed) {
		w->failed = err == FA2_ERR_TIMEOUT ? FA2_ERR_TIMEOUT : FA2_ERR_NET;
		ws_msg(w, "WebSocket %s: %s while sending", w->host,
		       err == FA2_ERR_TIMEOUT ? "timed out" : "connection lost");
	}
	return err;
}

/* Reads more bytes into w->in. */
static fa2_err read_more(fa2_ws *w, int64_t deadline_ms)
{
	size_t n, room;
	fa2_err err;
	if (w->detached)
		return FA2_ERR_PARTIAL;
	if (w->conn.fd < 0)
		return FA2_ERR_CLOSED;
	if (fa2_buf_reserve(&w->in, WS_READ_CHUNK) != FA2_OK)
		return ws_fail(w, FA2_ERR_TOO_LARGE, 1009, "receive buffer full");
	room = w->in.cap - w->in.len - 1;
	if (room > WS_READ_CHUNK)
		room = WS_READ_CHUNK;
	err = fa2_conn_read(&w->conn, w->in.data + w->in.len, room, &n, deadline_ms);
	if (err == FA2_ERR_TIMEOUT)
		return err;
	if (err) {
		w->failed = err == FA2_ERR_TLS ? FA2_ERR_TLS : FA2_ERR_NET;
		if (err == FA2_ERR_TLS)
			ws_msg(w, "%s", fa2_conn_errmsg(&w->conn));
		else
			ws_msg(w, "WebSocket %s: connection closed without a close frame (1006)", w->host);
		w->close_code = 1006;
		return w->failed;
	}
	w->in.len += n;
	w->in.data[w->in.len] = '\0';
	return FA2_OK;
}

fa2_err fa2_ws_send(fa2_ws *w, fa2_ws_type type, fa2_slice data, int64_t deadline_ms)
{
	fa2_err err;
	if (w->failed)
		return w->failed;
	if (w->close_sent || w->close_recv)
		return FA2_ERR_CLOSED;
	if (type == FA2_WS_TEXT && !utf8_valid((const unsigned char *)data.ptr, data.len))
		return FA2_ERR_INVALID;
	err = queue_frame(w, type == FA2_WS_TEXT ? OP_TEXT : OP_BIN, data.ptr, data.len);
	if (err)
		return err;
	return flush_out(w, deadline_ms);
}

fa2_err fa2_ws_ping(fa2_ws *w, fa2_slice payload, int64_t deadline_ms)
{
	fa2_err err;
	if (w->failed)
		return w->failed;
	if (payload.len > 125)
		return FA2_ERR_INVALID;
	if (w->close_sent || w->close_recv)
		return FA2_ERR_CLOSED;
	err = queue_frame(w, OP_PING, payload.ptr, payload.len);
	if (err)
		return err;
	return flush_out(w, deadline_ms);
}

fa2_err fa2_ws_recv(fa2_ws *w, fa2_buf *out, fa2_ws_type *type, int64_t deadline_ms)
{
	for (;;) {
		fa2_err err = fa2_ws_next(w, out, type);
		fa2_err ferr = flush_out(w, deadline_ms);
		if (err == FA2_OK)
			return ferr == FA2_ERR_TIMEOUT ? FA2_OK : (ferr ? ferr : FA2_OK);
		if (err == FA2_ERR_CLOSED) {
			/* Our close reply is out: the TCP connection can go. */
			fa2_conn_close(&w->conn);
			return FA2_ERR_CLOSED;
		}
		if (err != FA2_ERR_PARTIAL) {
			FA2_LOGW("ws", "%s", w->errmsg);
			fa2_conn_close(&w->conn);
			return err;
		}
		if (ferr)
			return ferr;
		err = read_more(w, deadline_ms);
		if (err) {
			if (err != FA2_ERR_TIMEOUT)
				FA2_LOGW("ws", "%s", w->errmsg);
			return err;
		}
	}
}

fa2_err fa2_ws_close(fa2_ws *w, uint16_t code, fa2_slice reason, int64_t deadline_ms)
{
	fa2_buf sink;
	fa2_ws_type type;
	fa2_err err = FA2_OK;

	if (w->conn.fd < 0 && !w->detached)
		return w->close_recv ? FA2_OK : FA2_ERR_CLOSED;
	fa2_buf_init(&sink, w->max_message);
	if (!w->close_sent) {
		err = queue_close(w, code, reason);
		if (!err)
			err = flush_out(w, deadline_ms);
	}
	while (!err && !w->close_recv) {
		err = fa2_ws_next(w, &sink, &type);
		if (err == FA2_OK)
			continue;
		if (err == FA2_ERR_CLOSED) {
			err = FA2_OK;
			break;
		}
		if (err != FA2_ERR_PARTIAL)
			break;
		err = read_more(w, deadline_ms);
	}
	fa2_buf_cleanup(&sink);
	fa2_conn_close(&w->conn);
	return err;
}

/* ---- opening handshake ---------------------------------------------------------------- */

fa2_err fa2_ws_connect(fa2_slice url, const fa2_ws_opts *opts, fa2_ws **out, char *errmsg,
                       size_t cap)
{
	static const fa2_ws_opts no_opts;
	fa2_url u;
	fa2_ws *w = NULL;
	fa2_proxy_config pc;
	fa2_conn_opts co;
	fa2_buf req;
	fa2_http_response *resp = NULL;
	unsigned char keyraw[16];
	char key[32], accept[29];
	int64_t deadline;
	size_t i;
	fa2_err err;

	*out = NULL;
	if (errmsg && cap)
		errmsg[0] = '\0';
	if (!opts)
		opts = &no_opts;
	memset(&pc, 0, sizeof pc);
	fa2_buf_init(&req, FA2_MAX_HTTP_HEADER_BYTES);
	if (fa2_url_parse(url, &u) != FA2_OK || !u.websocket || u.userinfo.len) {
		if (errmsg)
			(void)snprintf(errmsg, cap, "WebSocket: invalid URL (ws:// or wss:// expected)");
		err = FA2_ERR_INVALID;
		goto cleanup;
	}
	w = ws_alloc(opts->max_message);
	if (!w) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	(void)snprintf(w->host, sizeof w->host, "%s", u.host);
	err = fa2_proxy_config_from_env(&pc);
	if (err)
		goto cleanup;
	memset(&co, 0, sizeof co);
	co.anchors = opts->anchors;
	co.proxy = fa2_proxy_for(&pc, u.tls, u.host);
	co.force_tunnel = 1;
	co.connect_deadline_ms = fa2_sock_deadline(opts->connect_timeout_ms > 0
	                                           ? opts->connect_timeout_ms : 10000);
	deadline = co.tls_deadline_ms = co.connect_deadline_ms
	                                + (opts->handshake_timeout_ms > 0 ? opts->handshake_timeout_ms : 10000);
	err = fa2_conn_open(&w->conn, u.tls, u.host, u.port, &co, w->errmsg, sizeof w->errmsg);
	if (err)
		goto cleanup;

	br_hmac_drbg_generate(&w->rng, keyraw, sizeof keyraw);
	{
		fa2_buf kb;
		fa2_buf_init(&kb, 64);
		err = fa2_base64_append(&kb, keyraw, sizeof keyraw, FA2_B64_STD);
		if (!err && kb.len == 24) {
			memcpy(key, kb.data, 24);
			key[24] = '\0';
		} else if (!err) {
			err = FA2_ERR_INTERNAL;
		}
		fa2_buf_cleanup(&kb);
		if (err)
			goto cleanup;
	}
	fa2_ws_accept_key(fa2_slice_make(key, 24), accept);
	err = fa2_buf_appendf(&req, "GET %.*s HTTP/1.1\r\nHost: %s%s%s", FA2_SLICE_FMT(u.target),
	                      u.host_is_ipv6 ? "[" : "", u.host, u.host_is_ipv6 ? "]" : "");
	if (!err && u.port != (u.tls ? 443 : 80))
		err = fa2_buf_appendf(&req, ":%u", (unsigned)u.port);
	if (!err)
		err = fa2_buf_appendf(&req, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key);
	for (i = 0; !err && i < opts->num_headers; i++) {
		fa2_slice n = opts->headers[i].name, v = opts->headers[i].value;
		size_t k;
		for (k = 0; k < n.len + v.len; k++) {
			char ch = k < n.len ? n.ptr[k] : v.ptr[k - n.len];
			if (ch == '\r' || ch == '\n' || ch == '\0')
				err = FA2_ERR_INVALID;
		}
		if (!err)
			err = fa2_buf_appendf(&req, "%.*s: %.*s\r\n", FA2_SLICE_FMT(n), FA2_SLICE_FMT(v));
	}
	if (!err)
		err = fa2_buf_append_cstr(&req, "\r\n");
	if (err) {
		ws_msg(w, "WebSocket %s: invalid handshake fields", u.host);
		goto cleanup;
	}
	err = fa2_conn_write_all(&w->conn, req.data, req.len, deadline);
	if (err) {
		ws_msg(w, "WebSocket %s: cannot send the handshake: %s", u.host, fa2_err_str(err));
		goto cleanup;
	}
	resp = fa2_malloc(sizeof *resp);
	if (!resp) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (;;) {
		err = fa2_http_parse_response(w->in.data ? w->in.data : "", w->in.len, resp);
		if (err != FA2_ERR_PARTIAL)
			break;
		err = read_more(w, deadline);
		if (err) {
			if (err == FA2_ERR_TIMEOUT)
				ws_msg(w, "WebSocket %s: handshake timed out", u.host);
			goto cleanup;
		}
	}
	if (err) {
		ws_msg(w, "WebSocket %s: malformed handshake response", u.host);
		err = FA2_ERR_HTTP;
		goto cleanup;
	}
	if (resp->status != 101) {
		ws_msg(w, "WebSocket %s: the server answered %d %.*s instead of 101 Switching Protocols",
		       u.host, resp->status, FA2_SLICE_FMT(resp->reason));
		err = FA2_ERR_HTTP;
		goto cleanup;
	}
	{
		const fa2_slice *acc = fa2_http_header_find(resp->headers, resp->num_headers,
		                                            "Sec-WebSocket-Accept");
		if (!fa2_http_header_has_token(resp->headers, resp->num_headers, "Upgrade", "websocket")
		    || !fa2_http_header_has_token(resp->headers, resp->num_headers, "Connection",
		                                  "upgrade")
		    || !acc || !fa2_slice_eq_cstr(*acc, accept)) {
			ws_msg(w, "WebSocket %s: invalid upgrade response (Upgrade, Connection or "
			       "Sec-WebSocket-Accept wrong)", u.host);
			err = FA2_ERR_HTTP;
			goto cleanup;
		}
		if (fa2_http_header_find(resp->headers, resp->num_headers, "Sec-WebSocket-Extensions")) {
			ws_msg(w, "WebSocket %s: the server chose an extension we did not offer", u.host);
			err = FA2_ERR_HTTP;
			goto cleanup;
		}
	}
	/* Frames that came with the handshake stay in w->in. */
	fa2_buf_consume(&w->in, resp->head_len);
	*out = w;
	w = NULL;
	err = FA2_OK;
cleanup:
	if (err && w) {
		if (!w->errmsg[0])
			ws_msg(w, "WebSocket %s: %s", u.host, fa2_err_str(err));
		FA2_LOGW("ws", "%s", w->errmsg);
		if (errmsg)
			(void)snprintf(errmsg, cap, "%s", w->errmsg);
	}
	fa2_ws_free(w);
	fa2_free(resp);
	fa2_buf_cleanup(&req);
	fa2_proxy_config_cleanup(&pc);
	return err;
}
