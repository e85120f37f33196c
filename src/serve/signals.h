/* Process signals of `fa2 serve`, owned by the daemon (not by the HTTP server, so that
 * Socket Mode alone needs no listener): SIGTERM and SIGINT ask for a graceful stop,
 * SIGHUP for a reload, SIGPIPE is ignored. The handlers only write one byte to a
 * self-pipe (async-signal-safe); the daemon's main thread waits on it with
 * fa2_serve_signals_wait and acts outside signal context. One set per process. */
#ifndef FA2_SERVE_SIGNALS_H
#define FA2_SERVE_SIGNALS_H

#include <stdint.h>

#include "base/err.h"

typedef enum fa2_serve_sig {
	FA2_SERVE_SIG_NONE = 0,   /* timeout */
	FA2_SERVE_SIG_STOP,       /* SIGTERM, SIGINT, or fa2_serve_signals_stop() */
	FA2_SERVE_SIG_RELOAD      /* SIGHUP */
} fa2_serve_sig;

/* Creates the self-pipe and installs the handlers. FA2_ERR_INTERNAL when it cannot. */
fa2_err fa2_serve_signals_install(void);
/* Back to the default actions; closes the pipe. Safe when not installed. */
void fa2_serve_signals_restore(void);
/* Waits up to timeout_ms (< 0: without limit) for the next signal. Stop wins over a
 * reload pending at the same time. */
fa2_serve_sig fa2_serve_signals_wait(int64_t timeout_ms);
/* Asks the waiter to stop, as SIGTERM would (thread-safe, async-signal-safe): for a
 * component that ends on its own (the HTTP server failing). */
void fa2_serve_signals_stop(void);

#endif
