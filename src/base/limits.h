/* Named caps for every growable buffer and parsed quantity in fa2.
 * Exceeding one is FA2_ERR_TOO_LARGE, distinct from out-of-memory. */
#ifndef FA2_BASE_LIMITS_H
#define FA2_BASE_LIMITS_H

#define FA2_MAX_FILE_BYTES          (64u * 1024u * 1024u)  /* fa2_file_read_all default */
#define FA2_MAX_CONFIG_BYTES        (1u * 1024u * 1024u)
#define FA2_MAX_LOG_LINE_BYTES      8192u                  /* one formatted log record */
#define FA2_MAX_LOG_FORMAT_BYTES    (4u << 20)             /* a message formatted in full
                                                             * (and redacted) before it is cut */
#define FA2_MAX_SECRETS             32u                    /* registered for redaction */
#define FA2_MAX_SECRET_BYTES        4096u
#define FA2_MAX_HTTP_HEADER_BYTES   (64u * 1024u)          /* request/status line + headers */
#define FA2_MAX_HTTP_HEADERS        100u
#define FA2_MAX_HTTP_BODY_BYTES     (32u * 1024u * 1024u)  /* client responses */
#define FA2_MAX_HTTP_REQ_BODY_BYTES (1u * 1024u * 1024u)   /* server requests */
#define FA2_MAX_HTTP_BUFFERED_BYTES (32u * 1024u * 1024u)  /* server: all requests' buffers */
#define FA2_MAX_HTTP_CONNS_PER_PEER 2048u                  /* server: one address or /64 */
#define FA2_MAX_WS_MESSAGE_BYTES    (4u * 1024u * 1024u)
#define FA2_MAX_TLS_BUNDLE_BYTES    (8u * 1024u * 1024u)   /* CA bundle PEM file */
#define FA2_MAX_TLS_ANCHORS         2000u                  /* certificates in a CA bundle */
#define FA2_MAX_TLS_CHAIN_CERTS     10u                    /* server certificate chain */
#define FA2_MAX_JSON_BYTES          (32u * 1024u * 1024u)
#define FA2_MAX_OBSERVATION_BYTES   (24u * 1024u)          /* default tool output budget */
#define FA2_MAX_LOG_TEMPLATES       50000u                 /* template miner, before LRU eviction */
#define FA2_MAX_LLM_REQUEST_BYTES   (16u * 1024u * 1024u)  /* one model request body */
#define FA2_MAX_LLM_RESPONSE_BYTES  (4u * 1024u * 1024u)   /* one model response body */
#define FA2_MAX_JOURNAL_LINE_BYTES  (4u * 1024u * 1024u)   /* one session journal record */
#define FA2_MAX_JOURNAL_BYTES       (64u * 1024u * 1024u)  /* one session journal */
#define FA2_MAX_PROMPT_BYTES        (256u * 1024u)         /* one prompt template */
#define FA2_MAX_REPORT_BYTES        (2u * 1024u * 1024u)   /* one rendered report */

/* Triage engine (src/triage/): incident data read from a snapshot or the AWS layer. */
#define FA2_MAX_TR_POOL_BYTES       (512u * 1024u * 1024u) /* strings of one incident */
#define FA2_MAX_TR_LOG_LINES        2000000u
#define FA2_MAX_TR_SERIES           4096u
#define FA2_MAX_TR_POINTS           100000u                /* per series */
#define FA2_MAX_TR_EVENTS           200000u                /* CloudTrail events */
#define FA2_MAX_TR_TRACES           200000u                /* X-Ray trace summaries */
#define FA2_MAX_SNAPSHOT_FILES      10000u                 /* files listed in a manifest */
#define FA2_MAX_TR_REPORT_BYTES     (8u * 1024u * 1024u)   /* a rendered triage report */

/* fa2 eval (src/cmd/eval.h): scenarios of a corpus and their answer keys. */
#define FA2_MAX_EVAL_SCENARIOS      4096u                  /* scenarios in one corpus */
#define FA2_MAX_EVAL_EXPECT_BYTES   (1u * 1024u * 1024u)   /* one expected.json */
#define FA2_MAX_EVAL_ANSWERS        32u                    /* event ids or keywords of one scenario */
#define FA2_MAX_EVAL_ANSWER_BYTES   128u                   /* one event id or keyword, NUL included */

/* Time zones (src/base/tz.c): TZif files from the zoneinfo directory (RFC 8536). The
 * transition and type caps are zic's own (TZ_MAX_TIMES, TZ_MAX_TYPES). */
#define FA2_MAX_TZIF_BYTES          (256u * 1024u)         /* one zone file */
#define FA2_MAX_TZ_TRANSITIONS      2000u
#define FA2_MAX_TZ_TYPES            256u
#define FA2_MAX_TZ_CHARS            256u                   /* designation bytes (charcnt) */
#define FA2_MAX_TZ_LEAPS            128u                   /* leap-second records */
#define FA2_MAX_TZ_FOOTER_BYTES     128u                   /* the POSIX TZ string */
#define FA2_MAX_TZ_NAME_BYTES       128u                   /* "America/Argentina/..." */

/* Documents (src/doc/): the causal chain and the PDF writer. */
#define FA2_MAX_CHAIN_NODES         32u                    /* nodes of one causal chain */
#define FA2_MAX_CHAIN_EDGES         64u
#define FA2_MAX_CHAIN_TEXT_BYTES    400u                   /* one label, time or evidence */
#define FA2_MAX_PDF_BYTES           (64u * 1024u * 1024u)  /* one PDF file */
#define FA2_MAX_PDF_PAGES           2000u
#define FA2_MAX_PDF_TABLE_COLS      16u
#define FA2_MAX_PDF_TABLE_ROWS      2000u
/* Amazon SNS deliveries (src/aws/sns.c). */
#define FA2_MAX_SNS_BODY_BYTES      (1u * 1024u * 1024u)   /* one delivery's JSON body */
#define FA2_MAX_SNS_CERT_BYTES      (16u * 1024u)          /* one signing certificate (PEM) */
#define FA2_MAX_SNS_CERTS_CACHED    8u                     /* signing certificates kept */
#define FA2_MAX_SNS_SEEN_IDS        65536u                 /* in-memory replay memory */

/* Stack of a serve analysis slot (address space; pages are committed as touched). */
#define FA2_ANALYSIS_STACK_BYTES    (8u * 1024u * 1024u)

#endif
