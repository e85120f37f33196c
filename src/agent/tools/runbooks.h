/* Runbooks searched in-process: a directory of Markdown / text files (a snapshot's
 * runbooks/ folder, or the runbooksDir of the configuration where there is no Bedrock
 * Knowledge Base). Each file is cut into passages at headings and blank lines (merged up
 * to about 1,200 bytes); passages are ranked by BM25 (k1 1.2, b 0.75) over the query's
 * terms: lower-cased ASCII words, and character bigrams for runs of non-ASCII text
 * (Japanese has no spaces). Read once; searching is read-only (thread-safe). */
#ifndef FA2_AGENT_TOOLS_RUNBOOKS_H
#define FA2_AGENT_TOOLS_RUNBOOKS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define FA2_RUNBOOKS_MAX_FILES      200u                 /* files read from one directory */
#define FA2_RUNBOOKS_MAX_FILE_BYTES (1u * 1024u * 1024u) /* one file */

typedef struct fa2_runbook_doc {
	char *path;           /* owned: prefix + file name, e.g. "runbooks/dynamodb.md" */
	char *text;           /* owned */
	size_t len;
} fa2_runbook_doc;

typedef struct fa2_runbooks {
	fa2_runbook_doc *docs;   /* sorted by path */
	size_t n_docs;
	char *dir;               /* owned copy of the directory */
} fa2_runbooks;

/* Reads the .md, .markdown and .txt files of dir (one level, at most
 * FA2_RUNBOOKS_MAX_FILES; larger files are an error naming them). prefix is put before
 * each file name in its path (may be ""). FA2_ERR_NOT_FOUND when dir is not a
 * directory; other errors with msg (cap bytes). */
fa2_err fa2_runbooks_load(const char *dir, const char *prefix, fa2_runbooks **out, char *msg, size_t cap);
void fa2_runbooks_free(fa2_runbooks *rb);   /* NULL is fine */

/* Appends the best passages for query (at most want, score > 0) as "\nN. score S  PATH\n
 * TEXT\n" (text cut at 1,500 bytes on a character boundary), numbering from *shown + 1;
 * *shown counts them. FA2_ERR_NOMEM. */
fa2_err fa2_runbooks_search(const fa2_runbooks *rb, const char *query, size_t want, fa2_buf *out, int *shown);

#endif
