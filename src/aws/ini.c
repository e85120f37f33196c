#include "aws/ini.h"

#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/limits.h"

void fa2_ini_init(fa2_ini *ini)
{
	memset(ini, 0, sizeof *ini);
	fa2_buf_init(&ini->text, FA2_MAX_CONFIG_BYTES);
	fa2_buf_init(&ini->keys, FA2_MAX_CONFIG_BYTES);
	fa2_buf_init(&ini->values, FA2_MAX_CONFIG_BYTES * 2);
}

void fa2_ini_cleanup(fa2_ini *ini)
{
	/* Credentials files hold secrets. */
	fa2_buf_wipe(&ini->text);
	fa2_buf_wipe(&ini->values);
	fa2_buf_cleanup(&ini->text);
	fa2_buf_cleanup(&ini->keys);
	fa2_buf_cleanup(&ini->values);
	fa2_free(ini->e);
	ini->e = NULL;
	ini->n = ini->cap = 0;
}

/* Entries point into buffers that may move while parsing; offsets are kept during the
 * parse and turned into slices at the end. */
struct pending {
	size_t sec_off, sec_len;
	size_t key_off, key_len;
	size_t val_off, val_len;
	int val_in_values;
};

static fa2_err push(fa2_ini *ini, struct pending **ps, size_t *cap, size_t n)
{
	struct pending *np;
	size_t ncap;
	if (n < *cap)
		return FA2_OK;
	if (n >= FA2_INI_MAX_ENTRIES)
		return FA2_ERR_TOO_LARGE;
	ncap = *cap ? *cap * 2 : 16;
	np = fa2_realloc(*ps, ncap * sizeof *np);
	if (!np)
		return FA2_ERR_NOMEM;
	*ps = np;
	*cap = ncap;
	(void)ini;
	return FA2_OK;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

fa2_err fa2_ini_parse(fa2_ini *ini, fa2_slice text)
{
	struct pending *ps = NULL;
	size_t pcap = 0, n = 0, pos = 0, line_no = 0, i;
	long sec_off = -1;
	size_t sec_len = 0;
	fa2_err e;

	fa2_ini_cleanup(ini);
	fa2_ini_init(ini);
	if (text.len > FA2_MAX_CONFIG_BYTES)
		return FA2_ERR_TOO_LARGE;
	e = fa2_buf_append_slice(&ini->text, text);
	if (e)
		return e;
	text = fa2_buf_slice(&ini->text);

	while (pos < text.len) {
		size_t end = pos;
		fa2_slice line, t;
		while (end < text.len && text.ptr[end] != '\n')
			end++;
		line = fa2_slice_make(text.ptr + pos, end - pos);
		pos = end + 1;
		line_no++;
		t = fa2_slice_trim(line);
		if (t.len == 0 || t.ptr[0] == '#' || t.ptr[0] == ';')
			continue;
		if (is_space(line.ptr[0])) {
			/* Continuation of the previous property in this section. */
			struct pending *p;
			if (n == 0 || sec_off < 0 || ps[n - 1].sec_off != (size_t)sec_off) {
				e = FA2_ERR_PARSE;
				goto fail;
			}
			p = &ps[n - 1];
			if (!p->val_in_values) {
				size_t off = ini->values.len;
				e = fa2_buf_append(&ini->values, text.ptr + p->val_off, p->val_len);
				if (e)
					goto fail;
				p->val_off = off;
				p->val_in_values = 1;
			}
			e = fa2_buf_append_byte(&ini->values, '\n');
			if (!e)
				e = fa2_buf_append_slice(&ini->values, t);
			if (e)
				goto fail;
			p->val_len = ini->values.len - p->val_off;
			continue;
		}
		if (t.ptr[0] == '[') {
			fa2_slice name;
			if (t.ptr[t.len - 1] != ']' || t.len < 2) {
				e = FA2_ERR_PARSE;
				goto fail;
			}
			name = fa2_slice_trim(fa2_slice_make(t.ptr + 1, t.len - 2));
			sec_off = (long)(name.ptr - text.ptr);
			sec_len = name.len;
			continue;
		}
		{
			size_t k = 0;
			fa2_slice key, val;
			while (k < t.len && t.ptr[k] != '=' && t.ptr[k] != ':')
				k++;
			if (k == t.len || sec_off < 0) {
				e = FA2_ERR_PARSE;
				goto fail;
			}
			key = fa2_slice_trim(fa2_slice_make(t.ptr, k));
			val = fa2_slice_trim(fa2_slice_make(t.ptr + k + 1, t.len - k - 1));
			if (key.len == 0) {
				e = FA2_ERR_PARSE;
				goto fail;
			}
			e = push(ini, &ps, &pcap, n);
			if (e)
				goto fail;
			ps[n].sec_off = (size_t)sec_off;
			ps[n].sec_len = sec_len;
			ps[n].key_off = ini->keys.len;
			ps[n].key_len = key.len;
			e = fa2_buf_append_slice(&ini->keys, key);
			if (e)
				goto fail;
			for (i = ps[n].key_off; i < ini->keys.len; i++)
				if (ini->keys.data[i] >= 'A' && ini->keys.data[i] <= 'Z')
					ini->keys.data[i] = (char)(ini->keys.data[i] + 32);
			ps[n].val_off = (size_t)(val.ptr - text.ptr);
			ps[n].val_len = val.len;
			ps[n].val_in_values = 0;
			n++;
		}
	}
	ini->e = fa2_calloc(n ? n : 1, sizeof *ini->e);
	if (!ini->e) {
		e = FA2_ERR_NOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		ini->e[i].section = fa2_slice_make(text.ptr + ps[i].sec_off, ps[i].sec_len);
		ini->e[i].key = fa2_slice_make(ini->keys.data + ps[i].key_off, ps[i].key_len);
		ini->e[i].value = ps[i].val_in_values
		                      ? fa2_slice_make(ini->values.data + ps[i].val_off, ps[i].val_len)
		                      : fa2_slice_make(text.ptr + ps[i].val_off, ps[i].val_len);
	}
	ini->n = ini->cap = n;
	fa2_free(ps);
	return FA2_OK;
fail:
	if (e == FA2_ERR_PARSE)
		ini->error_line = line_no;
	fa2_free(ps);
	return e;
}

fa2_err fa2_ini_load(fa2_ini *ini, const char *path)
{
	fa2_buf b;
	fa2_err e;
	fa2_buf_init(&b, FA2_MAX_CONFIG_BYTES);
	e = fa2_file_read_all(path, &b);
	if (!e)
		e = fa2_ini_parse(ini, fa2_buf_slice(&b));
	fa2_buf_wipe(&b);
	fa2_buf_cleanup(&b);
	return e;
}

int fa2_ini_get(const fa2_ini *ini, fa2_slice section, fa2_slice key, fa2_slice *value)
{
	size_t i;
	for (i = ini->n; i > 0; i--) {
		const fa2_ini_entry *en = &ini->e[i - 1];
		if (fa2_slice_eq(en->section, section) && fa2_slice_eq_ci(en->key, key)) {
			*value = en->value;
			return 1;
		}
	}
	return 0;
}

int fa2_ini_get_sub(const fa2_ini *ini, fa2_slice section, fa2_slice key, fa2_slice sub,
                    fa2_slice *value)
{
	fa2_slice v, line, rest;
	int found = 0;
	if (!fa2_ini_get(ini, section, key, &v))
		return 0;
	while (v.len > 0) {
		long eq;
		if (!fa2_slice_split(v, '\n', &line, &rest))
			line = v, rest = FA2_SLICE_EMPTY;
		v = rest;
		eq = fa2_slice_find_char(line, '=');
		if (eq < 0)
			continue;
		if (fa2_slice_eq_ci(fa2_slice_trim(fa2_slice_make(line.ptr, (size_t)eq)), sub)) {
			*value = fa2_slice_trim(fa2_slice_make(line.ptr + eq + 1, line.len - (size_t)eq - 1));
			found = 1;  /* keep going: the last one wins */
		}
	}
	return found;
}

int fa2_ini_has_section(const fa2_ini *ini, fa2_slice section)
{
	size_t i;
	for (i = 0; i < ini->n; i++)
		if (fa2_slice_eq(ini->e[i].section, section))
			return 1;
	/* An empty section has no entries; look for its header in the text. */
	{
		fa2_slice t = fa2_buf_slice(&ini->text), line, rest;
		while (t.len > 0) {
			fa2_slice tr;
			if (!fa2_slice_split(t, '\n', &line, &rest))
				line = t, rest = FA2_SLICE_EMPTY;
			t = rest;
			tr = fa2_slice_trim(line);
			if (tr.len >= 2 && tr.ptr[0] == '[' && tr.ptr[tr.len - 1] == ']' &&
			    fa2_slice_eq(fa2_slice_trim(fa2_slice_make(tr.ptr + 1, tr.len - 2)), section))
				return 1;
		}
	}
	return 0;
}
