/* Prompt loading (compiled-in or override directory) and {{placeholder}} rendering. */
#include "agent/prompts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/msg.h"

static const char *const prompt_names[FA2_PROMPT__COUNT] = {
	"system.txt", "incident.txt", "final_report.txt", "report_schema.txt", "alarm.txt",
	"query_repair.txt", "insight_namespaces.txt", "insight_metrics.txt", "insight_report.txt",
	"findings_report.txt"
};

const struct fa2_prompt_file *fa2_prompts_builtin(const char *path)
{
	const struct fa2_prompt_file *f;
	for (f = fa2_prompt_files; f->name; f++)
		if (strcmp(f->name, path) == 0)
			return f;
	return NULL;
}

void fa2_prompts_cleanup(fa2_prompts *p)
{
	size_t i;
	for (i = 0; i < FA2_PROMPT__COUNT; i++)
		fa2_free(p->text[i]);
	memset(p, 0, sizeof *p);
}

fa2_err fa2_prompts_load(fa2_prompts *p, fa2_lang lang, const char *override_dir, char *msg,
			 size_t msg_cap)
{
	char path[4096], rel[64];
	size_t i;
	fa2_err e = FA2_OK;
	struct stat st;

	memset(p, 0, sizeof *p);
	p->lang = lang;
	if (msg_cap)
		msg[0] = '\0';
	if (override_dir && *override_dir &&
	    (stat(override_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		snprintf(msg, msg_cap, "prompt directory %s: %s", override_dir,
			 errno == ENOENT ? "does not exist" : "is not a directory");
		return FA2_ERR_NOT_FOUND;
	}
	/* the same directory's <lang>/messages override the message catalog */
	e = fa2_msg_use_dir(override_dir, msg, msg_cap);
	if (e)
		return e;
	for (i = 0; i < FA2_PROMPT__COUNT; i++) {
		const struct fa2_prompt_file *f;
		snprintf(rel, sizeof rel, "%s/%s", fa2_lang_code(lang), prompt_names[i]);
		if (override_dir && *override_dir) {
			fa2_buf b;
			int n = snprintf(path, sizeof path, "%s/%s", override_dir, rel);
			if (n < 0 || (size_t)n >= sizeof path) {
				snprintf(msg, msg_cap, "prompt directory path too long");
				e = FA2_ERR_TOO_LARGE;
				goto cleanup;
			}
			fa2_buf_init(&b, FA2_MAX_PROMPT_BYTES);
			e = fa2_file_read_all(path, &b);
			if (!e) {
				p->text[i] = fa2_buf_steal(&b, NULL);
				p->overridden[i] = 1;
				fa2_buf_cleanup(&b);
				if (!p->text[i]) {
					e = FA2_ERR_NOMEM;
					goto cleanup;
				}
				FA2_LOGD("prompts", "using %s", path);
				continue;
			}
			fa2_buf_cleanup(&b);
			if (e != FA2_ERR_NOT_FOUND) {
				snprintf(msg, msg_cap, "prompt %s: %s", path,
					 e == FA2_ERR_TOO_LARGE ? "larger than 256 KiB" : "cannot be read");
				goto cleanup;
			}
			e = FA2_OK;
		}
		f = fa2_prompts_builtin(rel);
		if (!f) {
			snprintf(msg, msg_cap, "prompt %s is not compiled in", rel);
			e = FA2_ERR_INTERNAL;
			goto cleanup;
		}
		p->text[i] = fa2_strndup(f->data, f->len);
		if (!p->text[i]) {
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
	}
	return FA2_OK;
cleanup:
	fa2_prompts_cleanup(p);
	return e;
}

fa2_err fa2_prompt_render(const char *tmpl, const fa2_prompt_var *vars, size_t n_vars,
			  fa2_buf *out)
{
	const char *s = tmpl;
	fa2_err e = FA2_OK;
	while (*s && !e) {
		const char *open = strstr(s, "{{"), *close;
		size_t i, nlen;
		if (!open)
			return fa2_buf_append_cstr(out, s);
		close = strstr(open + 2, "}}");
		if (!close)
			return fa2_buf_append_cstr(out, s);
		e = fa2_buf_append(out, s, (size_t)(open - s));
		if (e)
			break;
		nlen = (size_t)(close - open - 2);
		for (i = 0; i < n_vars; i++) {
			if (strlen(vars[i].name) == nlen && memcmp(vars[i].name, open + 2, nlen) == 0)
				break;
		}
		if (i < n_vars) {
			e = fa2_buf_append_cstr(out, vars[i].value ? vars[i].value : "");
		} else {
			FA2_LOGW("prompts", "template placeholder {{%.*s}} has no value; kept as is",
				 (int)(nlen > 64 ? 64 : nlen), open + 2);
			e = fa2_buf_append(out, open, nlen + 4);
		}
		s = close + 2;
	}
	return e;
}
