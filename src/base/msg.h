/* The message catalog: every user-visible text in English and Japanese, keyed.
 *
 * The texts live in prompts/<lang>/messages (one "key = text" line each: one space after
 * '=' is dropped, the rest of the line is the text, spaces included; "\n" is a
 * newline, "\\" a backslash; lines starting with '#' are comments), compiled in as
 * src/base/msg_data.c by `tools/embed-prompts.sh --messages prompts`. A prompts override
 * directory (--prompts DIR, promptsDir) may hold DIR/<lang>/messages; its keys replace
 * the compiled-in ones, keys it lacks keep the compiled-in text.
 *
 * Texts take printf-style placeholders (%s, %d, %lld, %.40s, ...); a key's texts in every
 * language take the same placeholders in the same order (tools/check-messages.sh checks
 * the files and every fa2_msg call in src/; an override file with different placeholders
 * for a key is rejected key by key, falling back to the compiled-in text). */
#ifndef FA2_BASE_MSG_H
#define FA2_BASE_MSG_H

#include <stddef.h>

#include "base/err.h"

/* Language numbers; equal to fa2_lang (agent/tool.h) and FA2_SLACK_LANG_JA. */
#define FA2_MSG_EN 0
#define FA2_MSG_JA 1
#define FA2_MSG_NLANG 2

struct fa2_msg_entry {
	const char *key;
	const char *text;
};

/* The compiled-in catalogs, sorted by key (strcmp), ended by { 0, 0 }. */
extern const struct fa2_msg_entry fa2_msg_builtin_en[];
extern const struct fa2_msg_entry fa2_msg_builtin_ja[];

/* The text of key in lang (any other lang number means English). Order: the override
 * (fa2_msg_use_dir), the compiled-in lang, the compiled-in English, else key itself (a
 * missing key is logged at warning level). Never NULL; the pointer stays valid for the
 * life of the process. Thread-safe. */
const char *fa2_msg(int lang, const char *key);

/* The compiled-in text, or NULL when lang's catalog has no key. */
const char *fa2_msg_builtin(int lang, const char *key);

/* Installs dir/<lang>/messages (each language whose file exists) as the override. A call
 * with the dir already installed does nothing; another dir replaces the override (texts
 * handed out earlier stay allocated: pointers from fa2_msg never dangle). NULL or ""
 * does nothing. A file that cannot be read, is over FA2_MAX_PROMPT_BYTES or has a
 * malformed line is an error (msg names the line) and leaves the override as it was; a
 * key whose placeholders differ from the compiled-in English is skipped with a warning. */
fa2_err fa2_msg_use_dir(const char *dir, char *msg, size_t msg_cap);

/* The printf conversions of text ("%s%lld%.40s"; "%%" excluded) into out. 0 when they do
 * not fit out_cap. */
int fa2_msg_placeholders(const char *text, char *out, size_t out_cap);

#endif
