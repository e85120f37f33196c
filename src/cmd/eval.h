/* fa2 eval: the answer key of a scenario (expected.json) and the judging of a triage
 * report (schema fa2.triage/1) against it. docs/eval.md is the contract.
 *
 *   fa2_eval_expect_parse()  expected.json -> fa2_eval_expect (fixed-size, no heap)
 *   fa2_eval_judge()         a parsed triage JSON document + the key -> fa2_eval_result
 *
 * A change-caused scenario is right at rank k when suspect k is kind "change" with one of
 * the expected CloudTrail eventIDs. A scenario with no change involved is right at rank k
 * when suspect k is not a change and its text (every string of the suspect outside its
 * "evidence") contains one of the keywords, ASCII case-insensitively. top-1 / top-3 pass
 * when the rank is 1 / at most 3 and, when the report has a boolean
 * "no_change_implicated", it agrees (true for no-change scenarios, false otherwise). */
#ifndef FA2_CMD_EVAL_H
#define FA2_CMD_EVAL_H

#include <stddef.h>

#include "base/err.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/slice.h"

typedef struct fa2_eval_expect {
	char name[FA2_MAX_EVAL_ANSWER_BYTES];
	char set[FA2_MAX_EVAL_ANSWER_BYTES];     /* "dev", "heldout", or "" (unknown) */
	char kind[FA2_MAX_EVAL_ANSWER_BYTES];    /* incident kind, e.g. "iam", "disk" */
	int want_change;                         /* 1: a change caused it; 0: no change involved */
	char ids[FA2_MAX_EVAL_ANSWERS][FA2_MAX_EVAL_ANSWER_BYTES];
	size_t n_ids;                            /* expected eventIDs (want_change) */
	char keys[FA2_MAX_EVAL_ANSWERS][FA2_MAX_EVAL_ANSWER_BYTES];
	size_t n_keys;                           /* expected keywords (no change) */
} fa2_eval_expect;

/* Parses expected.json. FA2_ERR_PARSE for malformed JSON or a missing/invalid "expect"
 * ("change" with at least one of "event_ids", or "no_change" with at least one of
 * "keywords"); FA2_ERR_TOO_LARGE for input over FA2_MAX_EVAL_EXPECT_BYTES, more than
 * FA2_MAX_EVAL_ANSWERS answers or a string that does not fit. *why (may be NULL) gets a
 * static description. */
fa2_err fa2_eval_expect_parse(fa2_slice json, fa2_eval_expect *x, const char **why);

typedef struct fa2_eval_result {
	int rank;               /* 1-based rank of the first right suspect; 0 when none is right */
	int change_rank;        /* rank of an expected event in "changes"; 0 absent; -1 no-change scenario */
	int n_suspects;
	int nci;                /* "no_change_implicated": -1 absent, 0 false, 1 true */
	int top1, top3;         /* pass flags */
	int blamed_change;      /* no change involved, and suspect #1 is a change */
	char top_kind[32];      /* suspect #1 (empty when there is none), cut to fit */
	char top_title[160];
	char top_event[64];
} fa2_eval_result;

/* Judges a parsed triage report. Never fails on an unexpected shape: what is missing
 * counts as absent. */
void fa2_eval_judge(const fa2_eval_expect *x, const cJSON *report, fa2_eval_result *res);

/* The expected change as the snapshot's CloudTrail records it, for judging a report
 * written in words (the agent's): its eventID, eventName and the resources it acted on. */
#define FA2_EVAL_CAUSE_RESOURCES 8u
typedef struct fa2_eval_cause {
	char id[FA2_MAX_EVAL_ANSWER_BYTES];
	char name[FA2_MAX_EVAL_ANSWER_BYTES];
	char res[FA2_EVAL_CAUSE_RESOURCES][FA2_MAX_EVAL_ANSWER_BYTES];
	size_t n_res;
} fa2_eval_cause;

/* Records a resource value of an expected event (the full value, and its last ':' or
 * '/' part when that is another string of at least 4 bytes); values that do not fit are
 * skipped. */
void fa2_eval_cause_add_resource(fa2_eval_cause *c, const char *value);

typedef struct fa2_eval_agent_result {
	int rank;               /* 1-based index of the first right root cause (of the first 3); 0 none */
	int n_causes;           /* rootCauses in the report */
	int top1, top3;
	char top_title[160];    /* rootCauses[0].title, cut to fit */
} fa2_eval_agent_result;

/* Judges an agent report (docs/report-schema.md) against the key. Only the title and
 * the description of rootCauses[0..2] are read (not the evidence). Change-caused: a root
 * cause is right when it names an expected event, by its eventID, or by its eventName
 * together with one of the resources that event acted on (causes[0..n), built from the
 * snapshot). No change involved: when it contains one of the keywords. ASCII
 * case-insensitive. top-1 / top-3: the rank is 1 / at most 3. */
void fa2_eval_judge_agent(const fa2_eval_expect *x, const fa2_eval_cause *causes, size_t n_causes,
			  const cJSON *report, fa2_eval_agent_result *res);

/* 1 when hay contains needle, ASCII case-insensitively (an empty needle never matches). */
int fa2_eval_contains_ci(fa2_slice hay, fa2_slice needle);

#endif
