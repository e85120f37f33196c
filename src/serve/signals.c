/* Process signals through a self-pipe: see signals.h. */
#include "serve/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"

static int g_pipe[2] = { -1, -1 };
static volatile sig_atomic_t g_stop, g_reload;

static void wake(char b)
{
	int saved = errno;
	if (g_pipe[1] >= 0 && write(g_pipe[1], &b, 1) < 0) {
		/* pipe full: the waiter is already being woken */
	}
	errno = saved;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		g_reload = 1;
		wake('h');
	} else {
		g_stop = 1;
		wake('s');
	}
}

void fa2_serve_signals_stop(void)
{
	g_stop = 1;
	wake('s');
}

fa2_err fa2_serve_signals_install(void)
{
	struct sigaction sa;
	int i;
	if (g_pipe[0] < 0) {
		if (pipe(g_pipe) != 0)
			return FA2_ERR_INTERNAL;
		for (i = 0; i < 2; i++) {
			(void)fcntl(g_pipe[i], F_SETFL, fcntl(g_pipe[i], F_GETFL) | O_NONBLOCK);
			(void)fcntl(g_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	g_stop = g_reload = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return FA2_ERR_INTERNAL;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return FA2_ERR_INTERNAL;
	return FA2_OK;
}

void fa2_serve_signals_restore(void)
{
	int i;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	for (i = 0; i < 2; i++) {
		if (g_pipe[i] >= 0)
			close(g_pipe[i]);
		g_pipe[i] = -1;
	}
}

fa2_serve_sig fa2_serve_signals_wait(int64_t timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? fa2_time_mono_ms() + timeout_ms : 0;
	for (;;) {
		struct pollfd p;
		char buf[64];
		int64_t left;
		int t;
		if (g_stop)
			return FA2_SERVE_SIG_STOP;
		if (g_reload) {
			g_reload = 0;
			return FA2_SERVE_SIG_RELOAD;
		}
		if (g_pipe[0] < 0)
			return FA2_SERVE_SIG_NONE;
		left = timeout_ms >= 0 ? deadline - fa2_time_mono_ms() : -1;
		if (timeout_ms >= 0 && left <= 0)
			return FA2_SERVE_SIG_NONE;
		t = left < 0 || left > 60000 ? 60000 : (int)left;
		p.fd = g_pipe[0];
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, t) > 0)
			while (read(g_pipe[0], buf, sizeof buf) > 0) {
			}
	}
}
