/* Unit tests for src/doc/chain.c: the causal chain from the report's JSON, its Mermaid
 * flowchart (checked with the real Mermaid parser from npm when it is installed) and its
 * plain text for Slack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "doc/chain.h"
#include "test.h"

static fa2_chain C, C2;

static fa2_err chain_json(fa2_chain *c, const char *json)
{
	fa2_err e;
	cJSON *j = fa2_json_parse(fa2_slice_cstr(json), &e);
	if (!j)
		return e;
	e = fa2_chain_from_json(c, j);
	cJSON_Delete(j);
	return e;
}

static const char *render_text(const fa2_chain *c, int mrkdwn, fa2_buf *b)
{
	fa2_buf_reset(b);
	if (fa2_chain_render_text(c, mrkdwn, b) || !b->data)
		return "(error)";
	return b->data;
}

FA2_TEST(chain_linear_from_json)
{
	fa2_buf b;
	fa2_buf_init(&b, 1 << 16);
	fa2_chain_init(&C);
	CHECK_OK(chain_json(&C, "[{\"kind\":\"change\",\"label\":\"Deploy v42 doubled the workers\",\"time\":\"08:00\","
				"\"evidence\":\"audit_log_tool: UpdateService\"},"
				"{\"kind\":\"mechanism\",\"label\":\"DB connection pool exhausted\"},"
				"{\"kind\":\"symptom\",\"label\":\"5xx on /pay\",\"time\":\"08:02\"},"
				"{\"kind\":\"alarm\",\"label\":\"ALB 5xx alarm\"}]"));
	CHECK_INT_EQ(C.n_nodes, 4);
	CHECK_INT_EQ(C.n_edges, 3); /* no "next": the list is the chain */
	CHECK_INT_EQ(C.nodes[0].kind, FA2_CHAIN_CHANGE);
	CHECK_INT_EQ(C.nodes[3].kind, FA2_CHAIN_ALARM);
	CHECK_SLICE_EQ(fa2_chain_text(&C, C.nodes[0].evidence), "audit_log_tool: UpdateService");
	CHECK_STR_EQ(render_text(&C, 0, &b), "Deploy v42 doubled the workers (08:00) \xE2\x86\x92 DB connection pool "
					     "exhausted \xE2\x86\x92 5xx on /pay (08:02) \xE2\x86\x92 ALB 5xx alarm\n");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_chain_render_mermaid(&C, &b));
	CHECK_STR_EQ(b.data, "flowchart TD\n"
			     "  n1{{\"Deploy v42 doubled the workers<br/><small>08:00</small><br/><i>audit_log_tool: UpdateService</i>\"}}:::change\n"
			     "  n2[\"DB connection pool exhausted\"]:::mechanism\n"
			     "  n3(\"5xx on /pay<br/><small>08:02</small>\"):::symptom\n"
			     "  n4([\"ALB 5xx alarm\"]):::alarm\n"
			     "  n1 --> n2\n"
			     "  n2 --> n3\n"
			     "  n3 --> n4\n"
			     "  classDef change fill:#fde2e1,stroke:#c0392b,color:#000\n"
			     "  classDef mechanism fill:#fcf3cf,stroke:#b7950b,color:#000\n"
			     "  classDef symptom fill:#d6eaf8,stroke:#2e86c1,color:#000\n"
			     "  classDef alarm fill:#e8daef,stroke:#7d3c98,color:#000\n");
	fa2_chain_cleanup(&C);
	fa2_buf_cleanup(&b);
}

FA2_TEST(chain_graph_from_json)
{
	fa2_buf b;
	fa2_buf_init(&b, 1 << 16);
	fa2_chain_init(&C);
	/* Two causes meeting in one mechanism; labels on edges; junk entries skipped;
	 * references to unknown ids and to the node itself dropped; a repeated id names the
	 * first node. */
	CHECK_OK(chain_json(&C, "[{\"id\":\"d\",\"kind\":\"CHANGE\",\"label\":\"Deploy\",\"next\":[\"p\",\"nope\",\"d\"]},"
				"42, {\"label\":\"\"}, {\"kind\":\"trigger\"},"
				"{\"id\":\"t\",\"kind\":\"trigger\",\"label\":\"Traffic x3\",\"next\":\"p\"},"
				"{\"id\":\"p\",\"kind\":\"mechanism\",\"label\":\"Pool exhausted\","
				"\"next\":[{\"id\":\"e\",\"label\":\"2 min later\"}]},"
				"{\"id\":\"e\",\"kind\":\"weird\",\"label\":\"Errors\"},"
				"{\"id\":\"d\",\"label\":\"Shadow\"}]"));
	CHECK_INT_EQ(C.n_nodes, 5);
	CHECK_INT_EQ(C.nodes[3].kind, FA2_CHAIN_OTHER);
	CHECK_INT_EQ(C.n_edges, 3);
	CHECK_STR_EQ(render_text(&C, 0, &b),
		     "Deploy \xE2\x86\x92 Pool exhausted \xE2\x86\x92 (2 min later) \xE2\x86\x92 Errors\n"
		     "Traffic x3 \xE2\x86\x92 Pool exhausted \xE2\x86\x92 (2 min later) \xE2\x86\x92 Errors\n"
		     "Shadow\n");
	fa2_chain_cleanup(&C);

	/* Not an array, or nothing usable. */
	fa2_chain_init(&C);
	CHECK_INT_EQ(chain_json(&C, "{\"label\":\"x\"}"), FA2_ERR_PARSE);
	CHECK_INT_EQ(chain_json(&C, "[1, \"x\", {\"kind\":\"alarm\"}]"), FA2_ERR_PARSE);
	fa2_chain_cleanup(&C);
	fa2_buf_cleanup(&b);
}

FA2_TEST(chain_caps_and_cycles)
{
	fa2_buf b, j;
	size_t k, i;
	fa2_buf_init(&b, 1 << 20);
	fa2_buf_init(&j, 1 << 20);
	/* More nodes than the cap, and an over-long label: kept within the caps. */
	(void)fa2_buf_append_cstr(&j, "[");
	for (k = 0; k < FA2_MAX_CHAIN_NODES + 10; k++)
		(void)fa2_buf_appendf(&j, "%s{\"label\":\"step %zu %0900d\"}", k ? "," : "", k, 7);
	(void)fa2_buf_append_cstr(&j, "]");
	fa2_chain_init(&C);
	CHECK_OK(chain_json(&C, j.data));
	CHECK_INT_EQ(C.n_nodes, FA2_MAX_CHAIN_NODES);
	CHECK_INT_EQ(C.n_edges, FA2_MAX_CHAIN_NODES - 1);
	for (k = 0; k < C.n_nodes; k++) {
		fa2_slice l = fa2_chain_text(&C, C.nodes[k].label);
		CHECK(l.len <= FA2_MAX_CHAIN_TEXT_BYTES);
		CHECK(fa2_slice_ends_with(l, FA2_SLICE_LIT("\xE2\x80\xA6")));
	}
	fa2_chain_cleanup(&C);

	/* A cycle with no start: its nodes still appear; a dense graph stays bounded. */
	fa2_chain_init(&C);
	CHECK_OK(chain_json(&C, "[{\"id\":\"a\",\"label\":\"A\",\"next\":[\"b\"]},{\"id\":\"b\",\"label\":\"B\",\"next\":[\"a\"]}]"));
	CHECK_STR_EQ(render_text(&C, 0, &b), "A \xE2\x86\x92 B\n");
	fa2_chain_cleanup(&C);
	fa2_chain_init(&C);
	for (k = 0; k < 12; k++)
		CHECK_OK(fa2_chain_add_node(&C, FA2_CHAIN_OTHER, FA2_SLICE_LIT("x"), FA2_SLICE_EMPTY, FA2_SLICE_EMPTY, NULL));
	for (k = 0; k < 12; k++)
		for (i = k + 1; i < 12 && i < k + 6; i++)
			CHECK_OK(fa2_chain_add_edge(&C, k, i, FA2_SLICE_EMPTY));
	CHECK_INT_EQ(fa2_chain_add_edge(&C, 3, 3, FA2_SLICE_EMPTY), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_chain_add_edge(&C, 3, 12, FA2_SLICE_EMPTY), FA2_ERR_INVALID);
	render_text(&C, 0, &b);
	{
		size_t lines = 0;
		for (k = 0; k < b.len; k++)
			lines += b.data[k] == '\n';
		CHECK_INT_EQ(lines, 20);
	}
	fa2_chain_cleanup(&C);
	fa2_buf_cleanup(&b);
	fa2_buf_cleanup(&j);
}

/* Labels that try to break out of a Mermaid string, Slack's formatting or the line. */
static const char *const hostile[] = {
	"He said \"stop\"; then ]] end",
	"graph TD; A-->B",
	"a | b |pipe| [x] {y} (z) #tag #35; &amp; <b>bold</b> <script>alert(1)</script>",
	"`code` **md** \\back\\slash %%{init: {}}%% click n1 call x()",
	"line one\nline two\r\nline\tthree",
	"end",
	"style n1 fill:#f00",
	"classDef evil fill:#f00; 100% done",
	"<!channel> & <@U123> > done",
};

static void add_hostile(fa2_chain *c)
{
	size_t k;
	for (k = 0; k < sizeof hostile / sizeof hostile[0]; k++) {
		(void)fa2_chain_add_node(c, (fa2_chain_kind)(k % FA2_CHAIN_KIND_COUNT), fa2_slice_cstr(hostile[k]),
					 k == 1 ? FA2_SLICE_LIT("08:00 \"#\"") : FA2_SLICE_EMPTY,
					 k == 2 ? FA2_SLICE_LIT("logs_tool: [x] | y;") : FA2_SLICE_EMPTY, NULL);
		if (k)
			(void)fa2_chain_add_edge(c, k - 1, k, k % 2 ? fa2_slice_cstr(hostile[k - 1]) : FA2_SLICE_EMPTY);
	}
}

FA2_TEST(chain_text_escaping)
{
	fa2_buf b;
	fa2_buf_init(&b, 1 << 16);
	fa2_chain_init(&C);
	add_hostile(&C);
	render_text(&C, 1, &b);
	/* mrkdwn: no raw <, > or unescaped & reach Slack; one line for the chain. */
	CHECK(strchr(b.data, '<') == NULL && strchr(b.data, '>') == NULL);
	CHECK(strstr(b.data, "&lt;!channel&gt; &amp; &lt;@U123&gt; &gt; done") != NULL);
	CHECK(strstr(b.data, "&amp;amp;") != NULL);
	CHECK(strstr(b.data, "line one line two line three") != NULL);
	CHECK_INT_EQ(strchr(b.data, '\n') - b.data, (long)b.len - 1);
	render_text(&C, 0, &b);
	CHECK(strstr(b.data, "<!channel> & <@U123> > done") != NULL);
	fa2_chain_cleanup(&C);
	fa2_buf_cleanup(&b);
}

FA2_TEST(chain_mermaid_escaping_and_back)
{
	fa2_buf b;
	size_t k;
	fa2_buf_init(&b, 1 << 16);
	fa2_chain_init(&C);
	add_hostile(&C);
	CHECK_OK(fa2_chain_render_mermaid(&C, &b));
	/* Every node and edge line keeps its shape: one quoted string, nothing after the
	 * class. No label character that could end a string, a statement or a fence. */
	{
		fa2_slice rest = fa2_buf_slice(&b), line;
		size_t lines = 0;
		while (fa2_slice_split(rest, '\n', &line, &rest) || line.len) {
			size_t q = 0, i;
			for (i = 0; i < line.len; i++)
				q += line.ptr[i] == '"';
			if (lines > 0 && !fa2_slice_starts_with(line, FA2_SLICE_LIT("  classDef ")))
				CHECK_MSG(q == 0 || q == 2, "line %zu has %zu quotes: %.*s", lines, q, FA2_SLICE_FMT(line));
			CHECK(fa2_slice_find(line, FA2_SLICE_LIT("```")) < 0);
			/* A ';' only ends an entity code (#quot; #59;). */
			for (i = 0; i < line.len; i++) {
				size_t j = i;
				if (line.ptr[i] != ';')
					continue;
				while (j > 0 && ((line.ptr[j - 1] >= 'a' && line.ptr[j - 1] <= 'z') ||
						 (line.ptr[j - 1] >= '0' && line.ptr[j - 1] <= '9')))
					j--;
				CHECK_MSG(j > 0 && j < i && line.ptr[j - 1] == '#', "bare ';' in %.*s", FA2_SLICE_FMT(line));
			}
			CHECK(fa2_slice_find(line, FA2_SLICE_LIT("%%")) < 0 || lines == 0);
			lines++;
			if (!rest.len)
				break;
		}
		CHECK_INT_EQ(lines, 1 + C.n_nodes + C.n_edges + FA2_CHAIN_KIND_COUNT);
	}
	/* Read back: the same labels, times and evidence. */
	fa2_chain_init(&C2);
	CHECK_OK(fa2_chain_from_mermaid(&C2, fa2_buf_slice(&b)));
	CHECK_INT_EQ(C2.n_nodes, C.n_nodes);
	CHECK_INT_EQ(C2.n_edges, C.n_edges);
	for (k = 0; k < C.n_nodes; k++) {
		CHECK_INT_EQ(C2.nodes[k].kind, C.nodes[k].kind);
		CHECK(fa2_slice_eq(fa2_chain_text(&C2, C2.nodes[k].label), fa2_chain_text(&C, C.nodes[k].label)));
		CHECK(fa2_slice_eq(fa2_chain_text(&C2, C2.nodes[k].time), fa2_chain_text(&C, C.nodes[k].time)));
		CHECK(fa2_slice_eq(fa2_chain_text(&C2, C2.nodes[k].evidence), fa2_chain_text(&C, C.nodes[k].evidence)));
	}
	CHECK_SLICE_EQ(fa2_chain_text(&C2, C2.nodes[1].time), "08:00 \"#\"");
	CHECK_SLICE_EQ(fa2_chain_text(&C2, C2.nodes[2].evidence), "logs_tool: [x] | y;");
	for (k = 0; k < C.n_edges; k++)
		CHECK(fa2_slice_eq(fa2_chain_text(&C2, C2.edges[k].label), fa2_chain_text(&C, C.edges[k].label)));
	fa2_chain_cleanup(&C2);
	/* Not ours: refused. */
	fa2_chain_init(&C2);
	CHECK_INT_EQ(fa2_chain_from_mermaid(&C2, FA2_SLICE_LIT("graph LR\n  A-->B\n")), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_chain_from_mermaid(&C2, FA2_SLICE_LIT("flowchart TD\n  n2[\"x\"]:::other\n")), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_chain_from_mermaid(&C2, FA2_SLICE_LIT("flowchart TD\n  n1[\"x]:::other\n")), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_chain_from_mermaid(&C2, FA2_SLICE_LIT("flowchart TD\n")), FA2_ERR_PARSE);
	fa2_chain_cleanup(&C2);
	fa2_chain_cleanup(&C);
	fa2_buf_cleanup(&b);
}

/* The expected structure of c's flowchart, for tests/node/mermaid_check.mjs. */
static cJSON *expected_case(const char *name, const fa2_chain *c, const char *mermaid)
{
	static const char *const shapes[FA2_CHAIN_KIND_COUNT] = { "hexagon", "hexagon", "square",
								  "round", "stadium", "square" };
	cJSON *o = cJSON_CreateObject(), *nodes = cJSON_AddArrayToObject(o, "nodes"),
	      *edges = cJSON_AddArrayToObject(o, "edges");
	fa2_buf t;
	size_t k, i;
	char id[24];
	fa2_buf_init(&t, 1 << 16);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "mermaid", mermaid);
	for (k = 0; k < c->n_nodes; k++) {
		cJSON *n = cJSON_CreateObject();
		fa2_slice l = fa2_chain_text(c, c->nodes[k].label), tm = fa2_chain_text(c, c->nodes[k].time),
			  ev = fa2_chain_text(c, c->nodes[k].evidence);
		fa2_buf_reset(&t);
		for (i = 0; i < l.len; i++)
			l.ptr[i] == '\n' ? (void)fa2_buf_append_cstr(&t, "<br>") : (void)fa2_buf_append_byte(&t, (unsigned char)l.ptr[i]);
		if (tm.len) {
			(void)fa2_buf_append_cstr(&t, "<br><small>");
			(void)fa2_buf_append_slice(&t, tm);
			(void)fa2_buf_append_cstr(&t, "</small>");
		}
		if (ev.len) {
			(void)fa2_buf_append_cstr(&t, "<br><i>");
			(void)fa2_buf_append_slice(&t, ev);
			(void)fa2_buf_append_cstr(&t, "</i>");
		}
		snprintf(id, sizeof id, "n%zu", k + 1);
		cJSON_AddStringToObject(n, "id", id);
		cJSON_AddStringToObject(n, "text", t.data ? t.data : "");
		cJSON_AddStringToObject(n, "class", fa2_chain_kind_name(c->nodes[k].kind));
		cJSON_AddStringToObject(n, "shape", shapes[c->nodes[k].kind]);
		cJSON_AddItemToArray(nodes, n);
	}
	for (k = 0; k < c->n_edges; k++) {
		cJSON *e = cJSON_CreateObject();
		fa2_slice l = fa2_chain_text(c, c->edges[k].label);
		snprintf(id, sizeof id, "n%u", (unsigned)c->edges[k].from + 1);
		cJSON_AddStringToObject(e, "from", id);
		snprintf(id, sizeof id, "n%u", (unsigned)c->edges[k].to + 1);
		cJSON_AddStringToObject(e, "to", id);
		fa2_buf_reset(&t);
		(void)fa2_buf_append_slice(&t, l);
		cJSON_AddStringToObject(e, "text", t.data ? t.data : "");
		cJSON_AddItemToArray(edges, e);
	}
	fa2_buf_cleanup(&t);
	return o;
}

static int add_case(cJSON *cases, const char *name, fa2_chain *c)
{
	fa2_buf m;
	fa2_buf_init(&m, 1 << 20);
	if (fa2_chain_render_mermaid(c, &m)) {
		fa2_buf_cleanup(&m);
		return 0;
	}
	cJSON_AddItemToArray(cases, expected_case(name, c, m.data));
	fa2_buf_cleanup(&m);
	return 1;
}

FA2_TEST(chain_mermaid_real_parser)
{
	static const char *const ja =
		"[{\"kind\":\"change\",\"label\":\"デプロイ v42 でワーカー数が2倍に\",\"time\":\"17:00 JST\","
		"\"evidence\":\"audit_log_tool: UpdateService（変更者 alice）\"},"
		"{\"kind\":\"mechanism\",\"label\":\"DB 接続プールが枯渇「too many connections」\"},"
		"{\"kind\":\"symptom\",\"label\":\"/pay で 5xx が 5% に上昇；応答時間 #1 悪化\"},"
		"{\"kind\":\"alarm\",\"label\":\"ALB 5xx アラーム発報\"}]";
	static const char *const en =
		"[{\"id\":\"d\",\"kind\":\"change\",\"label\":\"Deploy v42 doubled the workers\",\"time\":\"08:00\","
		"\"next\":[\"p\"]},{\"id\":\"t\",\"kind\":\"trigger\",\"label\":\"Traffic x3 (campaign)\",\"next\":[\"p\"]},"
		"{\"id\":\"p\",\"kind\":\"mechanism\",\"label\":\"Pool exhausted\",\"next\":[{\"id\":\"s\",\"label\":\"within 2 min\"}]},"
		"{\"id\":\"s\",\"kind\":\"symptom\",\"label\":\"5xx on /pay\",\"next\":[\"a\"]},"
		"{\"id\":\"a\",\"kind\":\"alarm\",\"label\":\"ALB 5xx alarm\"},{\"id\":\"o\",\"kind\":\"other\",\"label\":\"unrelated\"}]";
	char path[700], cmd[2200], node_dir[600];
	cJSON *cases;
	char *text;
	fa2_err e;
	int rc;

	snprintf(node_dir, sizeof node_dir, "%s", getenv("FA2_NODE_DIR") ? getenv("FA2_NODE_DIR") : "tests/node");
	snprintf(path, sizeof path, "%s/node_modules/mermaid/package.json", node_dir);
	if (system("node --version >/dev/null 2>&1") != 0 || access(path, R_OK) != 0) {
		fa2_test_skip("node or tests/node/node_modules/mermaid absent (tools/setup-deps.sh test runs npm ci)");
		return;
	}
	cases = cJSON_CreateArray();
	fa2_chain_init(&C);
	CHECK_OK(chain_json(&C, en));
	CHECK(add_case(cases, "en", &C));
	fa2_chain_cleanup(&C);
	fa2_chain_init(&C);
	CHECK_OK(chain_json(&C, ja));
	CHECK(add_case(cases, "ja", &C));
	fa2_chain_cleanup(&C);
	fa2_chain_init(&C);
	add_hostile(&C);
	CHECK(add_case(cases, "hostile", &C));
	fa2_chain_cleanup(&C);
	{
		size_t k;
		for (k = 0; k < sizeof hostile / sizeof hostile[0]; k++) {
			char name[32];
			fa2_chain_init(&C);
			(void)fa2_chain_add_node(&C, FA2_CHAIN_SYMPTOM, fa2_slice_cstr(hostile[k]), FA2_SLICE_EMPTY,
						 FA2_SLICE_EMPTY, NULL);
			(void)fa2_chain_add_node(&C, FA2_CHAIN_ALARM, FA2_SLICE_LIT("障害"), FA2_SLICE_EMPTY,
						 FA2_SLICE_LIT("x"), NULL);
			(void)fa2_chain_add_edge(&C, 0, 1, fa2_slice_cstr(hostile[k]));
			snprintf(name, sizeof name, "hostile-%zu", k);
			CHECK(add_case(cases, name, &C));
			fa2_chain_cleanup(&C);
		}
	}
	text = cJSON_Print(cases);
	cJSON_Delete(cases);
	CHECK(text != NULL);
	snprintf(path, sizeof path, "%s/cases.json", fa2_test_tmpdir());
	e = fa2_file_write_atomic(path, text, strlen(text), 0600);
	cJSON_free(text);
	CHECK_OK(e);
	snprintf(cmd, sizeof cmd, "node '%s/mermaid_check.mjs' '%s' > '%s.out' 2>&1", node_dir, path, path);
	rc = system(cmd);
	if (rc != 0) {
		char out[720];
		fa2_buf log;
		fa2_buf_init(&log, 1 << 16);
		snprintf(out, sizeof out, "%s.out", path);
		(void)fa2_file_read_all(out, &log);
		fa2_test_fail(__FILE__, __LINE__, "mermaid_check failed (%d):\n%s", rc, log.data ? log.data : "");
		fa2_buf_cleanup(&log);
	}
}
