/* The snapshot behind the offline tools (snap.h): opening, the manifest's metadata, the
 * window check shared by analyze and triage, and the registration of the tools. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/tools/snap.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

static fa2_err path_join(const char *a, const char *b, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", a, b);
	return n < 0 || (size_t)n >= cap ? FA2_ERR_TOO_LARGE : FA2_OK;
}

static int doc_cmp(const void *a, const void *b)
{
	return strcmp(((const fa2_snap_doc *)a)->path, ((const fa2_snap_doc *)b)->path);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && strcmp(s + n - m, suf) == 0;
}

/* DIR/runbooks: files ending in .md, .txt or .markdown (one level), at most
 * FA2_SNAP_MAX_RUNBOOKS. */
static fa2_err read_runbooks(fa2_snap *s, char *msg, size_t cap)
{
	char dirpath[4096], file[4352];
	DIR *dir;
	struct dirent *de;
	struct stat st;
	fa2_err e = FA2_OK;

	if (path_join(s->dir, "runbooks", dirpath, sizeof dirpath))
		return FA2_OK;
	if (stat(dirpath, &st) != 0 || !S_ISDIR(st.st_mode))
		return FA2_OK;
	s->has_runbooks = 1;
	dir = opendir(dirpath);
	if (!dir) {
		snprintf(msg, cap, "%s: cannot open the runbooks folder", dirpath);
		return FA2_ERR_IO;
	}
	s->docs = fa2_calloc(FA2_SNAP_MAX_RUNBOOKS, sizeof *s->docs);
	if (!s->docs) {
		closedir(dir);
		return FA2_ERR_NOMEM;
	}
	while ((de = readdir(dir)) != NULL) {
		fa2_buf b;
		fa2_snap_doc *d;
		char rel[300];
		if (de->d_name[0] == '.' ||
		    !(has_suffix(de->d_name, ".md") || has_suffix(de->d_name, ".txt") || has_suffix(de->d_name, ".markdown")))
			continue;
		if (s->n_docs >= FA2_SNAP_MAX_RUNBOOKS) {
			FA2_LOGW("snapshot", "more than %u runbooks; the rest are ignored", FA2_SNAP_MAX_RUNBOOKS);
			break;
		}
		if (path_join(dirpath, de->d_name, file, sizeof file) || stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		snprintf(rel, sizeof rel, "runbooks/%s", de->d_name);
		fa2_buf_init(&b, FA2_SNAP_MAX_RUNBOOK_BYTES);
		e = fa2_file_read_all(file, &b);
		if (e) {
			fa2_buf_cleanup(&b);
			snprintf(msg, cap, "%s: %s", file, fa2_err_str(e));
			break;
		}
		d = &s->docs[s->n_docs];
		d->path = fa2_strdup(rel);
		d->len = b.len;
		d->text = fa2_buf_steal(&b, NULL);
		if (!d->text) {
			d->text = fa2_strdup("");
			d->len = 0;
		}
		fa2_buf_cleanup(&b);
		if (!d->path || !d->text) {
			fa2_free((void *)d->path);
			fa2_free(d->text);
			e = FA2_ERR_NOMEM;
			break;
		}
		s->n_docs++;
	}
	closedir(dir);
	if (!e)
		qsort(s->docs, s->n_docs, sizeof *s->docs, doc_cmp);
	return e;
}

fa2_err fa2_snap_open(const char *dir, fa2_snap **out, char *msg, size_t cap)
{
	fa2_snap *s = fa2_calloc(1, sizeof *s);
	const char *why = "";
	fa2_err e = FA2_ERR_NOMEM;

	*out = NULL;
	if (cap)
		msg[0] = '\0';
	if (!s)
		goto cleanup;
	fa2_tr_data_init(&s->d);
	s->dir = fa2_strdup(dir);
	if (!s->dir)
		goto cleanup;
	e = fa2_tr_snapshot_read(&s->d, dir, &why);
	if (e) {
		snprintf(msg, cap, "%s: %s%s%s", dir, fa2_err_str(e), why && *why ? ": " : "", why ? why : "");
		goto cleanup;
	}
	e = read_runbooks(s, msg, cap);
	if (e)
		goto cleanup;
	*out = s;
	s = NULL;
cleanup:
	fa2_snap_close(s);
	return e;
}

void fa2_snap_close(fa2_snap *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->n_docs; i++) {
		fa2_free((void *)s->docs[i].path);
		fa2_free(s->docs[i].text);
	}
	fa2_free(s->docs);
	fa2_tr_data_cleanup(&s->d);
	fa2_free(s->dir);
	fa2_free(s);
}

fa2_err fa2_snap_manifest_info(const char *dir, int64_t *from_ms, int64_t *to_ms, char *event,
			       size_t event_cap, char *msg, size_t cap)
{
	char path[4096];
	fa2_buf b;
	cJSON *root = NULL;
	const cJSON *a, *w;
	fa2_err e;

	*from_ms = *to_ms = 0;
	if (event_cap)
		event[0] = '\0';
	fa2_buf_init(&b, FA2_MAX_JSON_BYTES);
	if ((e = path_join(dir, "manifest.json", path, sizeof path))) {
		snprintf(msg, cap, "%s: path too long", dir);
		goto cleanup;
	}
	e = fa2_file_read_all(path, &b);
	if (e) {
		snprintf(msg, cap, "%s: cannot read: %s", path, fa2_err_str(e));
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	root = fa2_json_parse(fa2_buf_slice(&b), &e);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(msg, cap, "%s: not a JSON object", path);
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	w = cJSON_GetObjectItemCaseSensitive(root, "window");
	*from_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(w, "from"));
	*to_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(w, "to"));
	if (*from_ms <= 0 || *to_ms <= *from_ms) {
		snprintf(msg, cap, "%s: window.from/window.to missing or not in order", path);
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	a = cJSON_GetObjectItemCaseSensitive(root, "alarm");
	if (cJSON_IsObject(a) && fa2_json_str(a, "name")) {
		char t[40] = "";
		int64_t at = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(a, "state_change_time"));
		if (at > 0)
			(void)fa2_time_format_rfc3339(at, 0, 0, t, sizeof t);
		snprintf(event, event_cap, "CloudWatch alarm %s%s%s%s%s%s%s", fa2_json_str(a, "name"),
			 fa2_json_str(a, "state") ? " is " : "", fa2_json_str(a, "state") ? fa2_json_str(a, "state") : "",
			 t[0] ? " since " : "", t, fa2_json_str(a, "reason") ? ": " : "",
			 fa2_json_str(a, "reason") ? fa2_json_str(a, "reason") : "");
	} else if (fa2_json_str(root, "description") && *fa2_json_str(root, "description")) {
		snprintf(event, event_cap, "%s", fa2_json_str(root, "description"));
	}
	e = FA2_OK;
cleanup:
	cJSON_Delete(root);
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_snap_window_check(int64_t snap_from, int64_t snap_to, int64_t from_ms, int64_t to_ms,
			      char *msg, size_t cap)
{
	char a[40], b[40], c[40], d[40];
	if (from_ms >= snap_from && to_ms <= snap_to && from_ms < to_ms)
		return FA2_OK;
	(void)fa2_time_format_rfc3339(from_ms, 0, 0, a, sizeof a);
	(void)fa2_time_format_rfc3339(to_ms, 0, 0, b, sizeof b);
	(void)fa2_time_format_rfc3339(snap_from, 0, 0, c, sizeof c);
	(void)fa2_time_format_rfc3339(snap_to, 0, 0, d, sizeof d);
	snprintf(msg, cap, "the window %s .. %s is not inside the snapshot's window %s .. %s; "
		 "give --from/--to within it (or omit them to use the snapshot's window)", a, b, c, d);
	return FA2_ERR_INVALID;
}

fa2_err fa2_tools_register_snapshot(fa2_tool_registry *r, fa2_snap *s)
{
	fa2_tool t;
	fa2_err e;

	t = fa2_logs_tool;
	t.execute = fa2_snap_logs_exec;
	t.ctx = s;
	e = fa2_tool_registry_add(r, &t);
	if (!e) {
		t = fa2_metrics_tool;
		t.execute = fa2_snap_metrics_exec;
		t.ctx = s;
		e = fa2_tool_registry_add(r, &t);
	}
	if (!e) {
		t = fa2_audit_log_tool;
		t.execute = fa2_snap_audit_exec;
		t.ctx = s;
		e = fa2_tool_registry_add(r, &t);
	}
	if (!e && s->d.n_traces > 0) {
		t = fa2_xray_tool;
		t.execute = fa2_snap_xray_exec;
		t.ctx = s;
		e = fa2_tool_registry_add(r, &t);
	}
	if (!e && s->has_runbooks) {
		t = fa2_kb_tool;
		t.execute = fa2_snap_kb_exec;
		t.ctx = s;
		e = fa2_tool_registry_add(r, &t);
	}
	return e;
}
