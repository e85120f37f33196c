/* WebSocket client (RFC 6455) over TCP or TLS (ws:// and wss://), for Slack Socket Mode.
 *
 *     fa2_ws *ws;
 *     fa2_ws_type type;
 *     fa2_buf msg;
 *     err = fa2_ws_connect(FA2_SLICE_LIT("wss://example.com/link?ticket=x"), NULL, &ws);
 *     err = fa2_ws_send(ws, FA2_WS_TEXT, FA2_SLICE_LIT("{...}"), fa2_sock_deadline(5000));
 *     fa2_buf_init(&msg, FA2_MAX_WS_MESSAGE_BYTES);
 *     err = fa2_ws_recv(ws, &msg, &type, fa2_sock_deadline(30000));  // FA2_ERR_TIMEOUT
 *                                                          // just means "nothing yet"
 *     fa2_ws_close(ws, 1000, FA2_SLICE_EMPTY, fa2_sock_deadline(2000));
 *     fa2_ws_free(ws);
 *
 * The client masks every frame with a fresh random key, reassembles fragmented
 * messages (up to max_message bytes: FA2_ERR_TOO_LARGE beyond, after which the
 * connection is failed with close code 1009), answers pings with pongs while receiving,
 * and performs the close handshake. Text messages are checked to be valid UTF-8 (1007
 * otherwise). Protocol violations by the server (masked frames, reserved bits or
 * opcodes, oversized or fragmented control frames, a continuation without a start)
 * fail the connection with close code 1002 and FA2_ERR_PARSE.
 *
 * A receive that times out keeps any partial frame: the next fa2_ws_recv continues
 * where it stopped. Proxies: HTTPS_PROXY/HTTP_PROXY/NO_PROXY as in httpc.h (always a
 * CONNECT tunnel). One thread at a time per fa2_ws. */
#ifndef FA2_NET_WS_H
#define FA2_NET_WS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"
#include "net/http.h"
#include "net/tls.h"

typedef enum fa2_ws_type {
	FA2_WS_TEXT = 1,
	FA2_WS_BINARY = 2
} fa2_ws_type;

typedef struct fa2_ws_opts {
	const fa2_http_header *headers;  /* extra handshake fields (e.g. Authorization) */
	size_t num_headers;
	int64_t connect_timeout_ms;      /* 0: 10 s */
	int64_t handshake_timeout_ms;    /* TLS + upgrade; 0: 10 s */
	size_t max_message;              /* 0: FA2_MAX_WS_MESSAGE_BYTES */
	const fa2_tls_anchors *anchors;  /* NULL: global */
} fa2_ws_opts;

typedef struct fa2_ws fa2_ws;

/* Connects and performs the opening handshake. opts may be NULL. On failure *out is
 * NULL and, when errmsg is not NULL, errmsg (cap bytes) holds a sentence naming the
 * host (also logged). Errors as in httpc.h; FA2_ERR_HTTP when the server does not
 * answer 101 with the right Sec-WebSocket-Accept. */
fa2_err fa2_ws_connect(fa2_slice url, const fa2_ws_opts *opts, fa2_ws **out, char *errmsg,
                       size_t cap);

/* Sends one unfragmented message. */
fa2_err fa2_ws_send(fa2_ws *w, fa2_ws_type type, fa2_slice data, int64_t deadline_ms);
/* Sends a ping (payload at most 125 bytes). */
fa2_err fa2_ws_ping(fa2_ws *w, fa2_slice payload, int64_t deadline_ms);

/* Receives the next complete message into out (reset first; out->max should be at least
 * max_message). Control frames are handled on the way. FA2_ERR_CLOSED once the peer
 * closed (its close frame was answered; see fa2_ws_close_code), FA2_ERR_TIMEOUT when no
 * complete message arrived before the deadline (the connection stays usable). */
fa2_err fa2_ws_recv(fa2_ws *w, fa2_buf *out, fa2_ws_type *type, int64_t deadline_ms);

/* Starts the close handshake with code (e.g. 1000) and reason (<= 123 bytes), waits
 * until the deadline for the peer's close frame (discarding data), then closes the
 * connection. FA2_OK when the handshake completed. */
fa2_err fa2_ws_close(fa2_ws *w, uint16_t code, fa2_slice reason, int64_t deadline_ms);

/* Close code the peer sent (1005 when its close frame had none), 0 before a close. */
int fa2_ws_close_code(const fa2_ws *w);
/* Pongs received so far (answers to fa2_ws_ping), for keep-alive checks. */
unsigned long fa2_ws_pongs(const fa2_ws *w);
/* Readable reason for the last failure, "" if none. */
const char *fa2_ws_errmsg(const fa2_ws *w);
/* Frees w and closes its connection (without a close handshake). w may be NULL. */
void fa2_ws_free(fa2_ws *w);

/* ---- socket-less core, for unit tests and fuzzing ---------------------------------- */

/* A client with no connection: bytes "from the server" are given with fa2_ws_feed and
 * frames it would send (pongs, close replies) accumulate internally. */
fa2_err fa2_ws_new_detached(size_t max_message, fa2_ws **out);
fa2_err fa2_ws_feed(fa2_ws *w, const void *data, size_t len);
/* Extracts the next complete message from the fed bytes: FA2_OK (message in out),
 * FA2_ERR_PARTIAL (need more bytes), FA2_ERR_CLOSED, FA2_ERR_PARSE, FA2_ERR_TOO_LARGE. */
fa2_err fa2_ws_next(fa2_ws *w, fa2_buf *out, fa2_ws_type *type);
/* Bytes queued for sending (pongs, close frames), masked as on the wire. */
fa2_slice fa2_ws_pending_output(const fa2_ws *w);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (28 characters + NUL into out). */
void fa2_ws_accept_key(fa2_slice key, char out[29]);

#endif
