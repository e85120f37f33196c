/* HTTP/1.1 head parser, body framing, keep-alive decision and chunked decoder.
 * Contracts and the line-ending policy are in http.h. */
#include <string.h>

#include "net/http.h"

/* Blank lines tolerated before a request line (RFC 9112 section 2.2 asks for at least
 * one, for clients that end a POST body with an extra CRLF). */
#define HTTP_MAX_LEADING_EMPTY_LINES 8
/* Longest chunk-size line (size + extensions) we accept. */
#define HTTP_MAX_CHUNK_LINE 4096u

/* tchar per RFC 9110 section 5.6.2. */
static const unsigned char tchar_tab[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1,
	['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,
	['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static int is_tchar(unsigned char c) { return tchar_tab[c]; }
/* field-vchar / SP / HTAB, obs-text included. */
static int is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* Consumes a line ending at buf[*pos]: CRLF or bare LF. Returns FA2_OK (advanced),
 * FA2_ERR_PARTIAL, or FA2_ERR_PARSE (bare CR / not a line end). */
static fa2_err eat_eol(const char *buf, size_t len, size_t *pos)
{
	size_t p = *pos;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] == '\n') {
		*pos = p + 1;
		return FA2_OK;
	}
	if (buf[p] != '\r')
		return FA2_ERR_PARSE;
	if (p + 1 >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p + 1] != '\n')
		return FA2_ERR_PARSE;
	*pos = p + 2;
	return FA2_OK;
}

/* Parses "HTTP/d.d" at buf[*pos]. Returns FA2_OK, PARTIAL (a valid prefix),
 * PARSE, or UNSUPPORTED (major version other than 1). */
static fa2_err parse_version(const char *buf, size_t len, size_t *pos, int *minor)
{
	static const char pfx[] = "HTTP/";
	size_t p = *pos, i;

	for (i = 0; i < 5; i++, p++) {
		if (p >= len)
			return FA2_ERR_PARTIAL;
		if (buf[p] != pfx[i])
			return FA2_ERR_PARSE;
	}
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] < '0' || buf[p] > '9')
		return FA2_ERR_PARSE;
	if (buf[p] != '1')
		return FA2_ERR_UNSUPPORTED;
	p++;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] != '.')
		return FA2_ERR_PARSE;
	p++;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] < '0' || buf[p] > '9')
		return FA2_ERR_PARSE;
	/* A higher 1.x minor is answered as 1.1 (RFC 9110 section 2.5). */
	*minor = buf[p] == '0' ? 0 : 1;
	*pos = p + 1;
	return FA2_OK;
}

/* Parses header fields up to and including the blank line. */
static fa2_err parse_headers(const char *buf, size_t len, size_t *pos,
                             fa2_http_header *hdrs, size_t *num)
{
	size_t p = *pos, n = 0;
	fa2_err err;

	for (;;) {
		size_t ns, ne, vs, ve;
		unsigned char c;

		if (p >= len)
			return FA2_ERR_PARTIAL;
		c = (unsigned char)buf[p];
		if (c == '\r' || c == '\n') {
			err = eat_eol(buf, len, &p);
			if (err)
				return err;
			break;
		}
		if (!is_tchar(c))
			return FA2_ERR_PARSE;  /* obs-fold (SP/HTAB), CTLs, separators */
		if (n >= FA2_MAX_HTTP_HEADERS)
			return FA2_ERR_TOO_LARGE;
		ns = p;
		while (p < len && is_tchar((unsigned char)buf[p]))
			p++;
		if (p >= len)
			return FA2_ERR_PARTIAL;
		if (buf[p] != ':')
			return FA2_ERR_PARSE;  /* includes white space before the colon */
		ne = p;
		p++;
		while (p < len && (buf[p] == ' ' || buf[p] == '\t'))
			p++;
		vs = p;
		while (p < len && buf[p] != '\r' && buf[p] != '\n') {
			if (!is_value_char((unsigned char)buf[p]))
				return FA2_ERR_PARSE;
			p++;
		}
		ve = p;
		err = eat_eol(buf, len, &p);
		if (err)
			return err;
		while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
			ve--;
		hdrs[n].name = fa2_slice_make(buf + ns, ne - ns);
		hdrs[n].value = fa2_slice_make(buf + vs, ve - vs);
		n++;
	}
	*num = n;
	*pos = p;
	return FA2_OK;
}

static fa2_err parse_request_capped(const char *buf, size_t len, fa2_http_request *req)
{
	size_t p = 0, s, empty = 0;
	fa2_err err;

	/* Leading blank lines. */
	while (p < len && (buf[p] == '\r' || buf[p] == '\n')) {
		if (++empty > HTTP_MAX_LEADING_EMPTY_LINES)
			return FA2_ERR_PARSE;
		err = eat_eol(buf, len, &p);
		if (err)
			return err;
	}
	/* method SP */
	s = p;
	while (p < len && is_tchar((unsigned char)buf[p]))
		p++;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] != ' ' || p == s)
		return FA2_ERR_PARSE;
	req->method = fa2_slice_make(buf + s, p - s);
	p++;
	/* request-target SP: visible ASCII only */
	s = p;
	while (p < len && (unsigned char)buf[p] > 0x20 && (unsigned char)buf[p] < 0x7f)
		p++;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] != ' ' || p == s)
		return FA2_ERR_PARSE;
	req->target = fa2_slice_make(buf + s, p - s);
	p++;
	err = parse_version(buf, len, &p, &req->minor_version);
	if (err)
		return err;
	err = eat_eol(buf, len, &p);
	if (err)
		return err;
	err = parse_headers(buf, len, &p, req->headers, &req->num_headers);
	if (err)
		return err;
	req->head_len = p;
	return FA2_OK;
}

fa2_err fa2_http_parse_request(const char *buf, size_t len, fa2_http_request *req)
{
	size_t lim = len < FA2_MAX_HTTP_HEADER_BYTES ? len : FA2_MAX_HTTP_HEADER_BYTES;
	fa2_err err;

	req->num_headers = 0;
	req->head_len = 0;
	err = parse_request_capped(buf, lim, req);
	if (err == FA2_ERR_PARTIAL && len >= FA2_MAX_HTTP_HEADER_BYTES)
		err = FA2_ERR_TOO_LARGE;
	return err;
}

static fa2_err parse_response_capped(const char *buf, size_t len, fa2_http_response *resp)
{
	size_t p = 0, s, i;
	int status = 0;
	fa2_err err;

	err = parse_version(buf, len, &p, &resp->minor_version);
	if (err)
		return err == FA2_ERR_UNSUPPORTED ? FA2_ERR_PARSE : err;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	if (buf[p] != ' ')
		return FA2_ERR_PARSE;
	p++;
	for (i = 0; i < 3; i++, p++) {
		if (p >= len)
			return FA2_ERR_PARTIAL;
		if (buf[p] < '0' || buf[p] > '9')
			return FA2_ERR_PARSE;
		status = status * 10 + (buf[p] - '0');
	}
	if (status < 100)
		return FA2_ERR_PARSE;
	resp->status = status;
	if (p >= len)
		return FA2_ERR_PARTIAL;
	/* The reason phrase may be empty; tolerate a missing SP before the line end. */
	if (buf[p] == ' ') {
		p++;
	} else if (buf[p] != '\r' && buf[p] != '\n') {
		return FA2_ERR_PARSE;
	}
	s = p;
	while (p < len && buf[p] != '\r' && buf[p] != '\n') {
		if (!is_value_char((unsigned char)buf[p]))
			return FA2_ERR_PARSE;
		p++;
	}
	resp->reason = fa2_slice_make(buf + s, p - s);
	err = eat_eol(buf, len, &p);
	if (err)
		return err;
	err = parse_headers(buf, len, &p, resp->headers, &resp->num_headers);
	if (err)
		return err;
	resp->head_len = p;
	return FA2_OK;
}

fa2_err fa2_http_parse_response(const char *buf, size_t len, fa2_http_response *resp)
{
	size_t lim = len < FA2_MAX_HTTP_HEADER_BYTES ? len : FA2_MAX_HTTP_HEADER_BYTES;
	fa2_err err;

	resp->num_headers = 0;
	resp->head_len = 0;
	resp->reason = FA2_SLICE_EMPTY;
	err = parse_response_capped(buf, lim, resp);
	if (err == FA2_ERR_PARTIAL && len >= FA2_MAX_HTTP_HEADER_BYTES)
		err = FA2_ERR_TOO_LARGE;
	return err;
}

const fa2_slice *fa2_http_header_find(const fa2_http_header *headers, size_t n,
                                      const char *name)
{
	fa2_slice want = fa2_slice_cstr(name);
	size_t i;

	for (i = 0; i < n; i++)
		if (fa2_slice_eq_ci(headers[i].name, want))
			return &headers[i].value;
	return NULL;
}

/* Calls fn(token, ctx) for every comma-separated element (OWS-trimmed, empties
 * skipped) of every field called name. Stops early when fn returns non-zero and
 * returns that value. */
static int each_token(const fa2_http_header *headers, size_t n, const char *name,
                      int (*fn)(fa2_slice tok, void *ctx), void *ctx)
{
	fa2_slice want = fa2_slice_cstr(name);
	size_t i;

	for (i = 0; i < n; i++) {
		fa2_slice rest, tok;
		if (!fa2_slice_eq_ci(headers[i].name, want))
			continue;
		rest = headers[i].value;
		while (rest.len > 0) {
			fa2_slice r2;
			if (!fa2_slice_split(rest, ',', &tok, &r2)) {
				tok = rest;
				r2 = FA2_SLICE_EMPTY;
			}
			rest = r2;
			while (tok.len > 0 && (tok.ptr[0] == ' ' || tok.ptr[0] == '\t')) {
				tok.ptr++;
				tok.len--;
			}
			while (tok.len > 0 && (tok.ptr[tok.len - 1] == ' ' || tok.ptr[tok.len - 1] == '\t'))
				tok.len--;
			if (tok.len > 0) {
				int r = fn(tok, ctx);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

static int token_eq_cb(fa2_slice tok, void *ctx)
{
	return fa2_slice_eq_ci(tok, fa2_slice_cstr((const char *)ctx));
}

int fa2_http_header_has_token(const fa2_http_header *headers, size_t n,
                              const char *name, const char *token)
{
	return each_token(headers, n, name, token_eq_cb, (void *)(uintptr_t)token) != 0;
}

int fa2_http_keep_alive(int minor_version, const fa2_http_header *headers, size_t n)
{
	if (fa2_http_header_has_token(headers, n, "Connection", "close"))
		return 0;
	if (minor_version >= 1)
		return 1;
	return fa2_http_header_has_token(headers, n, "Connection", "keep-alive");
}

/* Transfer-Encoding summary. */
typedef struct te_info {
	int count;        /* codings listed */
	int last_chunked; /* the final coding is chunked */
	int chunked_seen; /* chunked appears (anywhere) */
} te_info;

static int te_cb(fa2_slice tok, void *ctx)
{
	te_info *t = ctx;
	int ch = fa2_slice_eq_ci(tok, FA2_SLICE_LIT("chunked"));
	t->count++;
	t->last_chunked = ch;
	if (ch)
		t->chunked_seen++;
	return 0;
}

/* Collects Content-Length: every element of every CL field must be a plain decimal
 * number and all must be equal. Returns FA2_OK with *present = 0/1, or FA2_ERR_PARSE. */
typedef struct cl_info {
	int present;
	int bad;
	uint64_t value;
} cl_info;

static int cl_cb(fa2_slice tok, void *ctx)
{
	cl_info *c = ctx;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < tok.len; i++) {
		unsigned d;
		if (tok.ptr[i] < '0' || tok.ptr[i] > '9') {
			c->bad = 1;
			return 1;
		}
		d = (unsigned)(tok.ptr[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			c->bad = 1;
			return 1;
		}
		v = v * 10 + d;
	}
	if (c->present && c->value != v) {
		c->bad = 1;
		return 1;
	}
	c->present = 1;
	c->value = v;
	return 0;
}

static fa2_err collect_framing(const fa2_http_header *h, size_t n, te_info *te, cl_info *cl,
                               int *te_present, int *cl_fields)
{
	size_t i;

	memset(te, 0, sizeof *te);
	memset(cl, 0, sizeof *cl);
	*te_present = 0;
	*cl_fields = 0;
	for (i = 0; i < n; i++) {
		if (fa2_slice_eq_ci(h[i].name, FA2_SLICE_LIT("Transfer-Encoding")))
			*te_present = 1;
		else if (fa2_slice_eq_ci(h[i].name, FA2_SLICE_LIT("Content-Length")))
			(*cl_fields)++;
	}
	if (*te_present)
		each_token(h, n, "Transfer-Encoding", te_cb, te);
	if (*cl_fields) {
		each_token(h, n, "Content-Length", cl_cb, cl);
		if (cl->bad || !cl->present)  /* !present: an empty CL value */
			return FA2_ERR_PARSE;
	}
	return FA2_OK;
}

fa2_err fa2_http_request_body(const fa2_http_request *req, uint64_t max_body,
                              fa2_http_body *out)
{
	te_info te;
	cl_info cl;
	int te_present, cl_fields;
	fa2_err err;

	out->kind = FA2_HTTP_BODY_NONE;
	out->length = 0;
	err = collect_framing(req->headers, req->num_headers, &te, &cl, &te_present, &cl_fields);
	if (err)
		return err;
	if (te_present) {
		/* CL + TE together, TE in HTTP/1.0 and a final coding other than chunked are
		 * all framing the server cannot trust (RFC 9112 section 6.1 / 6.3). */
		if (cl_fields || req->minor_version == 0 || te.count == 0 || !te.last_chunked)
			return FA2_ERR_PARSE;
		if (te.chunked_seen > 1)
			return FA2_ERR_PARSE;
		if (te.count > 1)
			return FA2_ERR_UNSUPPORTED;  /* e.g. "gzip, chunked" */
		out->kind = FA2_HTTP_BODY_CHUNKED;
		return FA2_OK;
	}
	if (cl_fields) {
		if (cl.value > max_body)
			return FA2_ERR_TOO_LARGE;
		out->kind = FA2_HTTP_BODY_LENGTH;
		out->length = cl.value;
	}
	return FA2_OK;
}

fa2_err fa2_http_response_body(const fa2_http_response *resp, int request_was_head,
                               uint64_t max_body, fa2_http_body *out)
{
	te_info te;
	cl_info cl;
	int te_present, cl_fields;
	fa2_err err;

	out->kind = FA2_HTTP_BODY_NONE;
	out->length = 0;
	if (request_was_head || (resp->status >= 100 && resp->status < 200) ||
	    resp->status == 204 || resp->status == 304)
		return FA2_OK;
	err = collect_framing(resp->headers, resp->num_headers, &te, &cl, &te_present, &cl_fields);
	if (err)
		return err;
	if (te_present) {
		if (cl_fields)
			return FA2_ERR_PARSE;
		if (te.count == 0)
			return FA2_ERR_PARSE;
		if (!te.last_chunked) {
			out->kind = FA2_HTTP_BODY_UNTIL_CLOSE;
			return FA2_OK;
		}
		if (te.chunked_seen > 1)
			return FA2_ERR_PARSE;
		if (te.count > 1)
			return FA2_ERR_UNSUPPORTED;  /* a content coding we did not ask for */
		out->kind = FA2_HTTP_BODY_CHUNKED;
		return FA2_OK;
	}
	if (cl_fields) {
		if (cl.value > max_body)
			return FA2_ERR_TOO_LARGE;
		out->kind = FA2_HTTP_BODY_LENGTH;
		out->length = cl.value;
		return FA2_OK;
	}
	out->kind = FA2_HTTP_BODY_UNTIL_CLOSE;
	return FA2_OK;
}

/* ---- chunked decoder ---- */

enum {
	CH_SIZE = 0,      /* hex digits of the chunk size */
	CH_EXT,           /* chunk extensions / BWS, up to CR */
	CH_SIZE_LF,       /* LF after the size line */
	CH_DATA,          /* chunk data */
	CH_DATA_CR,       /* CR after the data */
	CH_DATA_LF,       /* LF after the data */
	CH_TR_START,      /* start of a trailer line or the final CRLF */
	CH_TR_NAME,       /* trailer field name */
	CH_TR_VALUE,      /* trailer field value, up to CR */
	CH_TR_LF,         /* LF after a trailer line */
	CH_END_LF,        /* LF of the final CRLF */
	CH_DONE,
	CH_ERROR
};

void fa2_http_chunked_init(fa2_http_chunked *d, uint64_t max_total)
{
	memset(d, 0, sizeof *d);
	d->state = CH_SIZE;
	d->max_total = max_total;
}

int fa2_http_chunked_done(const fa2_http_chunked *d)
{
	return d->state == CH_DONE;
}

fa2_err fa2_http_chunked_decode(fa2_http_chunked *d, char *buf, size_t len,
                                size_t *out_len, size_t *consumed)
{
	size_t r = 0, w = 0;
	fa2_err err = FA2_ERR_PARTIAL;

	while (r < len) {
		unsigned char c = (unsigned char)buf[r];

		switch (d->state) {
		case CH_SIZE: {
			int v = fa2_hex_digit(c);
			if (v >= 0) {
				if (d->chunk_left > (UINT64_MAX >> 4)) {
					err = FA2_ERR_TOO_LARGE;
					goto fail;
				}
				d->chunk_left = (d->chunk_left << 4) | (uint64_t)v;
				d->digits++;
			} else {
				if (d->digits == 0) {
					err = FA2_ERR_PARSE;
					goto fail;
				}
				if (d->chunk_left > d->max_total - d->total) {
					err = FA2_ERR_TOO_LARGE;
					goto fail;
				}
				if (c == '\r')
					d->state = CH_SIZE_LF;
				else if (c == ';' || c == ' ' || c == '\t')
					d->state = CH_EXT;
				else {
					err = FA2_ERR_PARSE;
					goto fail;
				}
			}
			if (++d->line_bytes > HTTP_MAX_CHUNK_LINE) {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			r++;
			break;
		}
		case CH_EXT:
			if (c == '\r') {
				d->state = CH_SIZE_LF;
			} else if (!is_value_char(c)) {
				err = FA2_ERR_PARSE;  /* bare LF, NUL, other CTLs */
				goto fail;
			}
			if (++d->line_bytes > HTTP_MAX_CHUNK_LINE) {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			r++;
			break;
		case CH_SIZE_LF:
			if (c != '\n') {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			r++;
			d->line_bytes = 0;
			d->digits = 0;
			d->state = d->chunk_left == 0 ? CH_TR_START : CH_DATA;
			break;
		case CH_DATA: {
			size_t n = len - r;
			if ((uint64_t)n > d->chunk_left)
				n = (size_t)d->chunk_left;
			if (w != r)
				memmove(buf + w, buf + r, n);
			w += n;
			r += n;
			d->chunk_left -= n;
			d->total += n;
			if (d->chunk_left == 0)
				d->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (c != '\r') {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			r++;
			d->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (c != '\n') {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			r++;
			d->state = CH_SIZE;
			break;
		case CH_TR_START:
			if (c == '\r') {
				d->state = CH_END_LF;
			} else if (is_tchar(c)) {
				d->state = CH_TR_NAME;
			} else {
				err = FA2_ERR_PARSE;  /* obs-fold, bare LF, garbage */
				goto fail;
			}
			goto trailer_byte;
		case CH_TR_NAME:
			if (c == ':')
				d->state = CH_TR_VALUE;
			else if (!is_tchar(c)) {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			goto trailer_byte;
		case CH_TR_VALUE:
			if (c == '\r')
				d->state = CH_TR_LF;
			else if (!is_value_char(c)) {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			goto trailer_byte;
		case CH_TR_LF:
			if (c != '\n') {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			d->state = CH_TR_START;
			goto trailer_byte;
		case CH_END_LF:
			if (c != '\n') {
				err = FA2_ERR_PARSE;
				goto fail;
			}
			r++;
			d->state = CH_DONE;
			break;
		case CH_DONE:
			goto done;
		default:
			err = FA2_ERR_PARSE;
			goto fail;
		}
		if (d->state == CH_DONE)
			break;
		continue;
trailer_byte:
		if (++d->trailer_bytes > FA2_MAX_HTTP_HEADER_BYTES) {
			err = FA2_ERR_TOO_LARGE;
			goto fail;
		}
		r++;
	}
done:
	*out_len = w;
	*consumed = r;
	return d->state == CH_DONE ? FA2_OK : FA2_ERR_PARTIAL;
fail:
	d->state = CH_ERROR;
	*out_len = w;
	*consumed = r;
	return err;
}

const char *fa2_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
