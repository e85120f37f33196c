/* Stub: the API of logtpl.h compiles and links; the miner arrives in the next commit. */
#include "triage/logtpl.h"

#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"

struct fa2_logtpl {
	fa2_logtpl_config cfg;
	fa2_logtpl_stats stats;
};

void fa2_logtpl_config_default(fa2_logtpl_config *cfg)
{
	cfg->sim_threshold = 0.5;
	cfg->depth = 4;
	cfg->max_templates = FA2_MAX_LOG_TEMPLATES;
	cfg->max_children = 100;
	cfg->examples = 3;
}

fa2_err fa2_logtpl_new(const fa2_logtpl_config *cfg, fa2_logtpl **out)
{
	fa2_logtpl *m = fa2_calloc(1, sizeof(*m));
	if (!m)
		return FA2_ERR_NOMEM;
	if (cfg)
		m->cfg = *cfg;
	else
		fa2_logtpl_config_default(&m->cfg);
	*out = m;
	return FA2_OK;
}

void fa2_logtpl_free(fa2_logtpl *m) { fa2_free(m); }

fa2_err fa2_logtpl_feed(fa2_logtpl *m, fa2_slice line, int64_t ts_ms, uint64_t line_no,
                        uint32_t *tpl_id)
{
	(void)line; (void)ts_ms; (void)line_no;
	m->stats.lines++;
	if (tpl_id)
		*tpl_id = 0;
	return FA2_ERR_UNSUPPORTED;
}

fa2_err fa2_logtpl_finish(fa2_logtpl *m) { (void)m; return FA2_OK; }
uint32_t fa2_logtpl_resolve(const fa2_logtpl *m, uint32_t id) { (void)m; return id; }
fa2_err fa2_logtpl_get(const fa2_logtpl *m, uint32_t id, fa2_logtpl_info *out)
{
	(void)m; (void)id; (void)out;
	return FA2_ERR_NOT_FOUND;
}
int fa2_logtpl_next(const fa2_logtpl *m, size_t *cursor, fa2_logtpl_info *out)
{
	(void)m; (void)cursor; (void)out;
	return 0;
}
void fa2_logtpl_stats_get(const fa2_logtpl *m, fa2_logtpl_stats *out) { *out = m->stats; }
fa2_logtpl_sev fa2_logtpl_guess_severity(fa2_slice line) { (void)line; return FA2_LOGTPL_SEV_NONE; }
const char *fa2_logtpl_sev_name(fa2_logtpl_sev sev)
{
	static const char *const names[] = { "-", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };
	return (unsigned)sev < sizeof(names) / sizeof(names[0]) ? names[sev] : "-";
}
int fa2_logtpl_token_is_variable(fa2_slice tok) { (void)tok; return 0; }
