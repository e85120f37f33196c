/* The AWS sample's parameter.ts -> fa2's JSON configuration (`fa2 config import`).
 *
 * The TypeScript the sample's users write is a module of declarations: imports, types,
 * interfaces, and `export const NAME: AppParameter = { ... };` object literals. The
 * parser reads every top-level const/let/var whose initialiser is a literal: objects
 * (unquoted, quoted or numeric keys, shorthand members, `...spread` of an earlier const,
 * trailing commas), arrays, strings ('...', "...", and `template` strings whose ${...}
 * name an earlier string const), numbers (decimal, hex, octal, binary, with `_`
 * separators), true/false/null/undefined, references to earlier consts (`devParameter =
 * stageParameter`), parentheses, and the type suffixes `as T`, `as const`, `satisfies T`.
 * Comments (// and block) are skipped; declarations inside functions, classes and type
 * bodies are not read. An expression it cannot evaluate (process.env.X, a call) becomes
 * an "unresolved" value (a cJSON raw item holding the source text) that the mapping
 * drops with a note. Errors name the line and column.
 *
 * Limits: the source at most FA2_MAX_CONFIG_BYTES, nesting at most
 * FA2_IMPORT_MAX_DEPTH, at most FA2_IMPORT_MAX_CONSTS top-level consts. */
#ifndef FA2_AGENT_CONFIG_IMPORT_H
#define FA2_AGENT_CONFIG_IMPORT_H

#include <stddef.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_IMPORT_MAX_DEPTH   64u
#define FA2_IMPORT_MAX_CONSTS  256u
#define FA2_IMPORT_MAX_NOTES   64u
#define FA2_IMPORT_MAX_OBJECTS 32u

/* Parses the module's top-level consts into an object {NAME: value, ...} (caller frees
 * with cJSON_Delete). FA2_ERR_PARSE with "LINE:COL: what" in msg, FA2_ERR_TOO_LARGE past
 * a limit, FA2_ERR_NOMEM. */
fa2_err fa2_ts_parse_consts(fa2_slice ts, cJSON **out, char *msg, size_t cap);

typedef enum fa2_import_kind {
	FA2_IMPORT_MAPPED = 0,   /* carried over as it is */
	FA2_IMPORT_CHANGED,      /* carried over under another key or form */
	FA2_IMPORT_DROPPED,      /* not carried over: why */
	FA2_IMPORT_NEEDS         /* something fa2 needs that the file does not give */
} fa2_import_kind;

typedef struct fa2_import_note {
	fa2_import_kind kind;
	char key[64];
	char text[2][480];       /* [FA2_LANG_EN] and [FA2_LANG_JA] */
} fa2_import_note;

typedef struct fa2_config_import {
	cJSON *config;                        /* owned: fa2's JSON configuration */
	char picked[128];                     /* the parameter object imported */
	char alias_of[128];                   /* "" or the const picked is an alias of */
	char names[FA2_IMPORT_MAX_OBJECTS][128];  /* every parameter object of the file */
	size_t n_names;
	char env_name[128];                   /* envName ("" when absent) */
	char region[64];                      /* env.region ("" when absent or computed) */
	int kb_needs_id;                      /* knowledgeBase true without an id */
	fa2_import_note notes[FA2_IMPORT_MAX_NOTES];
	size_t n_notes;
} fa2_config_import;

/* Imports the parameter object called name from ts; name NULL picks the only one, or
 * "devParameter" (what the sample's bin/ deploys) when there are several. FA2_ERR_PARSE
 * (syntax; msg "LINE:COL: ..."), FA2_ERR_NOT_FOUND (no such object, or several and none
 * named devParameter: msg lists them), FA2_ERR_TOO_LARGE, FA2_ERR_NOMEM. On failure *out
 * is empty (safe to clean up). */
fa2_err fa2_config_import_ts(fa2_slice ts, const char *name, fa2_config_import *out, char *msg,
                             size_t cap);
void fa2_config_import_cleanup(fa2_config_import *imp);

/* The name the sample gave its knowledge base: the first three characters of envName
 * followed by "-fa2-knowledge-base" ("Development" -> "Dev-fa2-knowledge-base"). "" when
 * env_name is empty. */
void fa2_config_import_kb_name(const char *env_name, char *out, size_t cap);

/* Records the knowledge base found for the import (id, and its name for the note):
 * sets knowledgeBaseId and replaces the "needs an id" note. */
fa2_err fa2_config_import_set_kb(fa2_config_import *imp, const char *id, const char *name);

/* Adds a note (text in English and Japanese; truncated to fit). Ignored past
 * FA2_IMPORT_MAX_NOTES. */
void fa2_config_import_note(fa2_config_import *imp, fa2_import_kind kind, const char *key,
                            const char *en, const char *ja);

#endif
