/* The snapshot behind the snapshot source (snap.h): opening, the manifest's metadata and
 * the window check shared by analyze and triage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/tools/snap.h"
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
	*out = s;
	s = NULL;
cleanup:
	fa2_snap_close(s);
	return e;
}

void fa2_snap_close(fa2_snap *s)
{
	if (!s)
		return;
	fa2_tr_data_cleanup(&s->d);
	fa2_free(s->dir);
	fa2_free(s);
}

/* Reads and parses dir/manifest.json into *root (a JSON object). */
static fa2_err read_manifest(const char *dir, cJSON **root, char *msg, size_t cap)
{
	char path[4096];
	fa2_buf b;
	fa2_err e;

	*root = NULL;
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
	*root = fa2_json_parse(fa2_buf_slice(&b), &e);
	if (!*root || !cJSON_IsObject(*root)) {
		snprintf(msg, cap, "%s: not a JSON object", path);
		cJSON_Delete(*root);
		*root = NULL;
		e = FA2_ERR_PARSE;
	}
cleanup:
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_snap_manifest_info(const char *dir, int64_t *from_ms, int64_t *to_ms, char *event,
			       size_t event_cap, char *msg, size_t cap)
{
	cJSON *root = NULL;
	const cJSON *a, *w;
	fa2_err e;

	*from_ms = *to_ms = 0;
	if (event_cap)
		event[0] = '\0';
	if ((e = read_manifest(dir, &root, msg, cap)))
		return e;
	w = cJSON_GetObjectItemCaseSensitive(root, "window");
	*from_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(w, "from"));
	*to_ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(w, "to"));
	if (*from_ms <= 0 || *to_ms <= *from_ms) {
		snprintf(msg, cap, "%s/manifest.json: window.from/window.to missing or not in order", dir);
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
	return e;
}

/* Copies manifest key from into the MetricAlarm document as key to (strings only). */
static int copy_str(const cJSON *a, const char *from, cJSON *doc, const char *to)
{
	const char *v = fa2_json_str(a, from);
	return !v || cJSON_AddStringToObject(doc, to, v) != NULL;
}

fa2_err fa2_snap_manifest_alarm(const char *dir, const char *name, fa2_alarm *out, char *msg, size_t cap)
{
	cJSON *root = NULL, *doc = NULL, *dims;
	const cJSON *a, *d;
	const char *have;
	int64_t at;
	fa2_err e;

	memset(out, 0, sizeof *out);
	if ((e = read_manifest(dir, &root, msg, cap)))
		return e;
	a = cJSON_GetObjectItemCaseSensitive(root, "alarm");
	have = cJSON_IsObject(a) ? fa2_json_str(a, "name") : NULL;
	if (!have || !*have) {
		snprintf(msg, cap, "the snapshot %s has no alarm (take it with fa2 snapshot --alarm NAME)", dir);
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	if (name && strcmp(name, have) != 0) {
		snprintf(msg, cap, "the snapshot %s was taken for alarm %s, not %s", dir, have, name);
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	/* The manifest's alarm in the shape of a DescribeAlarms MetricAlarm. */
	doc = cJSON_CreateObject();
	e = FA2_ERR_NOMEM;
	if (!doc || !copy_str(a, "name", doc, "AlarmName") || !copy_str(a, "state", doc, "StateValue") ||
	    !copy_str(a, "reason", doc, "StateReason") || !copy_str(a, "namespace", doc, "Namespace") ||
	    !copy_str(a, "metric_name", doc, "MetricName") ||
	    (fa2_json_str(root, "region") && !cJSON_AddStringToObject(doc, "fa2Region", fa2_json_str(root, "region"))))
		goto cleanup;
	at = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(a, "state_change_time"));
	if (at > 0 && !cJSON_AddNumberToObject(doc, "StateUpdatedTimestamp", (double)at / 1000.0))
		goto cleanup;
	d = cJSON_GetObjectItemCaseSensitive(a, "dimensions");
	if (cJSON_IsArray(d)) {
		if (!(dims = cJSON_Duplicate(d, 1)) || !cJSON_AddItemToObjectCS(doc, "Dimensions", dims)) {
			cJSON_Delete(dims);
			goto cleanup;
		}
	}
	e = fa2_alarm_from_json(doc, out);
	if (e)
		snprintf(msg, cap, "the snapshot %s: its alarm cannot be read: %s", dir, fa2_err_str(e));
cleanup:
	if (e == FA2_ERR_NOMEM)
		snprintf(msg, cap, "%s", fa2_err_str(e));
	cJSON_Delete(doc);
	cJSON_Delete(root);
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
