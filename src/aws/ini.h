/* INI files as the AWS SDKs read ~/.aws/config and ~/.aws/credentials.
 *
 * Grammar (botocore's RawConfigParser behaviour): "[section]" headers; "key = value" or
 * "key: value" properties (white space around both trimmed, keys lower-cased);
 * full-line comments starting with '#' or ';'; a '#' or ';' inside a value is part of
 * it; an indented line continues the previous property (this is how nested settings
 * such as "s3 =" followed by "  max_concurrent_requests = 20" are written) and is
 * appended to its value after a '\n'; the nested form can be read back with
 * fa2_ini_get_sub(). Properties before the first section are an error, as is a line
 * that is none of the above. Later duplicates override earlier ones. */
#ifndef FA2_AWS_INI_H
#define FA2_AWS_INI_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_INI_MAX_ENTRIES 4096u

typedef struct fa2_ini_entry {
	fa2_slice section;  /* into text, trimmed, without brackets */
	fa2_slice key;      /* lower-cased copy in keys */
	fa2_slice value;    /* into text, or into values for continued values */
} fa2_ini_entry;

typedef struct fa2_ini {
	fa2_buf text;       /* the file's bytes */
	fa2_buf keys;       /* lower-cased keys */
	fa2_buf values;     /* values assembled from continuation lines */
	fa2_ini_entry *e;
	size_t n, cap;
	size_t error_line;  /* 1-based line of the first error, 0 when none */
} fa2_ini;

void fa2_ini_init(fa2_ini *ini);
void fa2_ini_cleanup(fa2_ini *ini);
/* Parses text (copied). FA2_ERR_PARSE with ini->error_line set on a malformed line,
 * FA2_ERR_TOO_LARGE over FA2_MAX_CONFIG_BYTES or FA2_INI_MAX_ENTRIES. */
fa2_err fa2_ini_parse(fa2_ini *ini, fa2_slice text);
/* Reads and parses a file; FA2_ERR_NOT_FOUND when it does not exist. */
fa2_err fa2_ini_load(fa2_ini *ini, const char *path);
/* The value of key in section (last definition wins), or 0 when absent. */
int fa2_ini_get(const fa2_ini *ini, fa2_slice section, fa2_slice key, fa2_slice *value);
/* A nested property: in "key =\n  sub = value" returns "value" for (key, sub). */
int fa2_ini_get_sub(const fa2_ini *ini, fa2_slice section, fa2_slice key, fa2_slice sub,
                    fa2_slice *value);
/* 1 when the section exists (even empty). */
int fa2_ini_has_section(const fa2_ini *ini, fa2_slice section);

#endif
