#include "aws/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/sts.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/ct.h"

static void free_str(char **s)
{
	if (*s) {
		fa2_wipe(*s, strlen(*s));
		fa2_free(*s);
		*s = NULL;
	}
}

void fa2_aws_creds_init(fa2_aws_creds *c)
{
	memset(c, 0, sizeof *c);
}

void fa2_aws_creds_cleanup(fa2_aws_creds *c)
{
	free_str(&c->access_key_id);
	free_str(&c->secret_access_key);
	free_str(&c->session_token);
	c->expiration_ms = 0;
	c->source[0] = '\0';
}

fa2_err fa2_aws_creds_set(fa2_aws_creds *c, fa2_slice akid, fa2_slice secret, fa2_slice token,
                          int64_t expiration_ms, const char *source)
{
	fa2_aws_creds n;
	akid = fa2_slice_trim(akid);
	secret = fa2_slice_trim(secret);
	token = fa2_slice_trim(token);
	if (akid.len == 0 || secret.len == 0)
		return FA2_ERR_INVALID;
	if (token.len > FA2_AWS_MAX_TOKEN_BYTES || akid.len > 256 || secret.len > 1024)
		return FA2_ERR_TOO_LARGE;
	fa2_aws_creds_init(&n);
	n.access_key_id = fa2_strndup(akid.ptr, akid.len);
	n.secret_access_key = fa2_strndup(secret.ptr, secret.len);
	if (token.len)
		n.session_token = fa2_strndup(token.ptr, token.len);
	if (!n.access_key_id || !n.secret_access_key || (token.len && !n.session_token)) {
		fa2_aws_creds_cleanup(&n);
		return FA2_ERR_NOMEM;
	}
	n.expiration_ms = expiration_ms;
	snprintf(n.source, sizeof n.source, "%s", source ? source : "");
	(void)fa2_log_add_secret(secret);
	if (token.len)
		(void)fa2_log_add_secret(token);
	fa2_aws_creds_cleanup(c);
	*c = n;
	return FA2_OK;
}

fa2_err fa2_aws_creds_copy(fa2_aws_creds *dst, const fa2_aws_creds *src)
{
	return fa2_aws_creds_set(dst, fa2_slice_cstr(src->access_key_id),
	                         fa2_slice_cstr(src->secret_access_key),
	                         fa2_slice_cstr(src->session_token), src->expiration_ms, src->source);
}

int fa2_aws_creds_valid(const fa2_aws_creds *c)
{
	return c->access_key_id && c->secret_access_key;
}

int fa2_aws_creds_refresh_state(const fa2_aws_creds *c, int64_t now_ms)
{
	if (c->expiration_ms == 0)
		return 0;
	if (now_ms >= c->expiration_ms - FA2_AWS_REFRESH_MANDATORY_MS)
		return 2;
	if (now_ms >= c->expiration_ms - FA2_AWS_REFRESH_ADVISORY_MS)
		return 1;
	return 0;
}

/* ---- parsers ---- */

static fa2_err parse_expiration(const char *s, int64_t *out)
{
	*out = 0;
	if (!s || !*s)
		return FA2_OK;
	if (fa2_time_parse(fa2_slice_cstr(s), 0, 0, out) != FA2_OK)
		return FA2_ERR_PARSE;
	return FA2_OK;
}

fa2_err fa2_aws_creds_parse_process(fa2_slice json, fa2_aws_creds *out)
{
	cJSON *j = fa2_json_parse(json, NULL);
	double version = 0;
	int64_t exp;
	fa2_err e = FA2_ERR_PARSE;
	if (!j || !cJSON_IsObject(j))
		goto cleanup;
	if (!fa2_json_num(j, "Version", &version) || version != 1) {
		FA2_LOGE("aws", "credential_process: output lacks \"Version\": 1");
		goto cleanup;
	}
	if (!fa2_json_str(j, "AccessKeyId") || !fa2_json_str(j, "SecretAccessKey")) {
		FA2_LOGE("aws", "credential_process: output lacks AccessKeyId or SecretAccessKey");
		goto cleanup;
	}
	if (parse_expiration(fa2_json_str(j, "Expiration"), &exp)) {
		FA2_LOGE("aws", "credential_process: Expiration is not an RFC 3339 time");
		goto cleanup;
	}
	e = fa2_aws_creds_set(out, fa2_slice_cstr(fa2_json_str(j, "AccessKeyId")),
	                      fa2_slice_cstr(fa2_json_str(j, "SecretAccessKey")),
	                      fa2_slice_cstr(fa2_json_str(j, "SessionToken")), exp, "process");
cleanup:
	cJSON_Delete(j);
	return e;
}

fa2_err fa2_aws_creds_parse_json_doc(fa2_slice json, fa2_aws_creds *out, const char *source)
{
	cJSON *j = fa2_json_parse(json, NULL);
	const char *code;
	int64_t exp;
	fa2_err e = FA2_ERR_PARSE;
	if (!j || !cJSON_IsObject(j))
		goto cleanup;
	code = fa2_json_str(j, "Code");
	if (code && strcmp(code, "Success") != 0) {
		FA2_LOGE("aws", "%s: credentials document says Code=%s", source, code);
		e = FA2_ERR_AUTH;
		goto cleanup;
	}
	if (!fa2_json_str(j, "AccessKeyId") || !fa2_json_str(j, "SecretAccessKey"))
		goto cleanup;
	if (parse_expiration(fa2_json_str(j, "Expiration"), &exp))
		goto cleanup;
	e = fa2_aws_creds_set(out, fa2_slice_cstr(fa2_json_str(j, "AccessKeyId")),
	                      fa2_slice_cstr(fa2_json_str(j, "SecretAccessKey")),
	                      fa2_slice_cstr(fa2_json_str(j, "Token")), exp, source);
cleanup:
	cJSON_Delete(j);
	return e;
}

fa2_err fa2_aws_creds_parse_sts_xml(fa2_slice xml, fa2_aws_creds *out, const char *source)
{
	fa2_slice c, akid, secret, token = FA2_SLICE_EMPTY, exp_s = FA2_SLICE_EMPTY;
	char exp_buf[64];
	int64_t exp = 0;
	if (!fa2_aws_xml_elem(xml, "Credentials", &c) || !fa2_aws_xml_elem(c, "AccessKeyId", &akid) ||
	    !fa2_aws_xml_elem(c, "SecretAccessKey", &secret))
		return FA2_ERR_PARSE;
	fa2_aws_xml_elem(c, "SessionToken", &token);
	if (fa2_aws_xml_elem(c, "Expiration", &exp_s) && exp_s.len) {
		if (exp_s.len >= sizeof exp_buf)
			return FA2_ERR_PARSE;
		memcpy(exp_buf, exp_s.ptr, exp_s.len);
		exp_buf[exp_s.len] = '\0';
		if (parse_expiration(exp_buf, &exp))
			return FA2_ERR_PARSE;
	}
	return fa2_aws_creds_set(out, akid, secret, token, exp, source);
}

/* ---- environment ---- */

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

fa2_err fa2_aws_creds_from_env(fa2_aws_creds *out)
{
	const char *akid = env_nonempty("AWS_ACCESS_KEY_ID");
	const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
	int64_t exp = 0;
	if (!akid && !secret)
		return FA2_ERR_NOT_FOUND;
	if (!akid || !secret) {
		FA2_LOGE("aws", "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
		return FA2_ERR_CONFIG;
	}
	if (parse_expiration(env_nonempty("AWS_CREDENTIAL_EXPIRATION"), &exp)) {
		FA2_LOGE("aws", "AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time");
		return FA2_ERR_CONFIG;
	}
	return fa2_aws_creds_set(out, fa2_slice_cstr(akid), fa2_slice_cstr(secret),
	                         fa2_slice_cstr(env_nonempty("AWS_SESSION_TOKEN")), exp, "environment");
}

/* ---- credential_process ---- */

fa2_err fa2_aws_creds_from_process(const char *command, int64_t deadline_ms, fa2_aws_creds *out)
{
	int pfd[2] = { -1, -1 };
	pid_t pid = -1;
	fa2_buf buf;
	int status = 0;
	fa2_err e = FA2_OK;

	fa2_buf_init(&buf, FA2_AWS_MAX_PROCESS_BYTES);
	if (pipe(pfd) != 0) {
		e = FA2_ERR_IO;
		goto cleanup;
	}
	pid = fork();
	if (pid < 0) {
		e = FA2_ERR_IO;
		goto cleanup;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	for (;;) {
		struct pollfd p;
		char chunk[4096];
		int64_t left = deadline_ms - fa2_time_mono_ms();
		ssize_t r;
		if (left <= 0) {
			FA2_LOGE("aws", "credential_process: no answer before the deadline; killed");
			e = FA2_ERR_TIMEOUT;
			break;
		}
		p.fd = pfd[0];
		p.events = POLLIN;
		{
			int pr = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
			if (pr < 0 && errno != EINTR) {
				e = FA2_ERR_IO;
				break;
			}
			if (pr <= 0)
				continue;  /* the deadline check above decides */
		}
		r = read(pfd[0], chunk, sizeof chunk);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			e = FA2_ERR_IO;
			break;
		}
		e = fa2_buf_append(&buf, chunk, (size_t)r);
		fa2_wipe(chunk, sizeof chunk);
		if (e) {
			FA2_LOGE("aws", "credential_process: output over %u bytes", FA2_AWS_MAX_PROCESS_BYTES);
			break;
		}
	}
	if (e)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (!e && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		FA2_LOGE("aws", "credential_process: command failed (exit status %d)",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		e = FA2_ERR_AUTH;
	}
	if (!e)
		e = fa2_aws_creds_parse_process(fa2_buf_slice(&buf), out);
cleanup:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	fa2_buf_wipe(&buf);
	fa2_buf_cleanup(&buf);
	return e;
}

/* ---- HTTP helpers for container and IMDS ---- */

static fa2_err http_get(const fa2_aws_chain *ch, const char *method, const char *url,
                        const fa2_sigv4_header *hdr, size_t n_hdr, int64_t deadline_ms,
                        fa2_aws_http_response *resp)
{
	fa2_aws_url u;
	fa2_aws_http_request req;
	fa2_slice target;
	const char *p;
	fa2_err e;
	if (!ch->http)
		return FA2_ERR_UNSUPPORTED;
	/* Split scheme://authority from the target. */
	p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	target = p ? fa2_slice_cstr(p) : FA2_SLICE_LIT("/");
	e = fa2_aws_url_parse(fa2_slice_make(url, p ? (size_t)(p - url) : strlen(url)), &u);
	if (e)
		return e;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = &u;
	req.target = target;
	req.headers = hdr;
	req.n_headers = n_hdr;
	req.deadline_ms = deadline_ms;
	fa2_aws_http_response_reset(resp);
	return ch->http(ch->http_ctx, &req, resp);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int allowed_full_uri(const fa2_aws_url *u)
{
	if (u->https)
		return 1;
	return strncmp(u->host, "127.", 4) == 0 || strcmp(u->host, "::1") == 0 ||
	       strcmp(u->host, "localhost") == 0 || strcmp(u->host, "169.254.170.2") == 0 ||
	       strcmp(u->host, "169.254.170.23") == 0 || strcmp(u->host, "fd00:ec2::23") == 0;
}

fa2_err fa2_aws_creds_from_container(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	const char *rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tok_file = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char url[2048];
	fa2_buf token;
	fa2_sigv4_header h[1];
	size_t nh = 0;
	fa2_aws_http_response resp;
	fa2_err e;

	if (!rel && !full)
		return FA2_ERR_NOT_FOUND;
	if (rel) {
		snprintf(url, sizeof url, "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
	} else {
		fa2_aws_url u;
		const char *p = strstr(full, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		if (fa2_aws_url_parse(fa2_slice_make(full, p ? (size_t)(p - full) : strlen(full)), &u) ||
		    !allowed_full_uri(&u)) {
			FA2_LOGE("aws", "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/ECS/EKS address");
			return FA2_ERR_CONFIG;
		}
		snprintf(url, sizeof url, "%s", full);
	}
	fa2_buf_init(&token, FA2_AWS_MAX_TOKEN_BYTES);
	fa2_aws_http_response_init(&resp);
	if (tok_file) {
		e = fa2_file_read_all(tok_file, &token);
		if (e) {
			FA2_LOGE("aws", "%s: cannot read the container authorization token", tok_file);
			goto cleanup;
		}
	} else if (tok) {
		e = fa2_buf_append_cstr(&token, tok);
		if (e)
			goto cleanup;
	}
	if (token.len) {
		fa2_slice t = fa2_slice_trim(fa2_buf_slice(&token));
		if (fa2_slice_find_char(t, '\r') >= 0 || fa2_slice_find_char(t, '\n') >= 0) {
			e = FA2_ERR_CONFIG;
			goto cleanup;
		}
		(void)fa2_log_add_secret(t);
		h[0].name = FA2_SLICE_LIT("Authorization");
		h[0].value = t;
		nh = 1;
	}
	e = http_get(ch, "GET", url, h, nh, min64(ch->deadline_ms, fa2_time_mono_ms() + 5000), &resp);
	if (e)
		goto cleanup;
	if (resp.status != 200) {
		FA2_LOGE("aws", "container credentials: HTTP %d", resp.status);
		e = FA2_ERR_AUTH;
		goto cleanup;
	}
	e = fa2_aws_creds_parse_json_doc(fa2_buf_slice(&resp.body), out, "container");
cleanup:
	fa2_aws_http_response_cleanup(&resp);
	fa2_buf_wipe(&token);
	fa2_buf_cleanup(&token);
	return e;
}

static const char *imds_base(void)
{
	const char *v = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	return v ? v : "http://169.254.169.254";
}

static fa2_err imds_token(const fa2_aws_chain *ch, int64_t deadline, fa2_buf *tok)
{
	char url[1024];
	fa2_sigv4_header h[1] = { { FA2_SLICE_LIT("X-aws-ec2-metadata-token-ttl-seconds"),
	                            FA2_SLICE_LIT("21600") } };
	fa2_aws_http_response resp;
	fa2_err e;
	fa2_aws_http_response_init(&resp);
	snprintf(url, sizeof url, "%.900s/latest/api/token", imds_base());
	e = http_get(ch, "PUT", url, h, 1, deadline, &resp);
	if (!e && resp.status != 200) {
		/* IMDSv1 is never used: no token, no credentials. */
		FA2_LOGW("aws", "IMDS: token request answered HTTP %d (IMDSv2 required)", resp.status);
		e = FA2_ERR_AUTH;
	}
	if (!e)
		e = fa2_buf_append_slice(tok, fa2_slice_trim(fa2_buf_slice(&resp.body)));
	if (!e)
		(void)fa2_log_add_secret(fa2_buf_slice(tok));
	fa2_aws_http_response_cleanup(&resp);
	return e;
}

static fa2_err imds_get(const fa2_aws_chain *ch, const fa2_buf *tok, const char *path,
                        int64_t deadline, fa2_aws_http_response *resp)
{
	char url[2048];
	fa2_sigv4_header h[1];
	fa2_err e;
	h[0].name = FA2_SLICE_LIT("X-aws-ec2-metadata-token");
	h[0].value = fa2_buf_slice(tok);
	snprintf(url, sizeof url, "%.900s%s", imds_base(), path);
	e = http_get(ch, "GET", url, h, 1, deadline, resp);
	if (!e && resp->status != 200) {
		FA2_LOGW("aws", "IMDS: GET %s answered HTTP %d", path, resp->status);
		e = resp->status == 404 ? FA2_ERR_NOT_FOUND : FA2_ERR_AUTH;
	}
	return e;
}

static int imds_disabled(void)
{
	const char *v = env_nonempty("AWS_EC2_METADATA_DISABLED");
	return v && fa2_aws_truthy(fa2_slice_cstr(v));
}

fa2_err fa2_aws_creds_from_imds(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	fa2_buf tok;
	fa2_aws_http_response resp;
	char path[1024];
	int64_t deadline = min64(ch->deadline_ms, fa2_time_mono_ms() + 3000);
	fa2_slice role;
	fa2_err e;

	if (imds_disabled())
		return FA2_ERR_NOT_FOUND;
	fa2_buf_init(&tok, 4096);
	fa2_aws_http_response_init(&resp);
	e = imds_token(ch, deadline, &tok);
	if (e)
		goto cleanup;
	e = imds_get(ch, &tok, "/latest/meta-data/iam/security-credentials/", deadline, &resp);
	if (e)
		goto cleanup;
	role = fa2_slice_trim(fa2_buf_slice(&resp.body));
	{
		fa2_slice first, rest;
		if (fa2_slice_split(role, '\n', &first, &rest))
			role = fa2_slice_trim(first);
	}
	if (role.len == 0 || role.len > 200 || fa2_slice_find_char(role, '/') >= 0) {
		FA2_LOGW("aws", "IMDS: no IAM role attached to this instance");
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	snprintf(path, sizeof path, "/latest/meta-data/iam/security-credentials/%.*s", FA2_SLICE_FMT(role));
	e = imds_get(ch, &tok, path, deadline, &resp);
	if (!e)
		e = fa2_aws_creds_parse_json_doc(fa2_buf_slice(&resp.body), out, "imds");
cleanup:
	fa2_aws_http_response_cleanup(&resp);
	fa2_buf_wipe(&tok);
	fa2_buf_cleanup(&tok);
	return e;
}

fa2_err fa2_aws_imds_region(const fa2_aws_chain *ch, char *out, size_t cap)
{
	fa2_buf tok;
	fa2_aws_http_response resp;
	int64_t deadline = min64(ch->deadline_ms, fa2_time_mono_ms() + 3000);
	fa2_slice r;
	fa2_err e;
	if (imds_disabled())
		return FA2_ERR_NOT_FOUND;
	fa2_buf_init(&tok, 4096);
	fa2_aws_http_response_init(&resp);
	e = imds_token(ch, deadline, &tok);
	if (!e)
		e = imds_get(ch, &tok, "/latest/meta-data/placement/region", deadline, &resp);
	if (!e) {
		r = fa2_slice_trim(fa2_buf_slice(&resp.body));
		if (r.len == 0 || r.len >= cap)
			e = FA2_ERR_PARSE;
		else {
			memcpy(out, r.ptr, r.len);
			out[r.len] = '\0';
		}
	}
	fa2_aws_http_response_cleanup(&resp);
	fa2_buf_cleanup(&tok);
	return e;
}

/* ---- profiles ---- */

static int prof_get(const fa2_aws_config *c, const char *profile, const char *key, fa2_slice *v)
{
	return fa2_aws_config_get(c, profile, key, v) && fa2_slice_trim(*v).len > 0;
}

static fa2_err slice_cstr(fa2_slice s, char *out, size_t cap)
{
	s = fa2_slice_trim(s);
	if (s.len >= cap)
		return FA2_ERR_TOO_LARGE;
	memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
	return FA2_OK;
}

static fa2_err static_keys(const fa2_aws_config *c, const char *profile, fa2_aws_creds *out)
{
	fa2_slice akid, secret, token = FA2_SLICE_EMPTY;
	char src[FA2_AWS_MAX_NAME + 16];
	snprintf(src, sizeof src, "profile %s", profile);
	if (fa2_aws_credentials_get(c, profile, "aws_access_key_id", &akid) &&
	    fa2_aws_credentials_get(c, profile, "aws_secret_access_key", &secret)) {
		fa2_aws_credentials_get(c, profile, "aws_session_token", &token);
		return fa2_aws_creds_set(out, akid, secret, token, 0, src);
	}
	if (fa2_aws_config_get(c, profile, "aws_access_key_id", &akid) &&
	    fa2_aws_config_get(c, profile, "aws_secret_access_key", &secret)) {
		fa2_aws_config_get(c, profile, "aws_session_token", &token);
		return fa2_aws_creds_set(out, akid, secret, token, 0, src);
	}
	return FA2_ERR_NOT_FOUND;
}

static fa2_err profile_chain(const fa2_aws_chain *ch, const char *profile, unsigned depth,
                             fa2_aws_creds *out);

static fa2_err role_from_profile(const fa2_aws_chain *ch, const char *profile, unsigned depth,
                                 fa2_slice role_arn, fa2_aws_creds *out)
{
	const fa2_aws_config *c = ch->cfg;
	char arn[2048], session[128], ext_id[1300], src_name[FA2_AWS_MAX_NAME], tokfile[2048];
	fa2_slice v;
	fa2_aws_creds source;
	long long duration = 0;
	fa2_err e;

	fa2_aws_creds_init(&source);
	if ((e = slice_cstr(role_arn, arn, sizeof arn)) != FA2_OK)
		return e;
	if (prof_get(c, profile, "role_session_name", &v))
		e = slice_cstr(v, session, sizeof session);
	else
		snprintf(session, sizeof session, "fa2-%lld", (long long)(fa2_time_now_ms() / 1000));
	if (e)
		return e;
	ext_id[0] = '\0';
	if (prof_get(c, profile, "external_id", &v) && (e = slice_cstr(v, ext_id, sizeof ext_id)))
		return e;
	if (prof_get(c, profile, "duration_seconds", &v) &&
	    fa2_parse_int_range(fa2_slice_trim(v), 900, 43200, &duration)) {
		FA2_LOGE("aws", "profile %s: duration_seconds must be 900..43200", profile);
		return FA2_ERR_CONFIG;
	}
	if (prof_get(c, profile, "web_identity_token_file", &v)) {
		if ((e = slice_cstr(v, tokfile, sizeof tokfile)))
			return e;
		return fa2_aws_sts_assume_role_web_identity(ch, arn, session, tokfile, out);
	}
	if (prof_get(c, profile, "source_profile", &v)) {
		if ((e = slice_cstr(v, src_name, sizeof src_name)))
			return e;
		if (strcmp(src_name, profile) == 0)
			e = static_keys(c, src_name, &source);  /* a profile may source itself */
		else
			e = profile_chain(ch, src_name, depth + 1, &source);
		if (e == FA2_ERR_NOT_FOUND)
			FA2_LOGE("aws", "profile %s: source_profile %s has no credentials", profile, src_name);
	} else if (prof_get(c, profile, "credential_source", &v)) {
		v = fa2_slice_trim(v);
		if (fa2_slice_eq_cstr(v, "Environment"))
			e = fa2_aws_creds_from_env(&source);
		else if (fa2_slice_eq_cstr(v, "Ec2InstanceMetadata"))
			e = fa2_aws_creds_from_imds(ch, &source);
		else if (fa2_slice_eq_cstr(v, "EcsContainer"))
			e = fa2_aws_creds_from_container(ch, &source);
		else {
			FA2_LOGE("aws", "profile %s: unknown credential_source %.*s", profile, FA2_SLICE_FMT(v));
			e = FA2_ERR_CONFIG;
		}
	} else {
		FA2_LOGE("aws", "profile %s: role_arn needs source_profile, credential_source or web_identity_token_file", profile);
		return FA2_ERR_CONFIG;
	}
	if (e) {
		if (e == FA2_ERR_NOT_FOUND)
			e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	e = fa2_aws_sts_assume_role(ch, &source, arn, session, ext_id[0] ? ext_id : NULL,
	                            (int)duration, out);
cleanup:
	fa2_aws_creds_cleanup(&source);
	return e;
}

static fa2_err profile_chain(const fa2_aws_chain *ch, const char *profile, unsigned depth,
                             fa2_aws_creds *out)
{
	const fa2_aws_config *c = ch->cfg;
	fa2_slice v;
	fa2_err e;
	if (depth > FA2_AWS_ROLE_CHAIN_MAX) {
		FA2_LOGE("aws", "profile %s: source_profile chain longer than %u (a loop?)", profile,
		         FA2_AWS_ROLE_CHAIN_MAX);
		return FA2_ERR_CONFIG;
	}
	if (prof_get(c, profile, "role_arn", &v) ||
	    (fa2_aws_credentials_get(c, profile, "role_arn", &v) && fa2_slice_trim(v).len))
		return role_from_profile(ch, profile, depth, v, out);
	e = static_keys(c, profile, out);
	if (e != FA2_ERR_NOT_FOUND)
		return e;
	if (prof_get(c, profile, "credential_process", &v) ||
	    (fa2_aws_credentials_get(c, profile, "credential_process", &v) && fa2_slice_trim(v).len)) {
		char *cmd = fa2_strndup(fa2_slice_trim(v).ptr, fa2_slice_trim(v).len);
		if (!cmd)
			return FA2_ERR_NOMEM;
		e = fa2_aws_creds_from_process(cmd, min64(ch->deadline_ms, fa2_time_mono_ms() + 60000), out);
		fa2_free(cmd);
		return e;
	}
	return FA2_ERR_NOT_FOUND;
}

fa2_err fa2_aws_creds_from_profile(const fa2_aws_chain *ch, const char *profile,
                                   fa2_aws_creds *out)
{
	return profile_chain(ch, profile ? profile : ch->cfg->profile, 0, out);
}

fa2_err fa2_aws_creds_resolve(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	const char *wif = env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = env_nonempty("AWS_ROLE_ARN");
	fa2_err e = fa2_aws_creds_from_env(out);
	if (e != FA2_ERR_NOT_FOUND)
		return e;
	if (wif && role) {
		char session[128];
		const char *sn = env_nonempty("AWS_ROLE_SESSION_NAME");
		snprintf(session, sizeof session, "%s", sn ? sn : "fa2-web-identity");
		return fa2_aws_sts_assume_role_web_identity(ch, role, session, wif, out);
	}
	e = fa2_aws_creds_from_profile(ch, NULL, out);
	if (e != FA2_ERR_NOT_FOUND)
		return e;
	if (strcmp(ch->cfg->profile, "default") != 0 && !fa2_aws_profile_exists(ch->cfg, ch->cfg->profile)) {
		FA2_LOGE("aws", "profile %s not found in the AWS config or credentials file", ch->cfg->profile);
		return FA2_ERR_CONFIG;
	}
	e = fa2_aws_creds_from_container(ch, out);
	if (e != FA2_ERR_NOT_FOUND)
		return e;
	e = fa2_aws_creds_from_imds(ch, out);
	if (e && e != FA2_ERR_NOT_FOUND)
		FA2_LOGD("aws", "IMDS credentials: %s", fa2_err_str(e));
	return e ? FA2_ERR_NOT_FOUND : FA2_OK;
}

/* ---- cache ---- */

fa2_err fa2_aws_creds_provider_init(fa2_aws_creds_provider *p, const fa2_aws_chain *chain,
                                    int64_t timeout_ms)
{
	memset(p, 0, sizeof *p);
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		return FA2_ERR_INTERNAL;
	fa2_aws_creds_init(&p->cached);
	p->chain = *chain;
	p->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	p->resolve = fa2_aws_creds_resolve;
	return FA2_OK;
}

void fa2_aws_creds_provider_cleanup(fa2_aws_creds_provider *p)
{
	fa2_aws_creds_cleanup(&p->cached);
	pthread_mutex_destroy(&p->lock);
}

void fa2_aws_creds_provider_invalidate(fa2_aws_creds_provider *p)
{
	pthread_mutex_lock(&p->lock);
	fa2_aws_creds_cleanup(&p->cached);
	p->have = 0;
	pthread_mutex_unlock(&p->lock);
}

fa2_err fa2_aws_creds_provider_get(fa2_aws_creds_provider *p, fa2_aws_creds *out)
{
	fa2_err e = FA2_OK;
	int state;
	/* One refresh at a time: callers queue on the lock and find fresh credentials. */
	pthread_mutex_lock(&p->lock);
	state = p->have ? fa2_aws_creds_refresh_state(&p->cached, fa2_time_now_ms()) : 2;
	if (!p->have || state > 0) {
		fa2_aws_creds fresh;
		fa2_aws_chain ch = p->chain;
		fa2_aws_creds_init(&fresh);
		ch.deadline_ms = fa2_time_mono_ms() + p->timeout_ms;
		e = p->resolve(&ch, &fresh);
		p->refreshes++;
		if (!e) {
			fa2_aws_creds_cleanup(&p->cached);
			p->cached = fresh;
			p->have = 1;
		} else {
			fa2_aws_creds_cleanup(&fresh);
			if (p->have && state == 1) {
				FA2_LOGW("aws", "credential refresh failed (%s); using the current ones until %s",
				         fa2_err_str(e), "the mandatory window");
				e = FA2_OK;
			}
		}
	}
	if (!e)
		e = fa2_aws_creds_copy(out, &p->cached);
	pthread_mutex_unlock(&p->lock);
	return e;
}
