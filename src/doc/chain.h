/* The causal chain of a failure (the hypothesis diagram): what changed or triggered it,
 * the mechanism, the symptoms, the alarm, as nodes with directed edges.
 *
 * Built from the report's JSON (docs/report-schema.md, `causalChain`, proposed) and
 * rendered as a Mermaid flowchart for the Markdown file (GitHub, GitLab, Notion and
 * Confluence draw it) and as plain lines ("A → B → C") for Slack. Labels are untrusted
 * (the model writes them): every renderer escapes them for its target, so no label can
 * change the diagram's structure or Slack's formatting. */
#ifndef FA2_DOC_CHAIN_H
#define FA2_DOC_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/limits.h"
#include "base/slice.h"

typedef enum fa2_chain_kind {
	FA2_CHAIN_CHANGE = 0,  /* a deploy, a configuration or infrastructure change */
	FA2_CHAIN_TRIGGER,     /* an outside event: traffic surge, dependency outage */
	FA2_CHAIN_MECHANISM,   /* how it turned into failure: pool exhausted, retries */
	FA2_CHAIN_SYMPTOM,     /* what was observed: errors, latency */
	FA2_CHAIN_ALARM,       /* the alarm or report that raised it */
	FA2_CHAIN_OTHER,
	FA2_CHAIN_KIND_COUNT
} fa2_chain_kind;

/* A string of the chain: bytes [off, off + len) of the chain's pool. */
typedef struct fa2_chain_str {
	uint32_t off, len;
} fa2_chain_str;

typedef struct fa2_chain_node {
	fa2_chain_kind kind;
	fa2_chain_str label;    /* never empty; may hold '\n' */
	fa2_chain_str time;     /* as written ("08:02", RFC 3339), may be empty */
	fa2_chain_str evidence; /* what shows it ("logs_tool: 412 errors"), may be empty */
} fa2_chain_node;

typedef struct fa2_chain_edge {
	uint16_t from, to;      /* node indexes; from != to */
	fa2_chain_str label;    /* may be empty */
} fa2_chain_edge;

/* Caller-allocated; the strings live in pool (fa2_chain_cleanup frees them). */
typedef struct fa2_chain {
	fa2_chain_node nodes[FA2_MAX_CHAIN_NODES];
	size_t n_nodes;
	fa2_chain_edge edges[FA2_MAX_CHAIN_EDGES];
	size_t n_edges;
	fa2_buf pool;
} fa2_chain;

void fa2_chain_init(fa2_chain *c);
void fa2_chain_cleanup(fa2_chain *c);
/* The bytes of s in c (valid until c changes). */
fa2_slice fa2_chain_text(const fa2_chain *c, fa2_chain_str s);

/* "change", "trigger", "mechanism", "symptom", "alarm", "other". */
const char *fa2_chain_kind_name(fa2_chain_kind k);
/* Case-insensitive; anything else is FA2_CHAIN_OTHER. */
fa2_chain_kind fa2_chain_kind_parse(fa2_slice s);

/* Adds a node; the texts are cleaned (invalid UTF-8 replaced, control characters and
 * tabs made spaces, white space trimmed, cut at FA2_MAX_CHAIN_TEXT_BYTES on a character
 * boundary with "…"). label must not be empty after cleaning (FA2_ERR_INVALID);
 * FA2_ERR_TOO_LARGE past FA2_MAX_CHAIN_NODES. *index (may be NULL) gets its index. */
fa2_err fa2_chain_add_node(fa2_chain *c, fa2_chain_kind kind, fa2_slice label, fa2_slice time,
			   fa2_slice evidence, size_t *index);
/* Adds an edge between existing nodes (FA2_ERR_INVALID for a bad index or a loop onto
 * itself; an edge already present is not added again). */
fa2_err fa2_chain_add_edge(fa2_chain *c, size_t from, size_t to, fa2_slice label);

/* Builds the chain from the report's `causalChain` array (docs/report-schema.md):
 *   [{"id": "deploy", "kind": "change", "label": "...", "time": "08:00",
 *     "evidence": "...", "next": ["pool", {"id": "errors", "label": "2 min later"}]}, ...]
 * Nodes without a string label are skipped; unknown kinds are "other"; ids are optional
 * and matched exactly; "next" entries naming no node are dropped. When no node has a
 * "next", each node leads to the one after it (a list in causal order is a chain).
 * Extra nodes past the cap are dropped. FA2_ERR_PARSE when arr is not an array or
 * yields no node. c must be freshly initialised. */
fa2_err fa2_chain_from_json(fa2_chain *c, const cJSON *arr);

/* Appends a Mermaid flowchart (the text inside a ```mermaid fence, ending in a newline):
 * "flowchart TD", one node per line with ids n1..nN (never a label): the label, then
 * <br/><small>time</small> and <br/><i>evidence</i> when present, all quoted and
 * entity-escaped ("#quot;", "#35;", ...), line breaks as <br/>, one shape and class per
 * kind; then the edges with quoted labels; then a classDef per kind used. */
fa2_err fa2_chain_render_mermaid(const fa2_chain *c, fa2_buf *out);

/* Appends the chain as lines of text, one per path from a node nothing leads to (a
 * start) to one that leads nowhere: "Deploy v42 (08:00) → Pool exhausted → 5xx", an
 * edge label as "→ (2 min) →". Nodes on no such path (inside a cycle) get lines of
 * their own. Each line ends in "\n"; at most 20 lines. With mrkdwn, &, < and > are
 * escaped for Slack (&amp; &lt; &gt;). */
fa2_err fa2_chain_render_text(const fa2_chain *c, int mrkdwn, fa2_buf *out);

/* Reads back a flowchart written by fa2_chain_render_mermaid (for renderers that get
 * only the Markdown, like the PDF): FA2_ERR_PARSE for anything else. c must be freshly
 * initialised. */
fa2_err fa2_chain_from_mermaid(fa2_chain *c, fa2_slice src);

#endif
