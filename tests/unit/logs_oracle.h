/* The reference for the Logs Insights row reader (triage/logs.h): how the results were
 * decoded before it, through a cJSON tree (fa2_json_parse). Shared by the unit tests and
 * the differential fuzz target (tests/fuzz/fuzz_logs_scan.c), which check that the reader
 * decodes every document the same way and fails on the same ones. */
#ifndef FA2_TEST_LOGS_ORACLE_H
#define FA2_TEST_LOGS_ORACLE_H

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/num.h"
#include "base/time.h"
#include "triage/data.h"

typedef struct oracle_row {
	int64_t t_ms;
	const char *msg, *group, *stream;  /* into the tree, or the default group */
} oracle_row;

static int64_t oracle_time(const cJSON *it)
{
	int64_t ms;
	if (cJSON_IsNumber(it)) {
		double v = it->valuedouble;
		return fa2_num_double_to_i64(v < 1e11 ? v * 1000.0 : v, 1, FA2_NUM_EPOCH_MAX_MS, &ms)
		       ? 0 : ms;
	}
	if (cJSON_IsString(it) && it->valuestring &&
	    fa2_time_parse(fa2_slice_cstr(it->valuestring), 0, 0, &ms) == FA2_OK && ms > 0 &&
	    ms <= FA2_NUM_EPOCH_MAX_MS)
		return ms;
	return 0;
}

/* Decodes json as the tree reader did. Returns FA2_OK, FA2_ERR_PARSE or another error;
 * *rows (free it, and cJSON_Delete(*root)) holds *n rows. */
static fa2_err oracle_parse_logs(fa2_slice json, const char *default_group, cJSON **root,
				 oracle_row **rows, size_t *n)
{
	cJSON *row, *f;
	fa2_err e = FA2_OK;
	size_t cap = 0;
	*rows = NULL;
	*n = 0;
	*root = fa2_json_parse(json, &e);
	if (!*root)
		return e ? e : FA2_ERR_PARSE;
	if (!cJSON_IsObject(*root))
		return FA2_ERR_PARSE;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(*root, "results")) {
		const cJSON *ts = NULL;
		const char *msg = NULL, *stream = "", *group = default_group ? default_group : "";
		if (!cJSON_IsArray(row))
			continue;
		cJSON_ArrayForEach(f, row) {
			const char *name = fa2_json_str(f, "field");
			const cJSON *val = cJSON_GetObjectItemCaseSensitive(f, "value");
			if (!name)
				continue;
			if (strcmp(name, "@timestamp") == 0)
				ts = val;
			else if (strcmp(name, "@message") == 0 && cJSON_IsString(val))
				msg = val->valuestring;
			else if (strcmp(name, "@logStream") == 0 && cJSON_IsString(val))
				stream = val->valuestring;
			else if (strcmp(name, "@log") == 0 && cJSON_IsString(val)) {
				const char *c = strchr(val->valuestring, ':');
				group = c ? c + 1 : val->valuestring;
			}
		}
		if (!msg)
			continue;
		if (*n == cap) {
			oracle_row *p;
			cap = cap ? cap * 2 : 16;
			if (!(p = realloc(*rows, cap * sizeof *p)))
				return FA2_ERR_NOMEM;
			*rows = p;
		}
		(*rows)[*n].t_ms = oracle_time(ts);
		(*rows)[*n].msg = msg;
		(*rows)[*n].group = group;
		(*rows)[*n].stream = stream;
		(*n)++;
	}
	return FA2_OK;
}

/* 1 when fa2_tr_parse_logs decodes json as the oracle does (same error class, same rows
 * with the same fields), else 0; *why names the first difference. */
static int oracle_same(fa2_slice json, const char *default_group, const char **why)
{
	cJSON *root = NULL;
	oracle_row *rows = NULL;
	size_t n = 0, i;
	fa2_tr_data d;
	fa2_err eo, en;
	int same = 1;
	*why = "";
	eo = oracle_parse_logs(json, default_group, &root, &rows, &n);
	fa2_tr_data_init(&d);
	en = fa2_tr_parse_logs(&d, json, default_group);
	if (eo == FA2_ERR_NOMEM || en == FA2_ERR_NOMEM) {
		same = 1;  /* nothing to compare */
	} else if ((eo == FA2_OK) != (en == FA2_OK)) {
		*why = eo == FA2_OK ? "the reader failed where cJSON did not" : "the reader accepted what cJSON failed";
		same = 0;
	} else if (eo == FA2_OK && d.n_lines != n) {
		*why = "row counts differ";
		same = 0;
	} else if (eo == FA2_OK) {
		for (i = 0; i < n && same; i++) {
			const fa2_tr_logline *l = &d.lines[i];
			if (l->t_ms != rows[i].t_ms)
				*why = "times differ", same = 0;
			else if (l->msg_len != strlen(rows[i].msg) || strcmp(l->msg, rows[i].msg))
				*why = "messages differ", same = 0;
			else if (strcmp(l->group, rows[i].group))
				*why = "groups differ", same = 0;
			else if (strcmp(l->stream, rows[i].stream))
				*why = "streams differ", same = 0;
		}
	}
	fa2_tr_data_cleanup(&d);
	free(rows);
	cJSON_Delete(root);
	return same;
}

#endif
