/* Process-wide AWS context (see shared.h): one fa2_aws_session behind a lock. */
#include "aws/shared.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "aws/session.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_ready;
static unsigned g_holds;  /* users between hold and release */
static fa2_aws_session g_sess;

fa2_err fa2_aws_shared_get(const char *region, fa2_aws_client **out, char *msg, size_t msg_cap)
{
	fa2_err e = FA2_OK;

	*out = NULL;
	pthread_mutex_lock(&g_lock);
	if (!g_ready) {
		if (region && strlen(region) >= sizeof g_sess.region) {
			snprintf(msg, msg_cap, "the region name is too long");
			e = FA2_ERR_CONFIG;
			goto done;
		}
		e = fa2_aws_session_open(&g_sess, NULL, region, 30000, msg, msg_cap);
		if (e) {
			fa2_aws_session_close(&g_sess);
			goto done;
		}
		g_ready = 1;
	}
	*out = &g_sess.client;
done:
	pthread_mutex_unlock(&g_lock);
	return e;
}

void fa2_aws_shared_hold(void)
{
	pthread_mutex_lock(&g_lock);
	g_holds++;
	pthread_mutex_unlock(&g_lock);
}

void fa2_aws_shared_release(void)
{
	pthread_mutex_lock(&g_lock);
	if (g_holds)
		g_holds--;
	if (g_ready && g_holds == 0) {
		fa2_aws_session_close(&g_sess);
		g_ready = 0;
	}
	pthread_mutex_unlock(&g_lock);
}
