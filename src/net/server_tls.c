/* TLS transport for the server: placeholder until net/tls.h lands (see server_tls.h). */
#include <errno.h>

#include "base/log.h"
#include "net/server_tls.h"

fa2_err fa2_server_tls_ctx_load(const char *cert_file, const char *key_file,
                                struct fa2_tls_server_ctx **out)
{
	(void)cert_file;
	(void)key_file;
	*out = NULL;
	FA2_LOGE("tls", "TLS is not available in this build yet");
	return FA2_ERR_UNSUPPORTED;
}

void fa2_server_tls_ctx_free(struct fa2_tls_server_ctx *ctx) { (void)ctx; }

fa2_err fa2_server_tls_conn_new(struct fa2_tls_server_ctx *ctx, int fd, fa2_server_tls_conn **out)
{
	(void)ctx;
	(void)fd;
	*out = NULL;
	return FA2_ERR_UNSUPPORTED;
}

void fa2_server_tls_conn_free(fa2_server_tls_conn *t) { (void)t; }
short fa2_server_tls_events(fa2_server_tls_conn *t, short want) { (void)t; return want; }
int fa2_server_tls_io(fa2_server_tls_conn *t, short revents) { (void)t; (void)revents; return 0; }
long fa2_server_tls_recv(fa2_server_tls_conn *t, char *p, size_t n)
{
	(void)t; (void)p; (void)n;
	errno = EIO;
	return -1;
}
long fa2_server_tls_send(fa2_server_tls_conn *t, const char *p, size_t n)
{
	(void)t; (void)p; (void)n;
	errno = EIO;
	return -1;
}
int fa2_server_tls_flush(fa2_server_tls_conn *t) { (void)t; return 0; }
int fa2_server_tls_pending(const fa2_server_tls_conn *t) { (void)t; return 0; }
void fa2_server_tls_close(fa2_server_tls_conn *t) { (void)t; }
