/* Unit tests for the session store: journal, torn-tail repair, resume without repeating
 * tool calls (also after kill -9 of a real process), locks, retention. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/session.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "agent_fake.h"
#include "test.h"

#define FROM 1795593600000LL
#define TO   (FROM + 30 * 60000LL)

static const fa2_agent_incident incident = { "RDS CPU alarm", FROM, TO, NULL };

FA2_TEST(session_create_append_read)
{
	fa2_session s;
	char msg[256], id[80];
	cJSON *rec, *recs, *sum;
	size_t valid;
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	CHECK(fa2_session_id_valid(s.id));
	snprintf(id, sizeof id, "%s", s.id);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "start");
	CHECK_OK(fa2_session_append(&s, rec));
	CHECK_OK(fa2_session_append(&s, rec)); /* seq and t replaced, not duplicated */
	cJSON_Delete(rec);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "status", "running");
	CHECK_OK(fa2_session_update_summary(&s, rec));
	cJSON_Delete(rec);
	CHECK_OK(fa2_session_read_journal(s.dir, &recs, &valid));
	CHECK_INT_EQ(cJSON_GetArraySize(recs), 2);
	CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(recs, 1), "seq")->valuedouble == 1);
	cJSON_Delete(recs);
	CHECK_OK(fa2_session_read_summary(s.dir, &sum));
	CHECK_STR_EQ(fa2_json_str(sum, "id"), id);
	CHECK_STR_EQ(fa2_json_str(sum, "status"), "running");
	cJSON_Delete(sum);
	fa2_session_close(&s);
	CHECK(!fa2_session_id_valid("../etc"));
	CHECK(!fa2_session_id_valid(""));
	CHECK_INT_EQ(fa2_session_open(&s, fa2_test_tmpdir(), "../x", msg, sizeof msg), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_session_open(&s, fa2_test_tmpdir(), "nope", msg, sizeof msg), FA2_ERR_NOT_FOUND);
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	CHECK_INT_EQ(s.seq, 2);
	fa2_session_close(&s);
}

FA2_TEST(session_lock_contention)
{
	fa2_session s, s2;
	char msg[256];
	pid_t pid;
	int status;
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	/* Another process cannot drive it. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fa2_session c;
		fa2_err e = fa2_session_open(&c, fa2_test_tmpdir(), s.id, msg, sizeof msg);
		_exit(e == FA2_ERR_LOCKED && strstr(msg, "another process") ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Nor another open in this process. */
	CHECK_INT_EQ(fa2_session_open(&s2, fa2_test_tmpdir(), s.id, msg, sizeof msg), FA2_ERR_LOCKED);
	fa2_session_close(&s);
	CHECK_OK(fa2_session_open(&s2, fa2_test_tmpdir(), s.id, msg, sizeof msg));
	fa2_session_close(&s2);
}

/* Byte offset of the start of the journal line containing needle (after `after`), -1. */
static long line_offset(const char *dir, const char *needle, long after)
{
	char path[4200];
	fa2_buf b;
	long off = -1;
	const char *p;
	snprintf(path, sizeof path, "%s/journal.jsonl", dir);
	fa2_buf_init(&b, FA2_MAX_JOURNAL_BYTES);
	if (fa2_file_read_all(path, &b) == FA2_OK && (size_t)after < b.len) {
		p = strstr(b.data + after, needle);
		if (p) {
			while (p > b.data && p[-1] != '\n')
				p--;
			off = (long)(p - b.data);
		}
	}
	fa2_buf_cleanup(&b);
	return off;
}

static int truncate_journal(const char *dir, long off)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/journal.jsonl", dir);
	return truncate(path, off);
}

FA2_TEST(session_resume_after_torn_journal)
{
	static const char *const ids[] = { "tu_1", "tu_2" }, *const names[] = { "echo_tool", "echo_tool" };
	static const char *const inputs[] = { "{\"n\":1}", "{\"n\":2}" };
	fake_env e;
	fa2_session s;
	fa2_agent_result res;
	char msg[256], id[80];
	char *t0 = fake_tool_turn(ids, names, inputs, 2), *t1 = fake_text_turn(REPORT_JSON);
	long off, off2;
	struct stat st;
	cJSON *sum;

	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.ac.parallelism = 1;
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.n = 2;
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	snprintf(id, sizeof id, "%s", s.id);
	e.ac.session = &s;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK_INT_EQ(fake_echo_runs, 2);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);

	/* Crash simulation 1: the process died while writing the tool-results message
	 * (both tool records are in the journal): cut that line in the middle. */
	off = line_offset(s.dir, "\"role\":\"user\",\"blocks\":[{\"kind\":\"tool_result\"", 0);
	CHECK(off > 0);
	CHECK(truncate_journal(s.dir, off + 40) == 0);
	fake_tools_reset();
	fake_model_cleanup(&e.model);
	fake_model_init(&e.model);
	e.model.bodies[0] = t1;
	e.model.n = 1;
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	CHECK(stat(s.dir, &st) == 0);
	e.ac.session = &s;
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_echo_runs, 0);    /* nothing ran again */
	CHECK_INT_EQ(res.tool_reused, 2);
	CHECK_INT_EQ(e.model.calls, 1);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK(strstr(e.model.last_request, "input {\\\"n\\\":2}") != NULL);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	CHECK_OK(fa2_session_read_summary(s.dir, &sum));
	CHECK_STR_EQ(fa2_json_str(sum, "status"), "done");
	cJSON_Delete(sum);

	/* Crash simulation 2: died while journaling the second tool's record. */
	off = line_offset(s.dir, "\"type\":\"tool\"", 0);
	CHECK(off > 0);
	off2 = line_offset(s.dir, "\"type\":\"tool\"", off + 10);
	CHECK(off2 > off);
	CHECK(truncate_journal(s.dir, off2 + 25) == 0);
	fake_tools_reset();
	fake_model_cleanup(&e.model);
	fake_model_init(&e.model);
	e.model.bodies[0] = t1;
	e.model.n = 1;
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	e.ac.session = &s;
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_echo_runs, 1);    /* only the unfinished one */
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	fa2_agent_result_cleanup(&res);

	/* A finished session resumes to its report without calling anything. */
	fa2_session_close(&s);
	fake_tools_reset();
	e.model.calls = 0;
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_INT_EQ(e.model.calls, 0);
	CHECK_INT_EQ(fake_echo_runs, 0);
	CHECK_STR_EQ(fa2_json_str(res.report, "summary"), "The database ran out of connections at 08:02.");
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}

FA2_TEST(session_resume_after_kill9)
{
	static const char *const ids[] = { "k1", "k2" }, *const names[] = { "echo_tool", "sleep_tool" };
	static const char *const inputs[] = { "{\"n\":7}", "{\"ms\":1500,\"tag\":\"slow\"}" };
	fake_env e;
	fa2_session s;
	fa2_agent_result res;
	char msg[256], id[80];
	char *t0 = fake_tool_turn(ids, names, inputs, 2), *t1 = fake_text_turn(REPORT_JSON);
	pid_t pid;
	int status, i;

	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.n = 2;
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	snprintf(id, sizeof id, "%s", s.id);
	fa2_session_close(&s); /* the child takes it */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fa2_session cs;
		if (fa2_session_open(&cs, fa2_test_tmpdir(), id, msg, sizeof msg))
			_exit(3);
		e.ac.session = &cs;
		(void)fa2_agent_run(&e.ac, &incident, &res);
		_exit(0);
	}
	/* Kill it once the fast tool is journaled and the slow one is still running. */
	for (i = 0; i < 500 && line_offset(s.dir, "\"type\":\"tool\",\"cycle\":1,\"id\":\"k1\"", 0) < 0; i++)
		usleep(10000);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
	CHECK_MSG(line_offset(s.dir, "\"type\":\"tool\",\"cycle\":1,\"id\":\"k1\"", 0) > 0, "the child never journaled the echo call");
	CHECK(line_offset(s.dir, "\"type\":\"tool\",\"cycle\":1,\"id\":\"k2\"", 0) < 0);

	/* The kernel released the lock with the process; resume here. */
	fake_tools_reset();
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	e.ac.session = &s;
	e.model.calls = 0;
	e.model.bodies[0] = t1;
	e.model.n = 1;
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_echo_runs, 0);
	CHECK_INT_EQ(fake_sleep_runs, 1);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK_INT_EQ(res.cycles, 1);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}

static int count_cb(void *ctx, const char *id, const cJSON *summary)
{
	(void)id;
	(void)summary;
	(*(int *)ctx)++;
	return 0;
}

FA2_TEST(session_retention)
{
	fa2_session a, b, c;
	char msg[256], path[4300];
	const char *old = "{\"id\":\"x\",\"updated\":1000,\"status\":\"done\"}";
	unsigned removed = 99;
	int n = 0;
	struct stat st;
	CHECK_OK(fa2_session_create(&a, fa2_test_tmpdir(), msg, sizeof msg));
	CHECK_OK(fa2_session_create(&b, fa2_test_tmpdir(), msg, sizeof msg));
	CHECK_OK(fa2_session_create(&c, fa2_test_tmpdir(), msg, sizeof msg));
	/* a and b are old; b is still held by a process; c is fresh. */
	snprintf(path, sizeof path, "%s/summary.json", a.dir);
	CHECK_OK(fa2_file_write_atomic(path, old, strlen(old), 0600));
	snprintf(path, sizeof path, "%s/summary.json", b.dir);
	CHECK_OK(fa2_file_write_atomic(path, old, strlen(old), 0600));
	CHECK_OK(fa2_session_update_summary(&c, NULL));
	fa2_session_close(&a);
	fa2_session_close(&c);
	CHECK_OK(fa2_session_remove_expired(fa2_test_tmpdir(), 30LL * 86400000LL, fa2_time_now_ms(), &removed));
	CHECK_INT_EQ(removed, 1);
	CHECK(stat(a.dir, &st) != 0);
	CHECK(stat(b.dir, &st) == 0);
	CHECK(stat(c.dir, &st) == 0);
	CHECK_OK(fa2_session_list(fa2_test_tmpdir(), count_cb, &n));
	CHECK_INT_EQ(n, 2);
	/* Retention 0 keeps everything. */
	fa2_session_close(&b);
	CHECK_OK(fa2_session_remove_expired(fa2_test_tmpdir(), 0, fa2_time_now_ms(), &removed));
	CHECK_INT_EQ(removed, 0);
}

FA2_TEST(session_resume_retries_partial)
{
	static const char *const ids[] = { "p1" }, *const names[] = { "echo_tool" }, *const inputs[] = { "{\"n\":1}" };
	fake_env e;
	fa2_session s;
	fa2_agent_result res;
	char msg[256], id[80];
	char *t0 = fake_tool_turn(ids, names, inputs, 1), *t1 = fake_text_turn(REPORT_JSON);
	cJSON *sum;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t0;
	e.model.statuses[1] = 429; /* throttled from the second call on */
	e.model.n = 2;
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	snprintf(id, sizeof id, "%s", s.id);
	e.ac.session = &s;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_INT_EQ(res.status, FA2_REPORT_PARTIAL);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	CHECK_OK(fa2_session_read_summary(s.dir, &sum));
	CHECK_STR_EQ(fa2_json_str(sum, "status"), "partial");
	cJSON_Delete(sum);
	/* The service is back: resume finishes the analysis without re-running the tool. */
	fake_tools_reset();
	fake_model_cleanup(&e.model);
	fake_model_init(&e.model);
	e.model.bodies[0] = t1;
	e.model.n = 1;
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_echo_runs, 0);
	CHECK_INT_EQ(e.model.calls, 1);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	CHECK_OK(fa2_session_read_summary(s.dir, &sum));
	CHECK_STR_EQ(fa2_json_str(sum, "status"), "done");
	cJSON_Delete(sum);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}

/* Every session file is redacted where it is written; mark_failed records the reason. */
FA2_TEST(session_files_redacted_and_marked_failed)
{
	static const char secret[] = "AKIAEXAMPLESECRET99";
	fa2_session s;
	char msg[256], path[PATH_MAX + 32];
	cJSON *rec, *sum;
	fa2_buf b;
	struct stat st;
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(fa2_slice_cstr(secret)));
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	snprintf(path, sizeof path, "%s/reserve", s.dir);
	CHECK_MSG(stat(path, &st) == 0 && st.st_size > 0, "no reserve while the session is held");
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "tool");
	cJSON_AddStringToObject(rec, "output", "403 body: The security token AKIAEXAMPLESECRET99 is invalid");
	CHECK_OK(fa2_session_append(&s, rec));
	CHECK_OK(fa2_session_update_summary(&s, rec));
	cJSON_Delete(rec);
	CHECK_OK(fa2_session_write_file(&s, "report.md", "key AKIAEXAMPLESECRET99.", 23));
	CHECK_OK(fa2_session_mark_failed(&s, "storage: cannot write journal.jsonl"));
	CHECK_MSG(stat(path, &st) != 0, "reserve not given back");
	{
		static const char *const files[] = { "journal.jsonl", "summary.json", "report.md" };
		size_t i;
		for (i = 0; i < 3; i++) {
			fa2_buf_init(&b, 1u << 20);
			snprintf(path, sizeof path, "%s/%s", s.dir, files[i]);
			CHECK_OK(fa2_file_read_all(path, &b));
			CHECK_MSG(strstr(b.data, "AKIAEXAMPLE") == NULL, "secret in %s", files[i]);
			CHECK_MSG(strstr(b.data, "[REDACTED]") != NULL, "nothing redacted in %s", files[i]);
			fa2_buf_cleanup(&b);
		}
	}
	CHECK_OK(fa2_session_read_summary(s.dir, &sum));
	CHECK_STR_EQ(fa2_json_str(sum, "status"), "failed");
	CHECK_STR_EQ(fa2_json_str(sum, "failure"), "storage: cannot write journal.jsonl");
	cJSON_Delete(sum);
	fa2_session_close(&s);
	fa2_log_clear_secrets();
}

/* The session mirror (fa2 serve's copy to DynamoDB) gets every write as written
 * (redacted), journal records with their number; a journal record it refuses fails the
 * append and is not written locally either, a refused summary or file only warns. */
struct mirror_log {
	unsigned journal, summary, files, leaked, bad;
	uint64_t last_seq;
	int refuse;
};

static fa2_err fake_mirror(void *ctx, const char *id, fa2_session_mirror_kind kind, const char *name, uint64_t seq,
                           const char *data, size_t len)
{
	struct mirror_log *m = ctx;
	(void)id;
	if (fa2_slice_find(fa2_slice_make(data, len), fa2_slice_cstr("AKIAMIRRORSECRET77")) >= 0)
		m->leaked++;
	if (kind == FA2_SESSION_MIRROR_JOURNAL) {
		m->journal++;
		m->last_seq = seq;
		m->bad += !(len > 0 && data[len - 1] == '\n');
	} else if (kind == FA2_SESSION_MIRROR_SUMMARY) {
		m->summary++;
		m->bad += strcmp(name, "summary.json") != 0;
	} else {
		m->files++;
		m->bad += strcmp(name, "report.md") != 0;
	}
	return m->refuse ? FA2_ERR_LOCKED : FA2_OK;
}

FA2_TEST(session_mirror_gets_every_write)
{
	struct mirror_log m;
	fa2_session s;
	char msg[256];
	cJSON *rec, *recs;
	size_t valid;
	memset(&m, 0, sizeof m);
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(fa2_slice_cstr("AKIAMIRRORSECRET77")));
	fa2_session_set_mirror(fake_mirror, &m);
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "tool");
	cJSON_AddStringToObject(rec, "output", "token AKIAMIRRORSECRET77");
	CHECK_OK(fa2_session_append(&s, rec));
	CHECK_OK(fa2_session_append(&s, rec));
	CHECK_OK(fa2_session_update_summary(&s, rec));
	CHECK_OK(fa2_session_write_file(&s, "report.md", "# r\n", 4));
	CHECK_INT_EQ(m.journal, 2);
	CHECK_INT_EQ(m.last_seq, 1);
	CHECK_INT_EQ(m.summary, 1);
	CHECK_INT_EQ(m.files, 1);
	CHECK_INT_EQ(m.leaked, 0);
	CHECK_INT_EQ(m.bad, 0);
	m.refuse = 1;
	CHECK_INT_EQ(fa2_session_append(&s, rec), FA2_ERR_LOCKED);
	CHECK_INT_EQ(s.seq, 2);
	CHECK_OK(fa2_session_update_summary(&s, rec));
	CHECK_OK(fa2_session_write_file(&s, "report.md", "# r\n", 4));
	fa2_session_set_mirror(NULL, NULL);
	CHECK_OK(fa2_session_append(&s, rec)); /* no mirror: the next record takes number 2 */
	CHECK_INT_EQ(m.journal, 3);
	cJSON_Delete(rec);
	CHECK_OK(fa2_session_read_journal(s.dir, &recs, &valid));
	CHECK_INT_EQ(cJSON_GetArraySize(recs), 3);
	CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(recs, 2), "seq")->valuedouble == 2);
	cJSON_Delete(recs);
	fa2_session_close(&s);
	fa2_log_clear_secrets();
}
