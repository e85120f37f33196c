/* Reloadable serve settings: see settings.h. */
#include "serve/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"

static const char *const slack_keys[] = { "alarmIds", "allowChannels", "allowUsers", NULL };

/* 1 when c may appear in a Slack id (letters, digits, '_' and '-'). */
static int id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

/* Appends one id (trimmed) to b, comma-separated. Empty items are skipped. */
static fa2_err add_id(fa2_buf *b, fa2_slice id, const char *key, const char *origin, char *msg,
                      size_t cap)
{
	size_t i;
	id = fa2_slice_trim(id);
	if (!id.len)
		return FA2_OK;
	for (i = 0; i < id.len; i++)
		if (!id_char(id.ptr[i]) || id.len > 64) {
			snprintf(msg, cap, "config %s: slack.%s: \"%.*s\" is not a Slack id (letters, "
			         "digits, _ and -, at most 64)", origin, key, (int)(id.len > 64 ? 64 : id.len),
			         id.ptr);
			return FA2_ERR_CONFIG;
		}
	if (b->len && fa2_buf_append_byte(b, ',') != FA2_OK)
		return FA2_ERR_TOO_LARGE;
	if (fa2_buf_append(b, id.ptr, id.len) != FA2_OK) {
		snprintf(msg, cap, "config %s: slack.%s: longer than %u bytes", origin, key,
		         FA2_SLACK_MAX_LIST_BYTES);
		return FA2_ERR_CONFIG;
	}
	return FA2_OK;
}

/* Reads slack.<key> (array of ids or comma-separated string) into *dst (replaced; NULL
 * when the list is empty). */
static fa2_err get_list(const cJSON *obj, const char *key, char **dst, const char *origin,
                        char *msg, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
	fa2_buf b;
	fa2_err e = FA2_OK;
	char *s = NULL;

	if (!v)
		return FA2_OK;
	fa2_buf_init(&b, FA2_SLACK_MAX_LIST_BYTES);
	if (cJSON_IsString(v)) {
		fa2_slice rest = fa2_slice_cstr(v->valuestring), item;
		while (rest.len && !e) {
			(void)fa2_slice_split(rest, ',', &item, &rest);
			e = add_id(&b, item, key, origin, msg, cap);
		}
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v) {
			if (!cJSON_IsString(it)) {
				snprintf(msg, cap, "config %s: slack.%s: every entry must be a string id", origin, key);
				e = FA2_ERR_CONFIG;
				break;
			}
			if ((e = add_id(&b, fa2_slice_cstr(it->valuestring), key, origin, msg, cap)) != FA2_OK)
				break;
		}
	} else if (!cJSON_IsNull(v)) {
		snprintf(msg, cap, "config %s: slack.%s must be an array of ids like [\"C0123\"] or a "
		         "comma-separated string", origin, key);
		e = FA2_ERR_CONFIG;
	}
	if (!e && b.len) {
		s = fa2_strndup((const char *)b.data, b.len);
		if (!s)
			e = FA2_ERR_NOMEM;
	}
	if (!e) {
		fa2_free(*dst);
		*dst = s;
	}
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_slack_settings_apply_json(fa2_slack_settings *s, fa2_slice json, const char *origin,
                                      char *msg, size_t cap)
{
	cJSON *root = fa2_json_parse(json, NULL);
	const cJSON *sl, *it;
	fa2_err e = FA2_OK;
	if (!root) {
		snprintf(msg, cap, "config %s: not valid JSON", origin);
		return FA2_ERR_CONFIG;
	}
	sl = cJSON_GetObjectItemCaseSensitive(root, "slack");
	if (sl && !cJSON_IsObject(sl)) {
		snprintf(msg, cap, "config %s: slack must be an object like {\"allowChannels\": [\"C0123\"]}",
		         origin);
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	if (!sl)
		goto cleanup;
	cJSON_ArrayForEach(it, sl) {
		size_t i;
		int known = 0;
		for (i = 0; slack_keys[i]; i++)
			if (it->string && strcmp(it->string, slack_keys[i]) == 0)
				known = 1;
		if (!known)
			FA2_LOGW("config", "%s: unknown key 'slack.%s' ignored (see docs/configuration.md)",
			         origin, it->string ? it->string : "?");
	}
	if ((e = get_list(sl, "alarmIds", &s->alarm_ids, origin, msg, cap)) != FA2_OK ||
	    (e = get_list(sl, "allowChannels", &s->allow_channels, origin, msg, cap)) != FA2_OK ||
	    (e = get_list(sl, "allowUsers", &s->allow_users, origin, msg, cap)) != FA2_OK)
		goto cleanup;
cleanup:
	cJSON_Delete(root);
	return e;
}

static fa2_slack_settings *settings_alloc(void)
{
	fa2_slack_settings *s = fa2_malloc(sizeof *s);
	if (s) {
		memset(s, 0, sizeof *s);
		s->refs = 1;
	}
	return s;
}

void fa2_slack_settings_free(fa2_slack_settings *s)
{
	if (!s)
		return;
	if (s->owns_cfg)
		fa2_config_cleanup(&s->own);
	fa2_free(s->alarm_ids);
	fa2_free(s->allow_channels);
	fa2_free(s->allow_users);
	fa2_free(s);
}

/* Replaces *dst with a copy of v when v is not NULL. */
static int override(char **dst, const char *v)
{
	char *c;
	if (!v)
		return 1;
	c = *v ? fa2_strdup(v) : NULL;
	if (*v && !c)
		return 0;
	fa2_free(*dst);
	*dst = c;
	return 1;
}

fa2_slack_settings *fa2_slack_settings_wrap(fa2_config *cfg, const char *alarm_ids,
                                            const char *allow_channels, const char *allow_users)
{
	fa2_slack_settings *s = settings_alloc();
	if (!s)
		return NULL;
	s->cfg = cfg;
	if (!override(&s->alarm_ids, alarm_ids) || !override(&s->allow_channels, allow_channels) ||
	    !override(&s->allow_users, allow_users)) {
		fa2_slack_settings_free(s);
		return NULL;
	}
	return s;
}

fa2_err fa2_slack_settings_load(const char *path, const char *cli_alarm_ids,
                                const char *cli_allow_channels, const char *cli_allow_users,
                                fa2_slack_settings **out, char *msg, size_t cap)
{
	fa2_slack_settings *s = settings_alloc();
	fa2_buf b;
	fa2_err e = FA2_ERR_NOMEM;

	*out = NULL;
	fa2_buf_init(&b, FA2_MAX_CONFIG_BYTES);
	snprintf(msg, cap, "out of memory");
	if (!s)
		goto cleanup;
	if (fa2_config_init(&s->own) != FA2_OK) {
		fa2_config_cleanup(&s->own);
		goto cleanup;
	}
	s->owns_cfg = 1;
	s->cfg = &s->own;
	if (!path || !*path)
		path = getenv("FA2_CONFIG");
	if (path && *path) {
		/* one read of the file for both the analysis configuration and the slack lists */
		e = fa2_file_read_all(path, &b);
		if (e) {
			snprintf(msg, cap, "config %s: %s", path,
			         e == FA2_ERR_NOT_FOUND ? "no such file"
			         : e == FA2_ERR_TOO_LARGE ? "larger than 1 MiB" : "cannot be read");
			goto cleanup;
		}
		e = fa2_config_load_json(&s->own, fa2_buf_slice(&b), path, msg, cap);
		if (!e)
			e = fa2_slack_settings_apply_json(s, fa2_buf_slice(&b), path, msg, cap);
		if (!e) {
			fa2_free(s->own.source);
			s->own.source = fa2_strdup(path);
			if (!s->own.source)
				e = FA2_ERR_NOMEM;
		}
		if (e)
			goto cleanup;
	}
	e = FA2_ERR_NOMEM;
	if (!override(&s->alarm_ids, cli_alarm_ids) || !override(&s->allow_channels, cli_allow_channels) ||
	    !override(&s->allow_users, cli_allow_users))
		goto cleanup;
	e = FA2_OK;
	*out = s;
	s = NULL;
	msg[0] = '\0';
cleanup:
	fa2_slack_settings_free(s);
	fa2_buf_cleanup(&b);
	return e;
}

void fa2_slack_live_init(fa2_slack_live *l, fa2_slack_settings *s)
{
	pthread_mutex_init(&l->lock, NULL);
	l->cur = s;
	l->generation = 1;
}

void fa2_slack_live_cleanup(fa2_slack_live *l)
{
	fa2_slack_live_put(l, l->cur);
	l->cur = NULL;
	pthread_mutex_destroy(&l->lock);
}

fa2_slack_settings *fa2_slack_live_get(fa2_slack_live *l)
{
	fa2_slack_settings *s;
	pthread_mutex_lock(&l->lock);
	s = l->cur;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&l->lock);
	return s;
}

void fa2_slack_live_put(fa2_slack_live *l, fa2_slack_settings *s)
{
	unsigned left;
	if (!s)
		return;
	pthread_mutex_lock(&l->lock);
	left = --s->refs;
	pthread_mutex_unlock(&l->lock);
	if (!left)
		fa2_slack_settings_free(s);
}

void fa2_slack_live_replace(fa2_slack_live *l, fa2_slack_settings *s)
{
	fa2_slack_settings *old;
	pthread_mutex_lock(&l->lock);
	old = l->cur;
	l->cur = s;
	l->generation++;
	pthread_mutex_unlock(&l->lock);
	fa2_slack_live_put(l, old);
}
